import { QueryClient } from "@tanstack/react-query";

import { ApiError } from "@/lib/api/client";

/** Retries only what can heal by itself (network, 5xx); a 4xx answer will not change on retry. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 2_000, retry: shouldRetry },
      mutations: { retry: false },
    },
  });
}
