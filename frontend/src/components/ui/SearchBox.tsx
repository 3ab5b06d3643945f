"use client";

import { useEffect, useRef, useState } from "react";

import { CONTROL } from "./Field";

const PAUSE_MS = 300;

type SearchBoxProps = {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
};

/** A search field that reports its text once typing pauses; follows `value` when it changes elsewhere. */
export function SearchBox({ id, label, value, onChange, placeholder }: SearchBoxProps) {
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
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-fg">
        {label}
      </label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder}
        onChange={(event) => type(event.target.value)}
        className={CONTROL}
      />
    </div>
  );
}
