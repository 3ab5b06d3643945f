import { LIMITS, rangeText } from "@/lib/limits";

/** Seeds: whole numbers in the range every seed field of the API takes (0 to 2^31 − 1). */
export const SEED_LIMIT = LIMITS.SplitRequest.seed;

/** Why a typed seed cannot be sent, or null when it can. */
export function seedError(raw: string): string | null {
  const text = raw.trim();
  return /^\d+$/.test(text) && Number(text) <= SEED_LIMIT.maximum ? null : `The seed is a whole number ${rangeText(SEED_LIMIT)}.`;
}
