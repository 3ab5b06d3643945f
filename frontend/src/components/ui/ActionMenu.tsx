"use client";

import { useEffect, useId, useRef, useState, type CSSProperties } from "react";

import { MoreIcon } from "./icons";

export type Action = { label: string; onSelect: () => void; danger?: boolean; disabled?: boolean };

type ActionMenuProps = { label: string; actions: readonly Action[]; text?: string };

/** Fixed under the button, so a scrolling table around it cannot clip the list. */
function placeUnder(button: HTMLButtonElement | null): CSSProperties {
  const rect = button?.getBoundingClientRect();
  return rect ? { position: "fixed", top: rect.bottom + 4, right: window.innerWidth - rect.right } : {};
}

/**
 * A button that shows a short list of actions (disclosure pattern); Escape, a click outside or
 * scrolling closes it.
 */
export function ActionMenu({ label, actions, text }: ActionMenuProps) {
  const [open, setOpen] = useState(false);
  const [style, setStyle] = useState<CSSProperties>({});
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLButtonElement>("[data-action]:not(:disabled)")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const close = () => setOpen(false);
    window.addEventListener("keydown", onKey);
    window.addEventListener("pointerdown", onPointer);
    window.addEventListener("scroll", close, true);
    window.addEventListener("resize", close);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("pointerdown", onPointer);
      window.removeEventListener("scroll", close, true);
      window.removeEventListener("resize", close);
    };
  }, [open]);

  return (
    <div ref={root} className="relative inline-block">
      <button
        ref={button}
        type="button"
        aria-label={text ? undefined : label}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => {
          setStyle(placeUnder(button.current));
          setOpen((o) => !o);
        }}
        className="inline-flex items-center gap-2 rounded-md border border-border bg-surface px-2 py-1.5 text-sm font-medium text-fg shadow-sm hover:bg-surface-muted"
      >
        <MoreIcon />
        {text}
      </button>
      {open && (
        <ul
          id={id}
          aria-label={label}
          style={style}
          className="z-40 min-w-40 rounded-lg border border-border bg-surface p-1 shadow-lg"
        >
          {actions.map((action) => (
            <li key={action.label}>
              <button
                type="button"
                data-action
                disabled={action.disabled}
                onClick={() => {
                  setOpen(false);
                  // A dialog the action opens gives focus back to the menu's button when it closes.
                  button.current?.focus();
                  action.onSelect();
                }}
                className={`w-full rounded-md px-3 py-1.5 text-left text-sm hover:bg-surface-muted disabled:cursor-not-allowed disabled:opacity-50 ${
                  action.danger ? "text-danger" : "text-fg"
                }`}
              >
                {action.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
