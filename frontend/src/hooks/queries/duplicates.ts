import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Duplicates = Schemas["DuplicatesRead"];

export const duplicateKeys = { of: (datasetId: string) => ["duplicates", datasetId] as const };

/** The near-duplicate clusters the last search found in the dataset's current version. */
export function useDuplicates(datasetId: string) {
  return useQuery({
    queryKey: duplicateKeys.of(datasetId),
    queryFn: () =>
      unwrap(api.GET("/api/v1/datasets/{dataset_id}/duplicates", { params: { path: { dataset_id: datasetId } } })),
  });
}

/** Starts a search in a worker; the answer is its task record, to follow with useTask. */
export function useFindDuplicates(datasetId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (threshold: number) =>
      unwrap(
        api.POST("/api/v1/datasets/{dataset_id}/duplicates", {
          params: { path: { dataset_id: datasetId }, query: { threshold } },
        }),
      ),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: duplicateKeys.of(datasetId) }),
  });
}
