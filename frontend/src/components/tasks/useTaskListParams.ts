"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback } from "react";

import { TASK_STATUSES, type TaskFilters, type TaskStatus } from "@/hooks/queries/tasks";

export const TASK_PAGE_SIZE = 20;

function parseStatus(raw: string | null): TaskStatus | null {
  return TASK_STATUSES.find((s) => s === raw) ?? null;
}

function parsePage(raw: string | null): number {
  const page = Number(raw);
  return Number.isInteger(page) && page > 0 ? page : 1;
}

/** The task list's page and status filter, kept in the URL so a view can be shared and reloaded. */
export function useTaskListParams() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filters: TaskFilters = {
    page: parsePage(params.get("page")),
    pageSize: TASK_PAGE_SIZE,
    status: parseStatus(params.get("status")),
  };

  const update = useCallback(
    (next: { page?: number; status?: TaskStatus | null }) => {
      const query = new URLSearchParams(params.toString());
      if (next.status !== undefined) {
        if (next.status) query.set("status", next.status);
        else query.delete("status");
        query.delete("page"); // a new filter starts on its first page
      }
      if (next.page !== undefined) {
        if (next.page > 1) query.set("page", String(next.page));
        else query.delete("page");
      }
      const search = query.toString();
      router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );

  return { filters, setPage: (page: number) => update({ page }), setStatus: (status: TaskStatus | null) => update({ status }) };
}
