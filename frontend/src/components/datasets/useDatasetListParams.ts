"use client";

import type { DatasetFilters, DatasetSort, SortOrder } from "@/hooks/queries/datasets";
import { parseChoice, parsePositive, useSearchState } from "@/hooks/useSearchState";

export const DATASET_PAGE_SIZE = 20;
const SORTS: readonly DatasetSort[] = ["created_at", "name", "example_count"];
const ORDERS: readonly SortOrder[] = ["asc", "desc"];

/** The dataset list's filters, sort and page, kept in the URL. */
export function useDatasetListParams() {
  const { params, update } = useSearchState();
  const filters: DatasetFilters = {
    page: parsePositive(params.get("page"), 1),
    pageSize: DATASET_PAGE_SIZE,
    dataType: params.get("type") || null,
    domain: params.get("domain") || null,
    search: params.get("q") ?? "",
    sort: parseChoice(params.get("sort"), SORTS) ?? "created_at",
    order: parseChoice(params.get("order"), ORDERS) ?? "desc",
  };
  const filtered = filters.dataType !== null || filters.domain !== null || filters.search !== "";
  return {
    filters,
    filtered,
    setPage: (page: number) => update({ page }),
    setSearch: (q: string) => update({ q }),
    setDataType: (type: string | null) => update({ type }),
    setDomain: (domain: string) => update({ domain }),
    setSort: (sort: DatasetSort, order: SortOrder) => update({ sort, order }),
    clear: () => update({ q: null, type: null, domain: null }),
  };
}

export type DatasetListParams = ReturnType<typeof useDatasetListParams>;
