import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Provider = Schemas["ProviderRead"];
export type ProviderWrite = Schemas["ProviderWrite"];
export type ModelInfo = Schemas["ModelInfo"];
export type ConnectionTest = Schemas["ConnectionTest"];
export type ProviderLimits = Schemas["ProviderLimits"];
export type ProviderLimitsWrite = Schemas["ProviderLimitsWrite"];
export type EffectiveLimits = Schemas["EffectiveLimits"];

/** The bundled in-process model: always there, needs no key. */
export const LOCAL_MODEL = "local:smollm2-135m";

export const providerKeys = {
  all: ["providers"] as const,
  list: () => [...providerKeys.all, "list"] as const,
  models: (name: string) => [...providerKeys.all, "models", name] as const,
};

/** Every provider and where its credentials come from; never a key, only its last 4 characters. */
export function useProviders() {
  return useQuery({ queryKey: providerKeys.list(), queryFn: () => unwrap(api.GET("/api/v1/providers")) });
}

/** The models of one provider (asked live when it has credentials) with their prices. */
export function useProviderModels(name: string, enabled = true) {
  return useQuery({
    queryKey: providerKeys.models(name),
    queryFn: () => unwrap(api.GET("/api/v1/providers/{name}/models", { params: { path: { name } } })),
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** Stores a provider's key and/or base URL (admins). */
export function useSaveProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, body }: { name: string; body: ProviderWrite }) =>
      unwrap(api.PUT("/api/v1/providers/{name}", { params: { path: { name } }, body })),
    onSuccess: (_, { name }) => {
      void queryClient.invalidateQueries({ queryKey: providerKeys.list() });
      void queryClient.invalidateQueries({ queryKey: providerKeys.models(name) });
    },
  });
}

/** Forgets a provider's stored credentials (admins). */
export function useDeleteProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => unwrap(api.DELETE("/api/v1/providers/{name}", { params: { path: { name } } })),
    onSuccess: (_, name) => {
      void queryClient.invalidateQueries({ queryKey: providerKeys.list() });
      void queryClient.invalidateQueries({ queryKey: providerKeys.models(name) });
    },
  });
}

/** Checks a provider's credentials against its API (admins). */
export function useTestProvider() {
  return useMutation({
    mutationFn: (name: string) => unwrap(api.POST("/api/v1/providers/{name}/test", { params: { path: { name } } })),
  });
}

/** Replaces a provider's rate limits: its default and per-model rows (admins). */
export function useSaveProviderLimits() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, body }: { name: string; body: ProviderLimitsWrite }) =>
      unwrap(api.PUT("/api/v1/providers/{name}/limits", { params: { path: { name } }, body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: providerKeys.list() }),
  });
}
