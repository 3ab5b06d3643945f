import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type ProviderRun = Schemas["ProviderFinetuneRunRead"];
export type ProviderFinetuneRequest = Schemas["ProviderFinetuneRequest"];

export const PROVIDER_RUNS_POLL_MS = 5_000;
/** How often a run whose job has not ended is asked for. */
export const PROVIDER_RUN_POLL_MS = 3_000;

export const providerFinetuneKeys = {
  all: ["provider-finetune"] as const,
  lists: () => [...providerFinetuneKeys.all, "list"] as const,
  list: (page: number, pageSize: number) => [...providerFinetuneKeys.lists(), page, pageSize] as const,
  detail: (id: string) => [...providerFinetuneKeys.all, "detail", id] as const,
};

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

/** A run whose job at the provider has not ended: more events will come. */
export function isProviderRunActive(status: string): boolean {
  return !ENDED.has(status);
}

/** One page of provider runs, newest first, refreshed while on screen. */
export function useProviderRuns(page: number, pageSize: number) {
  return useQuery({
    queryKey: providerFinetuneKeys.list(page, pageSize),
    queryFn: () =>
      unwrap(api.GET("/api/v1/finetune/provider", { params: { query: { page, page_size: pageSize } } })),
    placeholderData: keepPreviousData,
    refetchInterval: PROVIDER_RUNS_POLL_MS,
  });
}

/** One run, polled while its job has not ended. */
export function useProviderRun(id: string | null) {
  return useQuery({
    queryKey: providerFinetuneKeys.detail(id ?? ""),
    queryFn: () =>
      unwrap(api.GET("/api/v1/finetune/provider/{run_id}", { params: { path: { run_id: id ?? "" } } })),
    enabled: id !== null,
    refetchInterval: (query) => {
      const run = query.state.data;
      return !run || isProviderRunActive(run.status) ? PROVIDER_RUN_POLL_MS : false;
    },
  });
}

/** Starts a provider fine-tune; the answer is the new run. */
export function useStartProviderRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ProviderFinetuneRequest) => unwrap(api.POST("/api/v1/finetune/provider", { body })),
    onSuccess: (run) => {
      queryClient.setQueryData(providerFinetuneKeys.detail(run.id), run);
      void queryClient.invalidateQueries({ queryKey: providerFinetuneKeys.lists() });
    },
  });
}

/** Cancels a run's job at the provider; the answer is the run as it is now. */
export function useCancelProviderRun(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/finetune/provider/{run_id}/cancel", { params: { path: { run_id: id } } })),
    onSuccess: (run) => {
      queryClient.setQueryData(providerFinetuneKeys.detail(id), run);
      void queryClient.invalidateQueries({ queryKey: providerFinetuneKeys.lists() });
    },
  });
}
