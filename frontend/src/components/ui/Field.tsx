"use client";

import { cva, type VariantProps } from "class-variance-authority";
import { createContext, useContext, useEffect, useRef, type LabelHTMLAttributes, type ReactNode } from "react";

import { cn } from "@/lib/cn";

/** The look of text inputs, selects and text areas; controls merge a caller's `className` over it. */
export const CONTROL =
  "min-h-9 w-full rounded-md border border-border bg-surface px-2.5 py-1.5 text-sm text-fg shadow-sm placeholder:text-muted disabled:opacity-60 aria-invalid:border-danger";

/** What a control inside a Field takes from it: its id and the ids of the hint and error describing it. */
type FieldState = { id: string; describedBy: string | undefined; invalid: boolean };

const FieldContext = createContext<FieldState | null>(null);

type ControlAria = { id?: string; "aria-describedby"?: string; "aria-invalid"?: boolean | "true" | "false" | "grammar" | "spelling" };

/**
 * The id, `aria-describedby` (hint or error) and `aria-invalid` of the Field around a control; what the
 * control was given itself wins. Outside a Field it returns the control's own props.
 */
export function useFieldControl<P extends ControlAria>(props: P): P {
  const field = useContext(FieldContext);
  if (!field) return props;
  return {
    ...props,
    id: props.id ?? field.id,
    "aria-describedby": props["aria-describedby"] ?? field.describedBy,
    "aria-invalid": props["aria-invalid"] ?? (field.invalid || undefined),
  };
}

const fieldVariants = cva("flex min-w-0", {
  variants: {
    orientation: {
      vertical: "flex-col gap-1",
      horizontal: "flex-row items-center gap-2",
    },
  },
  defaultVariants: { orientation: "vertical" },
});

const LABEL = "text-sm font-medium text-fg";

/** A form label with the Field look, for a control laid out by hand; `className` overrides the look. */
export function Label({ className, ...props }: LabelHTMLAttributes<HTMLLabelElement>) {
  return <label className={cn(LABEL, className)} {...props} />;
}

type FieldProps = VariantProps<typeof fieldVariants> & {
  label: ReactNode;
  /** The control's id; the control inside takes it (and the hint and error ids) from the Field. */
  htmlFor: string;
  hint?: ReactNode;
  /** Shown under the control instead of the hint; marks the control `aria-invalid`. */
  error?: string | null;
  className?: string;
  labelClassName?: string;
  children: ReactNode;
};

/** A labelled form control with an optional hint and error message, wired for screen readers. */
export function Field({ label, htmlFor, hint, error, orientation, className, labelClassName, children }: FieldProps) {
  const showHint = Boolean(hint) && !error;
  const state: FieldState = {
    id: htmlFor,
    describedBy: error ? `${htmlFor}-error` : showHint ? `${htmlFor}-hint` : undefined,
    invalid: Boolean(error),
  };
  return (
    <div className={cn(fieldVariants({ orientation }), className)}>
      <Label htmlFor={htmlFor} className={labelClassName}>
        {label}
      </Label>
      <FieldContext.Provider value={state}>{children}</FieldContext.Provider>
      {showHint && <FieldHint id={`${htmlFor}-hint`}>{hint}</FieldHint>}
      {error && <FieldError id={`${htmlFor}-error`}>{error}</FieldError>}
    </div>
  );
}

/** Help under a control; give the control `aria-describedby` with this id (Field does it for you). */
export function FieldHint({ id, className, children }: { id: string; className?: string; children: ReactNode }) {
  return (
    <p id={id} className={cn("text-xs text-muted", className)}>
      {children}
    </p>
  );
}

/** What is wrong with a control's value, under it; the control names it in `aria-describedby`. */
export function FieldError({ id, className, children }: { id: string; className?: string; children: ReactNode }) {
  return (
    <p id={id} className={cn("text-xs text-danger", className)}>
      {children}
    </p>
  );
}

/** What went wrong with a submitted form, announced to screen readers and scrolled into view. */
export function FormError({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "nearest" });
  }, []);
  return (
    <div ref={ref} role="alert" className="rounded-md border border-danger/30 bg-danger-soft px-3 py-2 text-sm text-fg">
      {children}
    </div>
  );
}
