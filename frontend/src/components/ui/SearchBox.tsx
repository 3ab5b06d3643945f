"use client";

import { useEffect, useRef, useState } from "react";

import { Field } from "./Field";
import { TextInput } from "./Input";

const PAUSE_MS = 300;

type SearchBoxProps = {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  /** The API's longest search text (`QUERY_LIMITS`). */
  maxLength?: number;
};

/** A search field that reports its text once typing pauses; follows `value` when it changes elsewhere. */
export function SearchBox({ id, label, value, onChange, placeholder, maxLength }: SearchBoxProps) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  const [sent, setSent] = useState(value);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  if (value !== seen) {
    setSeen(value);
    // Changed elsewhere (a "clear filters" button, the back button), not by what was typed here.
    if (value !== sent) setText(value);
  }

  const type = (next: string) => {
    setText(next);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      setSent(next.trim());
      onChange(next.trim());
    }, PAUSE_MS);
  };

  return (
    <Field label={label} htmlFor={id}>
      <TextInput type="search" value={text} placeholder={placeholder} maxLength={maxLength} onChange={(event) => type(event.target.value)} />
    </Field>
  );
}
