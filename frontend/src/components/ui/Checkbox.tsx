"use client";

import type { InputHTMLAttributes, ReactNode } from "react";

import { cn } from "@/lib/cn";

import { FieldHint } from "./Field";

type BoxProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type">;

/** A bare checkbox, for a table row or inside a label of your own; give it an `aria-label` otherwise. */
export function Checkbox({ className, ...props }: BoxProps) {
  return <input type="checkbox" className={cn("size-4 shrink-0 accent-accent", className)} {...props} />;
}

/** A bare radio button, for a choice card or inside a label of your own. */
export function Radio({ className, ...props }: BoxProps) {
  return <input type="radio" className={cn("shrink-0 accent-accent", className)} {...props} />;
}

type CheckboxFieldProps = Omit<BoxProps, "id" | "onChange" | "checked"> & {
  id: string;
  label: ReactNode;
  /** Under the label, and read with it by screen readers. */
  hint?: ReactNode;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  className?: string;
};

/** A checkbox with its label beside it and an optional hint under the label (its description). */
export function CheckboxField({ id, label, hint, checked, onCheckedChange, className, ...props }: CheckboxFieldProps) {
  const box = (
    <Checkbox
      id={id}
      checked={checked}
      onChange={(event) => onCheckedChange(event.target.checked)}
      aria-describedby={hint === undefined ? undefined : `${id}-hint`}
      className={hint === undefined ? undefined : "mt-0.5"}
      {...props}
    />
  );
  if (hint === undefined) {
    return (
      <label htmlFor={id} className={cn("flex items-center gap-2 text-sm text-fg", className)}>
        {box}
        {label}
      </label>
    );
  }
  return (
    <div className={cn("flex items-start gap-2 text-sm text-fg", className)}>
      {box}
      <div>
        <label htmlFor={id}>{label}</label>
        <FieldHint id={`${id}-hint`}>{hint}</FieldHint>
      </div>
    </div>
  );
}
