import type { ReactNode } from "react";

type CardProps = {
  title?: ReactNode;
  /** Right-aligned in the card's header: a badge, a count, an action. */
  aside?: ReactNode;
  className?: string;
  children: ReactNode;
  /** Labels the section for assistive technology when the title is not plain text. */
  labelledBy?: string;
};

export function Card({ title, aside, className = "", children, labelledBy }: CardProps) {
  return (
    <section
      aria-labelledby={labelledBy}
      className={`min-w-0 rounded-xl border border-border bg-surface p-4 shadow-sm sm:p-5 ${className}`}
    >
      {(title || aside) && (
        <header className="mb-3 flex items-center justify-between gap-3">
          {title && (
            <h2 id={labelledBy} className="text-sm font-semibold text-fg">
              {title}
            </h2>
          )}
          {aside}
        </header>
      )}
      {children}
    </section>
  );
}
