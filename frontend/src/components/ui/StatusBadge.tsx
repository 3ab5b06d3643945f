export type Tone = "ok" | "warn" | "danger" | "info" | "neutral";

const TONES: Record<Tone, string> = {
  ok: "bg-ok-soft text-ok",
  warn: "bg-warn-soft text-warn",
  danger: "bg-danger-soft text-danger",
  info: "bg-info-soft text-info",
  neutral: "bg-surface-muted text-muted",
};

const DOTS: Record<Tone, string> = {
  ok: "bg-ok",
  warn: "bg-warn",
  danger: "bg-danger",
  info: "bg-info",
  neutral: "bg-muted",
};

type StatusBadgeProps = { tone: Tone; children: React.ReactNode; pulse?: boolean };

/** A coloured pill; the text always says the state, colour only repeats it. */
export function StatusBadge({ tone, children, pulse = false }: StatusBadgeProps) {
  return (
    <span
      className={`inline-flex shrink-0 items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${TONES[tone]}`}
    >
      <span aria-hidden="true" className={`size-1.5 rounded-full ${DOTS[tone]} ${pulse ? "animate-pulse" : ""}`} />
      {children}
    </span>
  );
}

export const TASK_STATUS_TONES = {
  queued: "neutral",
  running: "info",
  succeeded: "ok",
  failed: "danger",
} as const satisfies Record<string, Tone>;

export function taskTone(status: string): Tone {
  return status in TASK_STATUS_TONES ? TASK_STATUS_TONES[status as keyof typeof TASK_STATUS_TONES] : "neutral";
}
