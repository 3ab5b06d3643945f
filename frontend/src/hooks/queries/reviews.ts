import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

import { datasetKeys } from "./datasets";

export type ReviewNext = Schemas["ReviewNext"];
export type ReviewProgress = Schemas["ReviewProgress"];
export type DecisionUpdate = Schemas["DecisionUpdate"];
export type Calibration = Schemas["Calibration"];

export const reviewKeys = {
  all: (id: string) => [...datasetKeys.detail(id), "review"] as const,
  next: (id: string, after: number | null) => [...reviewKeys.all(id), "next", after] as const,
  progress: (id: string) => [...reviewKeys.all(id), "progress"] as const,
  calibration: (id: string, threshold: number) => [...reviewKeys.all(id), "calibration", threshold] as const,
};

/** The judge's scores against the reviewed rows at a minimum score; the last answer stays while the next loads. */
export function useCalibration(datasetId: string, threshold: number) {
  return useQuery({
    queryKey: reviewKeys.calibration(datasetId, threshold),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/calibration", {
          params: { path: { dataset_id: datasetId }, query: { threshold } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** The next row of the current version that I have not decided on, after position `after` (rows skipped). */
export function useReviewNext(datasetId: string, after: number | null) {
  return useQuery({
    queryKey: reviewKeys.next(datasetId, after),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/review/next", {
          params: { path: { dataset_id: datasetId }, query: after === null ? {} : { after } },
        }),
      ),
  });
}

/** Rows by their latest decision, each reviewer's counts, and how many a new version would change. */
export function useReviewProgress(datasetId: string) {
  return useQuery({
    queryKey: reviewKeys.progress(datasetId),
    queryFn: () =>
      unwrap(api.GET("/api/v1/datasets/{dataset_id}/review/progress", { params: { path: { dataset_id: datasetId } } })),
  });
}

/** Records my decision on a row; the dataset itself does not change until the decisions are applied. */
export function useDecide(datasetId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ exampleId, body }: { exampleId: string; body: DecisionUpdate }) =>
      unwrap(
        api.PUT("/api/v1/datasets/{dataset_id}/review/{example_id}", {
          params: { path: { dataset_id: datasetId, example_id: exampleId } },
          body,
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: reviewKeys.all(datasetId) }),
  });
}

/** Applies every row's latest decision as one new version; the dataset and everything under it is stale. */
export function useApplyReview(datasetId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (version: number) =>
      unwrap(
        api.POST("/api/v1/datasets/{dataset_id}/review/apply", {
          params: { path: { dataset_id: datasetId } },
          body: { version },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: datasetKeys.detail(datasetId) });
      void queryClient.invalidateQueries({ queryKey: datasetKeys.lists() });
    },
  });
}

export type Assignment = Schemas["AssignmentRead"];

/** Who reviews which rows of the dataset, and how many of them each has decided. */
export function useAssignments(datasetId: string) {
  return useQuery({
    queryKey: [...reviewKeys.all(datasetId), "assignments"] as const,
    queryFn: () =>
      unwrap(api.GET("/api/v1/datasets/{dataset_id}/review/assignments", { params: { path: { dataset_id: datasetId } } })),
  });
}

/** Assigns a reviewer the rows in a score range (replacing theirs), or ends an assignment (`remove`). */
export function useAssign(datasetId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (change: Schemas["AssignmentCreate"] | { remove: string }) => {
      const path = { dataset_id: datasetId };
      if ("remove" in change)
        await unwrap(
          api.DELETE("/api/v1/datasets/{dataset_id}/review/assignments/{reviewer_id}", {
            params: { path: { ...path, reviewer_id: change.remove } },
          }),
        );
      else await unwrap(api.PUT("/api/v1/datasets/{dataset_id}/review/assignments", { params: { path }, body: change }));
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: reviewKeys.all(datasetId) }),
  });
}
