/** Money from the API arrives as decimal strings; formatted here for display only, never summed. */

/** "$1.23", "$0.0042", "$0" — small amounts keep enough digits to be told apart. */
export function formatUsd(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const amount = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(amount)) return String(value);
  if (amount === 0) return "$0";
  const digits = Math.abs(amount) >= 1 ? 2 : Math.abs(amount) >= 0.01 ? 3 : 5;
  return `$${amount.toFixed(digits)}`;
}

/** "1 h 2 min", "3 min 5 s", "12 s" for a number of seconds. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
