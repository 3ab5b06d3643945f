import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { ApiError, api, unwrap, type Schemas } from "@/lib/api/client";

import { isTerminal, jobKeys, type GenerationRequest } from "./jobs";

/** A wizard's preview: 3 rows written as the full run would, with their cost from the ledger. */
export type Preview = Schemas["PreviewRead"];
/** How often a running preview is asked for its rows. */
export const PREVIEW_POLL_MS = 1_500;

/** Writes 3 rows as `request` would (same models, settings, ledger and budget) into no dataset. */
export function useStartPreview() {
  return useMutation({
    mutationFn: (body: GenerationRequest) => unwrap(api.POST("/api/v1/jobs/generate/preview", { body })),
  });
}

/** A preview's rows and cost, asked for until its job has ended. */
export function usePreview(id: string | null) {
  return useQuery({
    queryKey: jobKeys.preview(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}/preview", { params: { path: { job_id: id ?? "" } } })),
    enabled: id !== null,
    refetchInterval: (query) => {
      const preview = query.state.data;
      return preview && isTerminal(preview.job.status) ? false : PREVIEW_POLL_MS;
    },
  });
}

/**
 * Deletes an ended preview's rows (its spend stays in the ledger); a preview still running is stopped
 * instead (the API answers 409 to the delete), to be deleted once it has ended.
 */
export function useDiscardPreview() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string): Promise<"deleted" | "stopped"> => {
      const path = { params: { path: { job_id: id } } };
      try {
        await unwrap(api.DELETE("/api/v1/jobs/{job_id}/preview", path));
        return "deleted";
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 409) throw error;
        await unwrap(api.POST("/api/v1/jobs/{job_id}/cancel", path));
        return "stopped";
      }
    },
    onSuccess: (outcome, id) => {
      if (outcome === "deleted") queryClient.removeQueries({ queryKey: jobKeys.preview(id) });
      else void queryClient.invalidateQueries({ queryKey: jobKeys.preview(id) });
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}
