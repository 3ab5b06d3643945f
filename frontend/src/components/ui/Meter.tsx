import type { Tone } from "./StatusBadge";

const FILL: Record<Tone, string> = {
  ok: "bg-ok",
  warn: "bg-warn",
  danger: "bg-danger",
  info: "bg-info",
  neutral: "bg-accent",
};

/** Neutral below 75 %, amber to 90 %, red above: the eye goes where attention is needed. */
export function loadTone(percent: number): Tone {
  if (percent >= 90) return "danger";
  if (percent >= 75) return "warn";
  return "neutral";
}

type MeterProps = { label: string; percent: number; valueText: string; caption?: string };

/** A labelled horizontal gauge (role="meter") for a 0–100 % load. */
export function Meter({ label, percent, valueText, caption }: MeterProps) {
  const clamped = Math.min(100, Math.max(0, percent));
  return (
    <div>
      <div className="mb-1.5 flex items-baseline justify-between gap-2 text-sm">
        <span className="font-medium text-fg">{label}</span>
        <span className="tabular-nums text-fg">{valueText}</span>
      </div>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(clamped)}
        aria-valuetext={caption ? `${valueText}, ${caption}` : valueText}
        className="h-2 overflow-hidden rounded-full bg-surface-muted"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-500 ${FILL[loadTone(clamped)]}`}
          style={{ width: `${clamped}%` }}
        />
      </div>
      {caption && <p className="mt-1 text-xs text-muted">{caption}</p>}
    </div>
  );
}
