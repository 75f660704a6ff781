// The studio editor: validate as you type (debounced), form fields, save, history, diff,
// restore, try and simulate. Every rule is checked on the server; this only shows results.
(function () {
  "use strict";
  const root = document.getElementById("studio");
  if (!root) return;
  const kind = root.dataset.kind, id = root.dataset.id;
  const api = "/trainer/api/" + kind + "/" + encodeURIComponent(id);
  const text = document.getElementById("yaml");
  const status = document.getElementById("status");
  const problems = document.getElementById("problems");
  let loaded = root.dataset.sha;  // hash of the text as saved when this editor loaded it
  let timer = null, seq = 0;

  function say(message, ok) {
    status.textContent = message;
    status.className = "status " + (ok ? "ok" : "bad");
  }

  async function call(path, body, method) {
    const response = await fetch(api + path, {
      method: method || "POST", credentials: "same-origin",
      headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = {}; }
    return {status: response.status, data: data};
  }

  function showProblems(list) {
    problems.replaceChildren();
    for (const p of list || []) {
      const li = document.createElement("li");
      li.textContent = p.text;
      li.dataset.line = p.line || "";
      li.title = "click to go to line " + (p.line || "?");
      li.addEventListener("click", () => goToLine(p.line));
      problems.appendChild(li);
    }
  }

  function goToLine(line) {
    if (!line) return;
    const lines = text.value.split("\n");
    const start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
    text.focus();
    text.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }

  function showExtras(data) {
    const cov = document.getElementById("coverage");
    if (cov && data.coverage) {
      const body = cov.querySelector("tbody");
      body.replaceChildren();
      for (const [move, n] of Object.entries(data.coverage.counts)) {
        const tr = document.createElement("tr");
        tr.innerHTML = "<td></td><td></td>";
        tr.children[0].textContent = move;
        tr.children[1].textContent = n + " line(s)";
        body.appendChild(tr);
      }
      const gaps = document.getElementById("gaps");
      gaps.replaceChildren(...data.coverage.gaps.map((g) => {
        const li = document.createElement("li"); li.textContent = g; return li;
      }));
    }
    if (data.dynamics && window.Plotly && document.getElementById("dynamics")) {
      Plotly.react("dynamics", data.dynamics.data, data.dynamics.layout, {displayModeBar: false});
    }
    if (data.preview !== undefined) {
      const pre = document.getElementById("preview");
      if (pre) pre.textContent = data.preview;
    }
    const form = document.getElementById("form");
    if (form && data.form) {
      for (const input of form.querySelectorAll("[data-field]")) {
        if (document.activeElement !== input && data.form[input.dataset.field] !== undefined) {
          input.value = data.form[input.dataset.field];
        }
      }
    }
  }

  // `done` (e.g. "Saved as version 3") stays shown when the text checks out, so the
  // check that follows a save does not wipe the word that it was saved.
  async function validate(done) {
    const mine = ++seq;
    const {status: code, data} = await call("/validate", {text: text.value});
    if (mine !== seq) return;  // a newer keystroke's answer will come
    if (code !== 200) { say("Could not check: " + (data.detail || code), false); return; }
    showProblems(data.problems);
    showExtras(data);
    if (data.ok) say(done || (data.sha256 === loaded ? "Valid · saved" : "Valid · not saved yet"), true);
    else say(data.problems.length + " problem(s) — not saved", false);
  }

  function soon() { clearTimeout(timer); timer = setTimeout(() => validate(), 400); }
  text.addEventListener("input", soon);

  const form = document.getElementById("form");
  if (form) {
    form.addEventListener("change", async (event) => {
      const input = event.target.closest("[data-field]");
      if (!input) return;
      const {status: code, data} = await call("/form", {text: text.value, field: input.dataset.field, value: input.value});
      if (code === 200) { text.value = data.text; validate(); }
      else say(data.detail || "Could not apply the form", false);
    });
  }

  function history(versions) {
    const body = document.querySelector("#history tbody");
    body.replaceChildren();
    for (const v of versions) {
      const tr = document.createElement("tr");
      tr.dataset.version = v.number;
      tr.innerHTML = "<td></td><td></td><td></td><td><button class='diff'>Diff</button> <button class='restore'>Restore</button></td>";
      tr.children[0].textContent = "v" + v.number + (v.restored_from ? " (restores v" + v.restored_from + ")" : "");
      tr.children[1].textContent = v.saved_by;
      tr.children[2].textContent = v.saved_at.replace("T", " ");
      tr.querySelector(".diff").addEventListener("click", () => showDiff(v.number));
      tr.querySelector(".restore").addEventListener("click", () => restore(v.number));
      body.appendChild(tr);
    }
  }

  async function showDiff(number) {
    const {status: code, data} = await call("/versions/" + number, null, "GET");
    const pre = document.getElementById("diff");
    pre.hidden = false;
    pre.replaceChildren();
    if (code !== 200) { pre.textContent = data.detail || "No such version"; return; }
    if (!data.diff) { pre.textContent = "Version " + number + " is the same as the saved file."; return; }
    for (const line of data.diff.split("\n")) {
      const span = document.createElement("span");
      if (line.startsWith("+") && !line.startsWith("+++")) span.className = "add";
      if (line.startsWith("-") && !line.startsWith("---")) span.className = "del";
      span.textContent = line + "\n";
      pre.appendChild(span);
    }
  }

  function saved(data, message) {
    loaded = data.sha256;
    text.value = data.text;
    history(data.versions);
    say(message, true);
    validate(message);
  }

  async function refused(code, data) {
    if (code === 422) { showProblems(data.problems); say("Not saved: fix the problems first", false); }
    else if (code === 409) say("Not saved: " + data.detail, false);
    else say("Not saved: " + (data.detail || code), false);
  }

  document.getElementById("save").addEventListener("click", async () => {
    const {status: code, data} = await call("/save", {text: text.value, loaded_sha256: loaded});
    if (code === 200) saved(data, "Saved as version " + data.version);
    else refused(code, data);
  });

  async function restore(number) {
    const {status: code, data} = await call("/restore", {number: number, loaded_sha256: loaded});
    if (code === 200) saved(data, "Restored version " + number + " as version " + data.version);
    else refused(code, data);
  }

  const tryButton = document.getElementById("try");
  if (tryButton) {
    tryButton.addEventListener("click", async () => {
      const {status: code, data} = await call("/try", {text: text.value});
      if (code === 200) { say("Draft opened in a new tab (for " + data.minutes + " minutes)", true); window.open(data.url, "_blank"); }
      else refused(code, data);
    });
  }

  const simulateButton = document.getElementById("simulate");
  if (simulateButton) {
    simulateButton.addEventListener("click", async () => {
      simulateButton.disabled = true;
      say("Simulating…", true);
      const {status: code, data} = await call("/simulate", {text: text.value});
      simulateButton.disabled = false;
      if (code !== 200) { refused(code, data); return; }
      const div = document.getElementById("simulation");
      div.hidden = false;
      Plotly.react(div, data.figure.data, data.figure.layout, {displayModeBar: false});
      say("Simulated", true);
    });
  }

  history(JSON.parse(document.getElementById("versions-data").textContent));
  validate();
})();
