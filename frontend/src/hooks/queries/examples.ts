import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

import { datasetKeys } from "./datasets";

export type Example = Schemas["ExampleRead"];
export type ExampleDetail = Schemas["ExampleDetail"];
export type ExamplePage = Schemas["Page_ExampleRead_"];
export type ChatMessage = Schemas["ChatMessage"];
export type ExampleStatus = Example["status"];

export const EXAMPLE_STATUSES: readonly ExampleStatus[] = ["active", "removed"];

export type ExampleFilters = {
  page: number;
  pageSize: number;
  scoreMin: number | null;
  scoreMax: number | null;
  stage: string | null;
  status: ExampleStatus | null;
  cluster: string | null;
  q: string;
};

/** One page of the current version's examples, filtered on the server. */
export function useExamples(datasetId: string, filters: ExampleFilters) {
  return useQuery({
    queryKey: datasetKeys.exampleList(datasetId, filters),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/examples", {
          params: {
            path: { dataset_id: datasetId },
            query: {
              page: filters.page,
              page_size: filters.pageSize,
              score_min: filters.scoreMin ?? undefined,
              score_max: filters.scoreMax ?? undefined,
              stage: filters.stage ?? undefined,
              status: filters.status ?? undefined,
              cluster: filters.cluster ?? undefined,
              q: filters.q || undefined,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** One example with its scores and provenance; nothing is asked while `exampleId` is null. */
export function useExample(datasetId: string, exampleId: string | null) {
  return useQuery({
    queryKey: datasetKeys.example(datasetId, exampleId ?? ""),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/examples/{example_id}", {
          params: { path: { dataset_id: datasetId, example_id: exampleId ?? "" } },
        }),
      ),
    enabled: exampleId !== null,
  });
}

/** A change makes a new version: the dataset, its examples, its versions and the lists are all stale. */
function useInvalidateDataset(datasetId: string) {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: datasetKeys.detail(datasetId) });
    void queryClient.invalidateQueries({ queryKey: datasetKeys.lists() });
  };
}

export function useEditExample(datasetId: string) {
  const invalidate = useInvalidateDataset(datasetId);
  return useMutation({
    mutationFn: ({ exampleId, messages }: { exampleId: string; messages: ChatMessage[] }) =>
      unwrap(
        api.PATCH("/api/v1/datasets/{dataset_id}/examples/{example_id}", {
          params: { path: { dataset_id: datasetId, example_id: exampleId } },
          body: { messages },
        }),
      ),
    onSuccess: invalidate,
  });
}

export function useRemoveExamples(datasetId: string) {
  const invalidate = useInvalidateDataset(datasetId);
  return useMutation({
    mutationFn: (ids: string[]) =>
      unwrap(
        api.POST("/api/v1/datasets/{dataset_id}/examples/bulk", {
          params: { path: { dataset_id: datasetId } },
          body: { action: "remove", ids },
        }),
      ),
    onSuccess: invalidate,
  });
}
