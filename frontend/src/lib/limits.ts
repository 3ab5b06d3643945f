/**
 * The API's limits on what forms send, read from the generated `@/lib/api/limits` (never copied by hand),
 * and the checks and wording forms build on them. `scale` converts a form unit to the API's: 100 for a
 * percentage field that the API takes as a 0–1 fraction.
 */
import { PARAMETER_LIMITS, REQUEST_LIMITS } from "@/lib/api/limits";

/** Limits of request fields, by schema name and field: `LIMITS.SampleRequest.n.maximum`. */
export const LIMITS = REQUEST_LIMITS;
/** Limits of query and path parameters, by operation id and parameter name. */
export const QUERY_LIMITS = PARAMETER_LIMITS;

export type NumberLimit = {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
};

export type TextLimit = { readonly minLength?: number; readonly maxLength?: number; readonly pattern?: string };

type Scaled = { scale?: number; integer?: boolean };

/** The lowest and highest value in form units, exclusive bounds included: for `min`/`max` attributes. */
export function bounds(limit: NumberLimit, scale = 1): { min: number | undefined; max: number | undefined } {
  const low = limit.minimum ?? limit.exclusiveMinimum;
  const high = limit.maximum ?? limit.exclusiveMaximum;
  return { min: low === undefined ? undefined : low * scale, max: high === undefined ? undefined : high * scale };
}

/** Whether `value` (in form units) meets the limit. */
export function meets(value: number, limit: NumberLimit, scale = 1): boolean {
  const v = value / scale;
  if (!Number.isFinite(v)) return false;
  if (limit.minimum !== undefined && v < limit.minimum) return false;
  if (limit.exclusiveMinimum !== undefined && v <= limit.exclusiveMinimum) return false;
  if (limit.maximum !== undefined && v > limit.maximum) return false;
  return limit.exclusiveMaximum === undefined || v < limit.exclusiveMaximum;
}

/** Whether typed text is a number (a whole one when `integer`) that meets the limit; empty text is not. */
export function accepts(raw: string, limit: NumberLimit, { scale = 1, integer = false }: Scaled = {}): boolean {
  const value = Number(raw);
  if (raw.trim() === "" || (integer && !Number.isInteger(value))) return false;
  return meets(value, limit, scale);
}

const show = (value: number, scale: number) => (value * scale).toLocaleString("en-US", { maximumFractionDigits: 8 });

/** The range in words, for messages: "from 1 to 1,024", "above 0, up to 100", "from 0 to below 1". */
export function rangeText(limit: NumberLimit, scale = 1): string {
  const { minimum: min, exclusiveMinimum: above, maximum: max, exclusiveMaximum: below } = limit;
  const low = min !== undefined ? `from ${show(min, scale)}` : above !== undefined ? `above ${show(above, scale)}` : null;
  const high = max !== undefined ? show(max, scale) : below !== undefined ? `below ${show(below, scale)}` : null;
  if (low === null) return high === null ? "any number" : max !== undefined ? `up to ${high}` : high;
  if (high === null) return min !== undefined ? `at least ${show(min, scale)}` : low;
  if (min !== undefined) return `${low} to ${high}`;
  return max !== undefined ? `${low}, up to ${high}` : `${low} and ${high}`;
}
