import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { API_BASE_URL, api, unwrap, type Schemas } from "@/lib/api/client";

export type Run = Schemas["FinetuneRunRead"];
export type RunStatus = Schemas["RunStatus"];
export type FinetuneRequest = Schemas["FinetuneRequest"];
export type RunAction = "cancel" | "resume";
export type BaseModel = Schemas["BaseModelRead"];
export type BaseModelList = Schemas["BaseModelList"];
export type RunFile = Schemas["RunFile"];
export type GgufType = NonNullable<FinetuneRequest["gguf"]>[number];

export const RUNS_POLL_MS = 5_000;
/** How often a run that is still moving is asked for. */
export const RUN_POLL_MS = 2_000;

export const finetuneKeys = {
  all: ["finetune"] as const,
  lists: () => [...finetuneKeys.all, "list"] as const,
  list: (page: number, pageSize: number) => [...finetuneKeys.lists(), page, pageSize] as const,
  detail: (id: string) => [...finetuneKeys.all, "detail", id] as const,
  files: (id: string) => [...finetuneKeys.all, "files", id] as const,
  baseModels: (estimate: BaseModelEstimate) => [...finetuneKeys.all, "base-models", estimate] as const,
};

/** What the base models' time estimate is for: a dataset (optional) and the run's shape. */
export type BaseModelEstimate = { datasetId: string | null; epochs: number; batchSize: number; maxSeqLength: number };

/** A run that is waiting, training or evaluating: more progress will come. */
export function isActive(status: RunStatus): boolean {
  return status === "queued" || status === "running" || status === "evaluating";
}

/** Which controls the API accepts for a run in `status` (see the backend's finetune service). */
export function allowedRunActions(run: Pick<Run, "status" | "stop_requested">): Record<RunAction, boolean> {
  return {
    cancel: isActive(run.status) && !run.stop_requested,
    resume: run.status === "cancelled" || run.status === "failed",
  };
}

/** One page of runs, newest first, refreshed while on screen. */
export function useRuns(page: number, pageSize: number) {
  return useQuery({
    queryKey: finetuneKeys.list(page, pageSize),
    queryFn: () => unwrap(api.GET("/api/v1/finetune", { params: { query: { page, page_size: pageSize } } })),
    placeholderData: keepPreviousData,
    refetchInterval: RUNS_POLL_MS,
  });
}

/** One run, polled every two seconds while it is queued, training or evaluating. */
export function useRun(id: string | null) {
  return useQuery({
    queryKey: finetuneKeys.detail(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/finetune/{run_id}", { params: { path: { run_id: id ?? "" } } })),
    enabled: id !== null,
    refetchInterval: (query) => {
      const run = query.state.data;
      return !run || isActive(run.status) ? RUN_POLL_MS : false;
    },
  });
}

/** Queues a fine-tune of a dataset; the answer is the new run. */
export function useStartRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: FinetuneRequest) => unwrap(api.POST("/api/v1/finetune", { body })),
    onSuccess: (run) => {
      queryClient.setQueryData(finetuneKeys.detail(run.id), run);
      void queryClient.invalidateQueries({ queryKey: finetuneKeys.lists() });
    },
  });
}

/** Cancels or resumes a run; the answer is the run as it is now. */
export function useRunAction(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: RunAction) => {
      const params = { params: { path: { run_id: id } } };
      if (action === "cancel") return unwrap(api.POST("/api/v1/finetune/{run_id}/cancel", params));
      return unwrap(api.POST("/api/v1/finetune/{run_id}/resume", params));
    },
    onSuccess: (run) => {
      queryClient.setQueryData(finetuneKeys.detail(id), run);
      void queryClient.invalidateQueries({ queryKey: finetuneKeys.lists() });
    },
  });
}

export type PlaygroundInput = { prompt: string; maxNewTokens: number; teacher: string | null };

/** Asks the run's models for answers; the answer is the task to follow (see useTask). */
export function usePlayground(id: string) {
  return useMutation({
    mutationFn: (input: PlaygroundInput) =>
      unwrap(
        api.POST("/api/v1/finetune/{run_id}/playground", {
          params: { path: { run_id: id } },
          body: { prompt: input.prompt, max_new_tokens: input.maxNewTokens, teacher: input.teacher },
        }),
      ),
  });
}

/** The base models on offer here (bundled, local Hugging Face cache, models folder) with estimates. */
export function useBaseModels(estimate: BaseModelEstimate) {
  const query = {
    dataset_id: estimate.datasetId,
    epochs: estimate.epochs,
    batch_size: estimate.batchSize,
    max_seq_length: estimate.maxSeqLength,
  };
  return useQuery({
    queryKey: finetuneKeys.baseModels(estimate),
    queryFn: () => unwrap(api.GET("/api/v1/finetune/base-models", { params: { query } })),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

/** A run's outputs to download; asked for once the run has finished. */
export function useRunFiles(id: string, enabled: boolean) {
  return useQuery({
    queryKey: finetuneKeys.files(id),
    queryFn: () => unwrap(api.GET("/api/v1/finetune/{run_id}/files", { params: { path: { run_id: id } } })),
    enabled,
  });
}

/** The download address of one of a run's files (a plain link: the browser streams it to disk). */
export function runFileHref(id: string, name: string): string {
  return `${API_BASE_URL}/api/v1/finetune/${encodeURIComponent(id)}/files/${encodeURIComponent(name)}`;
}

/** Completed runs as models (`tuned:<run id>`), newest first: students a generation job can use. */
export function useTunedModels(enabled = true) {
  return useQuery({
    queryKey: [...finetuneKeys.lists(), "tuned"] as const,
    queryFn: () => unwrap(api.GET("/api/v1/finetune", { params: { query: { page: 1, page_size: 100 } } })),
    select: (page) => page.items.filter((run) => run.status === "completed").map((run) => ({ id: `tuned:${run.id}`, name: run.name })),
    enabled,
  });
}
