import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type CostReport = Schemas["CostReport"];
export type DailyPoint = Schemas["DailyPoint"];
export type Savings = Schemas["SavingsRead"];
export type QualityReport = Schemas["QualityReport"];
export type Summary = Schemas["Summary"];
export type SeriesDimension = "provider" | "model" | "stage";

/** UTC days, inclusive; null leaves that end open. */
export type DateRange = { since: string | null; until: string | null };

export const analyticsKeys = {
  all: ["analytics"] as const,
  cost: (groupBy: string, range: DateRange) => [...analyticsKeys.all, "cost", groupBy, range] as const,
  daily: (split: SeriesDimension, range: DateRange) => [...analyticsKeys.all, "daily", split, range] as const,
  savings: (range: DateRange) => [...analyticsKeys.all, "savings", range] as const,
  quality: (range: DateRange) => [...analyticsKeys.all, "quality", range] as const,
  summary: () => [...analyticsKeys.all, "summary"] as const,
};

export const SUMMARY_POLL_MS = 10_000;

/** Datasets, rows, this month's spend against the budget, average quality and running jobs. */
export function useSummary() {
  return useQuery({
    queryKey: analyticsKeys.summary(),
    queryFn: () => unwrap(api.GET("/api/v1/analytics/summary")),
    refetchInterval: SUMMARY_POLL_MS,
  });
}

function rangeQuery(range: DateRange) {
  return { since: range.since ?? undefined, until: range.until ?? undefined };
}

/** Spend grouped by one dimension over the range. */
export function useCost(groupBy: "provider" | "model" | "stage" | "dataset" | "day", range: DateRange) {
  return useQuery({
    queryKey: analyticsKeys.cost(groupBy, range),
    queryFn: () =>
      unwrap(api.GET("/api/v1/analytics/cost", { params: { query: { group_by: groupBy, ...rangeQuery(range) } } })),
    placeholderData: keepPreviousData,
  });
}

/** Spend per UTC day, one series per provider, model or stage. */
export function useDailyCost(split: SeriesDimension, range: DateRange) {
  return useQuery({
    queryKey: analyticsKeys.daily(split, range),
    queryFn: () =>
      unwrap(api.GET("/api/v1/analytics/cost/daily", { params: { query: { split, ...rangeQuery(range) } } })),
    placeholderData: keepPreviousData,
  });
}

/** What the jobs cost against their teachers writing every row. */
export function useSavings(range: DateRange) {
  return useQuery({
    queryKey: analyticsKeys.savings(range),
    queryFn: () => unwrap(api.GET("/api/v1/analytics/savings", { params: { query: rangeQuery(range) } })),
    placeholderData: keepPreviousData,
  });
}

/** Judge score histogram, pass rate per stage and rejection reasons. */
export function useQuality(range: DateRange) {
  return useQuery({
    queryKey: analyticsKeys.quality(range),
    queryFn: () => unwrap(api.GET("/api/v1/analytics/quality", { params: { query: rangeQuery(range) } })),
    placeholderData: keepPreviousData,
  });
}
