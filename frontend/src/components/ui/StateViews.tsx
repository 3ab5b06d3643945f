import type { ReactNode } from "react";

import { ApiError, errorMessage } from "@/lib/api/client";

import { Button } from "./Button";
import { RefreshIcon } from "./icons";

type ErrorStateProps = { title?: string; error: unknown; onRetry?: () => void; retrying?: boolean };

/**
 * A failed load: what went wrong, in words, and a way to try again. When the API did not answer at
 * all, the shell's banner gives the hint once (`ApiDownBanner`); each card only says it got no answer.
 */
export function ErrorState({ title = "Could not load this", error, onRetry, retrying = false }: ErrorStateProps) {
  return (
    <div role="alert" className="rounded-xl border border-danger/30 bg-danger-soft px-4 py-5 text-sm sm:px-5">
      <p className="font-semibold text-danger">{title}</p>
      <p className="mt-1 break-words text-fg">
        {error instanceof ApiError && error.isNetworkError ? "No answer from the API." : errorMessage(error)}
      </p>
      {onRetry && (
        <Button className="mt-3" onClick={onRetry} disabled={retrying}>
          <RefreshIcon className={retrying ? "animate-spin" : ""} />
          {retrying ? "Retrying…" : "Retry"}
        </Button>
      )}
    </div>
  );
}

type EmptyStateProps = { title: string; children?: ReactNode; action?: ReactNode };

/** Nothing to show yet, and what would make something appear. */
export function EmptyState({ title, children, action }: EmptyStateProps) {
  return (
    <div className="flex flex-col items-center justify-center rounded-lg border border-dashed border-border px-4 py-8 text-center">
      <p className="text-sm font-medium text-fg">{title}</p>
      {children && <div className="mt-1 max-w-sm text-sm text-muted">{children}</div>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}
