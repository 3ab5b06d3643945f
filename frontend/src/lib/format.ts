/** Formatting of numbers, sizes and moments for display. */

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatPercent(value: number): string {
  return `${value.toFixed(value < 10 ? 1 : 0)}%`;
}

export function formatMs(ms: number): string {
  return ms < 1 ? "<1 ms" : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** API timestamps are UTC; a string without an offset is read as UTC too, never as local time. */
export function parseDate(value: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

export function formatDateTime(value: string): string {
  return parseDate(value).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "long" });

/** "5 seconds ago", "in 2 minutes", "yesterday" relative to `now`. */
export function formatRelative(value: string, now: number): string {
  const seconds = Math.round((parseDate(value).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 5) return "just now";
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86400), "day");
}

/** Elapsed time between two moments, "<0.1 s", "0.4 s", "12 s", "3 min 5 s", "2 h 4 min". */
export function formatDuration(fromIso: string, toIso: string): string {
  const ms = Math.max(0, parseDate(toIso).getTime() - parseDate(fromIso).getTime());
  if (ms < 100) return "<0.1 s";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
