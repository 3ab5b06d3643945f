/** Seeds: whole numbers from 0 to 2^31 − 1, the range every seed field of the API takes. */
export const SEED_MAX = 2 ** 31 - 1;

/** Why a typed seed cannot be sent, or null when it can. */
export function seedError(raw: string): string | null {
  const text = raw.trim();
  return /^\d+$/.test(text) && Number(text) <= SEED_MAX
    ? null
    : `The seed is a whole number from 0 to ${SEED_MAX.toLocaleString("en-US")}.`;
}
