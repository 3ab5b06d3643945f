"use client";

import type { InputHTMLAttributes } from "react";

import { cn } from "@/lib/cn";
import { bounds, type NumberLimit } from "@/lib/limits";

import { CONTROL, useFieldControl } from "./Field";

export type NumberInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "inputMode"> & {
  /** Whole numbers only: a numeric keypad and steps of 1. */
  integer?: boolean;
  /** The API's limit on the field (`LIMITS.X.field`), giving `min` and `max` unless they are given. */
  limit?: NumberLimit;
  /** How many form units make one API unit: 100 for a percentage field of a 0–1 fraction. */
  scale?: number;
};

/**
 * A number control holding the text as typed (the form validates and converts it). Its `min`, `max`
 * and keypad come from the API's limit; inside a Field it takes the Field's id, hint and error wiring.
 */
export function NumberInput({ integer = false, limit, scale = 1, min, max, step, className, ...props }: NumberInputProps) {
  const wired = useFieldControl(props);
  const range = limit ? bounds(limit, scale) : { min: undefined, max: undefined };
  return (
    <input
      type="number"
      inputMode={integer ? "numeric" : "decimal"}
      min={min ?? range.min}
      max={max ?? range.max}
      step={step ?? (integer ? 1 : "any")}
      className={cn(CONTROL, className)}
      {...wired}
    />
  );
}
