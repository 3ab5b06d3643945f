import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

import { jobKeys } from "./jobs";

export type Advice = Schemas["AdviceRead"];
export type Suggestion = Schemas["SuggestionRead"];

/** What a job saved against the teacher alone; asked again when `version` (e.g. its status) changes. */
export function useJobSavings(id: string, version: string, enabled: boolean) {
  return useQuery({
    queryKey: [...jobKeys.all, "savings", id, version] as const,
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}/savings", { params: { path: { job_id: id } } })),
    enabled,
  });
}

/** Students and cheap judges for a teacher, priced into the planned job; null asks for nothing. */
export function useModelAdvice(teacher: string | null, dataType: string, count: number) {
  return useQuery({
    queryKey: [...jobKeys.all, "advice", teacher, dataType, count] as const,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/jobs/advice", {
          params: { query: { teacher: teacher ?? "", data_type: dataType, count, limit: 4 } },
        }),
      ),
    enabled: teacher !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
}
