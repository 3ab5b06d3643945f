"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";

import { CloseIcon } from "./icons";

type DialogProps = {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom: the primary action last. */
  footer?: ReactNode;
  /** A panel at the right edge (details beside a table) instead of a centred box. */
  side?: boolean;
};

const CENTRED = "m-auto w-[min(40rem,calc(100vw-2rem))] max-h-[calc(100dvh-2rem)] rounded-xl border";
const SIDE = "my-0 ml-auto mr-0 h-dvh max-h-dvh w-[min(34rem,100vw)] max-w-none border-l";

/**
 * A modal dialog (the native <dialog>: the page behind is inert, Escape closes it). Open while mounted:
 * the caller renders it to open it and unmounts it on `onClose`; focus goes back where it was.
 */
export function Dialog({ title, description, onClose, children, footer, side = false }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      // A click on the backdrop lands on the <dialog> itself; clicks inside land on its content.
      onClick={(event) => event.target === event.currentTarget && onClose()}
      className={`bg-surface p-0 text-fg shadow-xl backdrop:bg-black/50 ${side ? SIDE : CENTRED} border-border`}
    >
      <div className={`flex flex-col ${side ? "h-full" : "max-h-[calc(100dvh-2rem)]"}`}>
        <header className="flex items-start justify-between gap-3 border-b border-border px-5 py-4">
          <div className="min-w-0">
            <h2 id={titleId} className="text-base font-semibold text-fg">
              {title}
            </h2>
            {description && (
              <div id={descriptionId} className="mt-1 text-sm text-muted">
                {description}
              </div>
            )}
          </div>
          <button
            type="button"
            onClick={onClose}
            aria-label="Close"
            className="-mr-1.5 rounded-md p-1.5 text-muted hover:bg-surface-muted hover:text-fg"
          >
            <CloseIcon />
          </button>
        </header>
        {/* Focusable, so a keyboard can scroll a long body that has nothing else to focus. */}
        <div tabIndex={0} className="min-h-0 flex-1 overflow-y-auto px-5 py-4">
          {children}
        </div>
        {footer && (
          <footer className="flex flex-wrap justify-end gap-2 border-t border-border px-5 py-3">{footer}</footer>
        )}
      </div>
    </dialog>
  );
}
