"use client";

import { EXAMPLE_STATUSES, type ExampleFilters } from "@/hooks/queries/examples";
import { parseBounded, parseChoice, parsePositive, useSearchState } from "@/hooks/useSearchState";

export const EXAMPLE_PAGE_SIZE = 20;

/** The examples table's filters and page, kept in the URL next to the dataset id and tab. */
export function useExampleParams() {
  const { params, update } = useSearchState();
  const filters: ExampleFilters = {
    page: parsePositive(params.get("page"), 1),
    pageSize: EXAMPLE_PAGE_SIZE,
    scoreMin: parseBounded(params.get("min"), 0, 10),
    scoreMax: parseBounded(params.get("max"), 0, 10),
    stage: params.get("stage") || null,
    status: parseChoice(params.get("status"), EXAMPLE_STATUSES),
    cluster: params.get("cluster") || null,
    q: params.get("q") ?? "",
  };
  const filtered =
    filters.scoreMin !== null ||
    filters.scoreMax !== null ||
    filters.stage !== null ||
    filters.status !== null ||
    filters.cluster !== null ||
    filters.q !== "";
  return {
    filters,
    filtered,
    update,
    setPage: (page: number) => update({ page }),
    clear: () => update({ min: null, max: null, stage: null, status: null, cluster: null, q: null }),
  };
}

export type ExampleParams = ReturnType<typeof useExampleParams>;
