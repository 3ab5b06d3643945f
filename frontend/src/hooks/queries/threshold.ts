import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

import { datasetKeys } from "./datasets";

export type ScoreThresholds = Schemas["ScoreThresholds"];
export type ThresholdPoint = Schemas["ThresholdPoint"];

/** How many scored rows of the current version each minimum score keeps, counted once from stored scores. */
export function useScoreThresholds(datasetId: string) {
  return useQuery({
    queryKey: datasetKeys.threshold(datasetId),
    queryFn: () =>
      unwrap(api.GET("/api/v1/datasets/{dataset_id}/threshold", { params: { path: { dataset_id: datasetId } } })),
  });
}

/** Removes the rows below a minimum score as a new version; the dataset and everything under it is stale. */
export function useApplyThreshold(datasetId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["ThresholdApply"]) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/threshold", { params: { path: { dataset_id: datasetId } }, body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: datasetKeys.detail(datasetId) });
      void queryClient.invalidateQueries({ queryKey: datasetKeys.lists() });
    },
  });
}
