import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

import { taskKeys } from "./tasks";

export type SystemStatus = Schemas["SystemStatus"];
export type Check = Schemas["Check"];
export type WorkerInfo = Schemas["WorkerInfo"];
export type Resources = Schemas["Resources"];

export const SYSTEM_POLL_MS = 5_000;

export const systemKeys = {
  all: ["system"] as const,
  status: () => [...systemKeys.all, "status"] as const,
};

/** Status plus the round trip the browser measured, which is what "the API is up" means to it. */
export type TimedStatus = SystemStatus & { roundTripMs: number };

export function useSystemStatus() {
  return useQuery({
    queryKey: systemKeys.status(),
    queryFn: async (): Promise<TimedStatus> => {
      const start = performance.now();
      const status = await unwrap(api.GET("/api/v1/system/status"));
      return { ...status, roundTripMs: performance.now() - start };
    },
    refetchInterval: SYSTEM_POLL_MS,
  });
}

/** Sends the worker probe; the returned task is then followed with useTask(). */
export function useRunDiagnostic() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/system/diagnostics")),
    onSuccess: (task) => {
      queryClient.setQueryData(taskKeys.detail(task.id), task);
      void queryClient.invalidateQueries({ queryKey: taskKeys.lists() });
      void queryClient.invalidateQueries({ queryKey: systemKeys.status() });
    },
  });
}
