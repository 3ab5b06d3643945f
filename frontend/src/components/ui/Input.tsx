"use client";

import type { InputHTMLAttributes, TextareaHTMLAttributes } from "react";

import type { TextLimit } from "@/lib/limits";
import { cn } from "@/lib/cn";

import { CONTROL, useFieldControl } from "./Field";

type TextInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type"> & {
  type?: "text" | "email" | "password" | "url" | "search" | "date";
  /** The API's limit on the field (`LIMITS.X.field`): its `maxLength` unless one is given. */
  limit?: TextLimit;
};

/** A one-line text control; inside a Field it takes the Field's id, hint and error wiring. */
export function TextInput({ type = "text", limit, maxLength, className, ...props }: TextInputProps) {
  const wired = useFieldControl(props);
  return <input type={type} maxLength={maxLength ?? limit?.maxLength} className={cn(CONTROL, className)} {...wired} />;
}

type TextareaProps = TextareaHTMLAttributes<HTMLTextAreaElement> & { limit?: TextLimit };

/** A multi-line text control; inside a Field it takes the Field's id, hint and error wiring. */
export function Textarea({ limit, maxLength, className, ...props }: TextareaProps) {
  const wired = useFieldControl(props);
  return <textarea maxLength={maxLength ?? limit?.maxLength} className={cn(CONTROL, className)} {...wired} />;
}
