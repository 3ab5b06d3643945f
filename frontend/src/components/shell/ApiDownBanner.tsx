"use client";

import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { Button } from "@/components/ui/Button";
import { RefreshIcon } from "@/components/ui/icons";
import { ApiError } from "@/lib/api/client";

function apiUnreachable(client: QueryClient): boolean {
  return client
    .getQueryCache()
    .getAll()
    .some((query) => query.state.status === "error" && query.state.error instanceof ApiError && query.state.error.isNetworkError);
}

/**
 * One notice for the whole page when the API does not answer, instead of the same hint in every card.
 * It shows while any query's last try failed for want of an answer, and goes when they succeed again.
 */
export function ApiDownBanner() {
  const client = useQueryClient();
  const [down, setDown] = useState(() => apiUnreachable(client));
  const [retrying, setRetrying] = useState(false);
  useEffect(() => client.getQueryCache().subscribe(() => setDown(apiUnreachable(client))), [client]);
  if (!down) return null;
  const retry = async () => {
    setRetrying(true);
    try {
      await client.refetchQueries({ type: "active" });
    } finally {
      setRetrying(false);
    }
  };
  return (
    <div
      role="alert"
      data-testid="api-down"
      className="flex flex-wrap items-center gap-3 border-b border-danger/30 bg-danger-soft px-4 py-2 text-sm text-fg sm:px-6 lg:px-8"
    >
      <p className="min-w-0 flex-1">
        <span className="font-semibold text-danger">The API did not answer.</span> Is <code>distillery serve</code> running? What
        this page shows may be out of date.
      </p>
      <Button onClick={() => void retry()} disabled={retrying}>
        <RefreshIcon className={retrying ? "animate-spin" : ""} />
        {retrying ? "Retrying…" : "Retry now"}
      </Button>
    </div>
  );
}
