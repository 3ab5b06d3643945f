import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type TaskRecord = Schemas["TaskRecordRead"];
export type TaskStatus = Schemas["TaskStatus"];
export type TaskPage = Schemas["Page_TaskRecordRead_"];

export const TASK_STATUSES: readonly TaskStatus[] = ["queued", "running", "succeeded", "failed"];
export const TASKS_POLL_MS = 5_000;
const TASK_FOLLOW_MS = 1_000;

export type TaskFilters = { page: number; pageSize: number; status: TaskStatus | null };

export const taskKeys = {
  all: ["tasks"] as const,
  lists: () => [...taskKeys.all, "list"] as const,
  list: (filters: TaskFilters) => [...taskKeys.lists(), filters] as const,
  details: () => [...taskKeys.all, "detail"] as const,
  detail: (id: string) => [...taskKeys.details(), id] as const,
};

export function isFinished(status: TaskStatus): boolean {
  return status === "succeeded" || status === "failed";
}

/** One page of tasks, newest first; refreshed while on screen, the previous page kept while paging. */
export function useTasks(filters: TaskFilters) {
  return useQuery({
    queryKey: taskKeys.list(filters),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/tasks", {
          params: {
            query: { page: filters.page, page_size: filters.pageSize, status: filters.status ?? undefined },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: TASKS_POLL_MS,
  });
}

/** One task, polled every second until it has succeeded or failed; task lists refresh when it ends. */
export function useTask(id: string | null) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: taskKeys.detail(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: id ?? "" } } })),
    enabled: id !== null,
    refetchInterval: (query) => {
      const task = query.state.data;
      return task && isFinished(task.status) ? false : TASK_FOLLOW_MS;
    },
  });
  const finished = query.data !== undefined && isFinished(query.data.status);
  useEffect(() => {
    // The lists show this task too; without this they would say "running" until their next poll.
    if (finished) void queryClient.invalidateQueries({ queryKey: taskKeys.lists() });
  }, [finished, id, queryClient]);
  return query;
}
