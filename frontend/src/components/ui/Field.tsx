"use client";

import { useEffect, useRef, type ReactNode } from "react";

/** The look of text inputs, selects and text areas. */
export const CONTROL =
  "min-h-9 w-full rounded-md border border-border bg-surface px-2.5 py-1.5 text-sm text-fg shadow-sm placeholder:text-muted disabled:opacity-60 aria-invalid:border-danger";

type FieldProps = {
  label: ReactNode;
  htmlFor: string;
  hint?: ReactNode;
  /** Shown under the control; give the control `aria-invalid` and `aria-describedby={`${htmlFor}-error`}`. */
  error?: string | null;
  className?: string;
  children: ReactNode;
};

/** A labelled form control with an optional hint and error message. */
export function Field({ label, htmlFor, hint, error, className = "", children }: FieldProps) {
  return (
    <div className={`flex min-w-0 flex-col gap-1 ${className}`}>
      <label htmlFor={htmlFor} className="text-sm font-medium text-fg">
        {label}
      </label>
      {children}
      {hint && !error && (
        <p id={`${htmlFor}-hint`} className="text-xs text-muted">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${htmlFor}-error`} className="text-xs text-danger">
          {error}
        </p>
      )}
    </div>
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
