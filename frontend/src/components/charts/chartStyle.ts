/** Recharts styling from the colour tokens, so charts follow light and dark mode. */
export const AXIS_TICK = { fill: "var(--muted)", fontSize: 12 };

export const TOOLTIP_STYLE = {
  contentStyle: {
    background: "var(--surface)",
    border: "1px solid var(--border)",
    borderRadius: 8,
    color: "var(--fg)",
    fontSize: 12,
  },
  labelStyle: { color: "var(--fg)", fontWeight: 600 },
  cursor: { fill: "var(--surface-muted)" },
} as const;
