import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type HubSettings = Schemas["HubSettingsRead"];
export type HubPushRequest = Schemas["HubPushRequest"];
export type HubFormat = HubPushRequest["format"];

export const hubKeys = {
  all: ["hub"] as const,
  settings: () => [...hubKeys.all, "settings"] as const,
};

/** Whether a Hugging Face token is stored (its last 4 characters only) and the Hub's address. */
export function useHub() {
  return useQuery({ queryKey: hubKeys.settings(), queryFn: () => unwrap(api.GET("/api/v1/hub")) });
}

/** Stores or replaces the Hub token (admins); the answer never holds it. */
export function useSaveHubToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (token: string) => unwrap(api.PUT("/api/v1/hub/token", { body: { token } })),
    onSuccess: (settings) => queryClient.setQueryData(hubKeys.settings(), settings),
  });
}

/** Forgets the stored Hub token (admins). */
export function useDeleteHubToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/hub/token")),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: hubKeys.settings() }),
  });
}

/** Queues a push of a dataset version to a Hub dataset repo; follow the task it answers with `useTask`. */
export function usePushDataset(datasetId: string) {
  return useMutation({
    mutationFn: (body: HubPushRequest) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/push", { params: { path: { dataset_id: datasetId } }, body })),
  });
}

export type HubModelPushRequest = Schemas["HubModelPushRequest"];
export type HubModelOutput = NonNullable<HubModelPushRequest["outputs"]>[number];

/** Queues a push of a completed fine-tune run to a Hub model repo; follow the task it answers with `useTask`. */
export function usePushRun(runId: string) {
  return useMutation({
    mutationFn: (body: HubModelPushRequest) =>
      unwrap(api.POST("/api/v1/finetune/{run_id}/push", { params: { path: { run_id: runId } }, body })),
  });
}
