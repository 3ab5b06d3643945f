import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type TaskSpecSummary = Schemas["TaskSpecSummary"];
export type TaskSpecRead = Schemas["TaskSpecRead"];
export type TaskSpecVersionRead = Schemas["TaskSpecVersionRead"];
export type TaskSpecCheck = Schemas["TaskSpecCheck"];
export type PolicyDraft = Schemas["PolicyDraft"];
export type PolicyDraftRequest = Schemas["PolicyDraftRequest"];
/** The library's TaskSpec as JSON (docs/task-specs.md). */
export type TaskSpecBody = Record<string, unknown>;

export const taskSpecKeys = {
  all: ["task-specs"] as const,
  list: () => [...taskSpecKeys.all, "list"] as const,
  detail: (id: string, version: number | null) => [...taskSpecKeys.all, "detail", id, version] as const,
  builtin: (name: string) => [...taskSpecKeys.all, "builtin", name] as const,
  versions: (id: string) => [...taskSpecKeys.all, "versions", id] as const,
};

/** The built-in specs, then the stored ones (newest version of each). */
export function useTaskSpecs() {
  return useQuery({ queryKey: taskSpecKeys.list(), queryFn: () => unwrap(api.GET("/api/v1/task-specs")) });
}

/** A stored spec at `version` (its newest when null). */
export function useTaskSpec(id: string | null, version: number | null) {
  return useQuery({
    queryKey: taskSpecKeys.detail(id ?? "", version),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/task-specs/{spec_id}", {
          params: { path: { spec_id: id ?? "" }, query: { version: version ?? undefined } },
        }),
      ),
    enabled: Boolean(id),
  });
}

/** A built-in spec (read-only). */
export function useBuiltinTaskSpec(name: string | null) {
  return useQuery({
    queryKey: taskSpecKeys.builtin(name ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/task-specs/builtin/{name}", { params: { path: { name: name ?? "" } } })),
    enabled: Boolean(name),
  });
}

/** Every saved version of a spec, newest first. */
export function useTaskSpecVersions(id: string | null) {
  return useQuery({
    queryKey: taskSpecKeys.versions(id ?? ""),
    queryFn: () =>
      unwrap(api.GET("/api/v1/task-specs/{spec_id}/versions", { params: { path: { spec_id: id ?? "" } } })),
    enabled: Boolean(id),
  });
}

/** Checks a spec (templates rendered in the server's sandbox); nothing is stored. */
export function useValidateTaskSpec() {
  return useMutation({
    mutationFn: (spec: TaskSpecBody) => unwrap(api.POST("/api/v1/task-specs/validate", { body: { spec } })),
  });
}

/** The teacher drafts a spec's policy: one paid call, booked in the ledger; nothing is saved. */
export function useDraftPolicy() {
  return useMutation({
    mutationFn: (body: PolicyDraftRequest) => unwrap(api.POST("/api/v1/task-specs/draft-policy", { body })),
  });
}

/** Saves a spec: a new spec (version 1) without an id, else the spec's next version. */
export function useSaveTaskSpec() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, spec }: { id: string | null; spec: TaskSpecBody }) =>
      id
        ? unwrap(api.PUT("/api/v1/task-specs/{spec_id}", { params: { path: { spec_id: id } }, body: { spec } }))
        : unwrap(api.POST("/api/v1/task-specs", { body: { spec } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: taskSpecKeys.all }),
  });
}

/** Deletes a spec and all its versions (refused while an unfinished job uses it). */
export function useDeleteTaskSpec() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/task-specs/{spec_id}", { params: { path: { spec_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: taskSpecKeys.all }),
  });
}
