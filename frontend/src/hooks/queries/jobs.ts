import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { API_BASE_URL, api, unwrap, type Schemas } from "@/lib/api/client";

export type Job = Schemas["JobRead"];
export type JobStatus = Schemas["JobStatus"];
export type JobPage = Schemas["Page_JobRead_"];
export type JobItem = Schemas["ItemRead"];

export type GenerationRequest = Schemas["GenerationRequest"];
export type QualityRequest = Schemas["QualityRequest"];
export type Estimate = Schemas["EstimateRead"];
/** What the estimate compares a human annotator's cost with, per row (the API's default). */
export const HUMAN_COST_PER_ROW_USD = "0.50";
export type Budget = Schemas["BudgetRead"];
export type JobAction = "pause" | "resume" | "cancel" | "retry";

export const JOB_STATUSES: readonly JobStatus[] = ["pending", "running", "paused", "completed", "failed", "cancelled"];
export const JOBS_POLL_MS = 5_000;
/** How often a job is asked for when its live stream is unavailable. */
export const JOB_FALLBACK_POLL_MS = 2_000;

export type JobFilters = { page: number; pageSize: number; status: JobStatus | null };

export const jobKeys = {
  all: ["jobs"] as const,
  lists: () => [...jobKeys.all, "list"] as const,
  list: (filters: JobFilters) => [...jobKeys.lists(), filters] as const,
  detail: (id: string) => [...jobKeys.all, "detail", id] as const,
  preview: (id: string) => [...jobKeys.all, "preview", id] as const,
  items: (id: string, page: number, version: number) => [...jobKeys.all, "items", id, page, version] as const,
  estimate: (request: GenerationRequest | null) => [...jobKeys.all, "estimate", request] as const,
  budget: () => [...jobKeys.all, "budget"] as const,
};

/** A job that stopped for good: no more progress will come. */
export function isTerminal(status: JobStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/** Which control actions the API accepts for a job in `status` (see the backend's jobs service). */
export function allowedActions(status: JobStatus, hasFailures: boolean): Record<JobAction, boolean> {
  return {
    pause: status === "running",
    resume: status === "paused" || status === "cancelled",
    cancel: status === "pending" || status === "running" || status === "paused",
    retry: hasFailures && status !== "pending" && status !== "running",
  };
}

/** One page of jobs, newest first, refreshed while on screen. */
export function useJobs(filters: JobFilters) {
  return useQuery({
    queryKey: jobKeys.list(filters),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/jobs", {
          params: { query: { page: filters.page, page_size: filters.pageSize, status: filters.status ?? undefined } },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: JOBS_POLL_MS,
  });
}

/**
 * One job. `poll` is for when its live stream (useJobStream) is down: then it is asked for every
 * two seconds until it stops.
 */
export function useJob(id: string | null, poll: boolean) {
  return useQuery({
    queryKey: jobKeys.detail(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: id ?? "" } } })),
    enabled: id !== null,
    refetchInterval: (query) => {
      const job = query.state.data;
      return poll && !(job && isTerminal(job.status)) ? JOB_FALLBACK_POLL_MS : false;
    },
  });
}

/** How a job's page learns of its progress: the live stream, polling when the stream failed, or neither. */
export type LiveMode = "connecting" | "live" | "polling" | "ended";

/**
 * One job, kept current by its Server-Sent Events stream (`progress` snapshots, then `end`). When the
 * stream fails (a proxy that buffers, a dropped connection) it is closed and the job is polled instead.
 */
export function useLiveJob(id: string | null) {
  const queryClient = useQueryClient();
  // What the stream of job `id` last said; a stream of another job says nothing about this one.
  const [stream, setStream] = useState<{ id: string; failed: boolean } | null>(null);
  const failed = stream !== null && stream.id === id && stream.failed;
  const job = useJob(id, failed);
  // A stopped job has no stream; resuming or retrying it opens a new one.
  const stopped = job.data !== undefined && isTerminal(job.data.status);
  const mode: LiveMode = stopped ? "ended" : failed ? "polling" : stream?.id === id ? "live" : "connecting";
  useEffect(() => {
    if (id === null || stopped) return;
    const source = new EventSource(`${API_BASE_URL}/api/v1/jobs/${encodeURIComponent(id)}/events`, {
      withCredentials: true,
    });
    source.addEventListener("progress", (event: MessageEvent<string>) => {
      queryClient.setQueryData(jobKeys.detail(id), JSON.parse(event.data) as Job);
      setStream({ id, failed: false });
    });
    source.addEventListener("end", () => {
      source.close();
      void queryClient.invalidateQueries({ queryKey: jobKeys.detail(id) });
      void queryClient.invalidateQueries({ queryKey: [...jobKeys.all, "items", id] });
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    });
    source.onerror = () => {
      // EventSource would reconnect forever on its own; polling is the more predictable fallback.
      source.close();
      setStream({ id, failed: true });
    };
    return () => source.close();
  }, [id, stopped, queryClient]);
  return { job, mode };
}

/**
 * The job's rejected and failed items with their reasons, one page at a time. `version` (how many items
 * have been rejected or failed so far) changes the key, so the list follows the live progress.
 */
export function useJobItems(id: string, page: number, pageSize: number, version: number) {
  return useQuery({
    queryKey: jobKeys.items(id, page, version),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/jobs/{job_id}/items", {
          params: { path: { job_id: id }, query: { page, page_size: pageSize } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** Pause, resume, cancel or retry a job; the answer is the job as it is now. */
export function useJobAction(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: JobAction) => {
      const params = { params: { path: { job_id: id } } };
      if (action === "pause") return unwrap(api.POST("/api/v1/jobs/{job_id}/pause", params));
      if (action === "resume") return unwrap(api.POST("/api/v1/jobs/{job_id}/resume", params));
      if (action === "cancel") return unwrap(api.POST("/api/v1/jobs/{job_id}/cancel", params));
      return unwrap(api.POST("/api/v1/jobs/{job_id}/retry", params));
    },
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
      void queryClient.invalidateQueries({ queryKey: [...jobKeys.all, "items", id] });
    },
  });
}

/** Sets (or clears, with null) a job's budget; a job the budget paused can then be resumed. */
export function useSetJobBudget(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (budget: string | null) =>
      unwrap(api.PATCH("/api/v1/jobs/{job_id}", { params: { path: { job_id: id } }, body: { budget_usd: budget } })),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}

/** What `request` would cost; null asks for nothing (the form is not complete). */
export function useEstimate(request: GenerationRequest | null) {
  return useQuery({
    queryKey: jobKeys.estimate(request),
    queryFn: () =>
      unwrap(
        api.POST("/api/v1/jobs/estimate", {
          body: { ...(request as GenerationRequest), human_cost_per_row_usd: HUMAN_COST_PER_ROW_USD },
        }),
      ),
    enabled: request !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

/** Creates the dataset and starts the job that generates it. */
export function useStartGeneration() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: GenerationRequest) => unwrap(api.POST("/api/v1/jobs/generate", { body })),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(job.id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}

/** Starts a quality job: the judge reviews the dataset's rows (or the chosen ones) into a new version. */
export function useStartQuality() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: QualityRequest) => unwrap(api.POST("/api/v1/jobs/quality", { body })),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(job.id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}

/** The generation job that made a dataset (the newest one), or null for an uploaded dataset. */
export function useDatasetGenerationJob(datasetId: string) {
  return useQuery({
    queryKey: [...jobKeys.all, "of-dataset", datasetId] as const,
    queryFn: async () => {
      const page = await unwrap(
        api.GET("/api/v1/jobs", { params: { query: { dataset_id: datasetId, page_size: 50 } } }),
      );
      return page.items.find((job) => job.kind === "generate") ?? null;
    },
  });
}

/** The scenario distribution a generation job aimed for against what its dataset holds now. */
export function useScenarioReport(jobId: string | null) {
  return useQuery({
    queryKey: [...jobKeys.all, "scenarios", jobId ?? ""] as const,
    queryFn: () =>
      unwrap(api.GET("/api/v1/jobs/{job_id}/scenarios", { params: { path: { job_id: jobId ?? "" } } })),
    enabled: jobId !== null,
  });
}

/** The global budget over every job. */
export function useBudget() {
  return useQuery({ queryKey: jobKeys.budget(), queryFn: () => unwrap(api.GET("/api/v1/budget")) });
}

/** Sets (or clears, with null) the global spending limit and its period; admins only. */
export function useSetBudget() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["BudgetUpdate"]) => unwrap(api.PUT("/api/v1/budget", { body })),
    onSuccess: (budget) => queryClient.setQueryData(jobKeys.budget(), budget),
  });
}
