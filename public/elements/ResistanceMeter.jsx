// The manager's resistance after a reply: a 0–10 bar plus "Resistance 7 → 6 ▼".
// Props come from sparring/ui/render.py (meter_props); `props` is a global in Chainlit custom elements.
export default function ResistanceMeter() {
  const before = Number(props.before ?? 0);
  const after = Number(props.after ?? 0);
  const direction = props.direction || "same";
  const colour =
    direction === "down" ? "#1c7a67" : direction === "up" ? "#c2410c" : "#6b7280";
  const arrow = direction === "down" ? "▼" : direction === "up" ? "▲" : "■";
  const cells = Array.from({ length: 10 }, (_, i) => i < after);
  return (
    <div
      className="sparring-meter"
      data-testid="resistance-meter"
      style={{ display: "flex", alignItems: "center", gap: "0.6rem", fontSize: "0.85rem" }}
      title="How resistant the manager is now (0 open – 10 closed)"
    >
      <span style={{ color: "var(--muted-foreground, #6b7280)" }}>Resistance</span>
      <span style={{ display: "inline-flex", gap: "2px" }} aria-hidden="true">
        {cells.map((on, i) => (
          <span
            key={i}
            style={{
              width: "10px",
              height: "10px",
              borderRadius: "2px",
              background: on ? colour : "rgba(120,120,120,0.18)",
            }}
          />
        ))}
      </span>
      <span style={{ fontWeight: 600, color: colour }}>
        {before} → {after} {arrow}
      </span>
    </div>
  );
}
