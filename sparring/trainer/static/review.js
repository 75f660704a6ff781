// Mark a rating fixed (with the persona version) or reopen it; reload to show the new state.
document.querySelectorAll("form.verdict").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reopen = event.submitter && event.submitter.name === "reopen";
    const version = form.querySelector("input[name=version]");
    const result = form.querySelector(".result");
    const response = await fetch(`/trainer/api/review/${encodeURIComponent(form.dataset.feedback)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ fixed: !reopen, version: version ? version.value : null }),
    });
    if (response.ok) {
      window.location.reload();
    } else {
      const body = await response.json().catch(() => ({}));
      result.textContent = body.detail ? String(body.detail) : `Failed (${response.status})`;
    }
  });
});
