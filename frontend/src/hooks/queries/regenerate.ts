import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

import { jobKeys } from "./jobs";

export type RegenerateRequest = Schemas["RegenerateRequest"];

/** Starts a job that writes the chosen rows anew with the models of the job that generated the dataset. */
export function useStartRegenerate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: RegenerateRequest) => unwrap(api.POST("/api/v1/jobs/regenerate", { body })),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(job.id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}
