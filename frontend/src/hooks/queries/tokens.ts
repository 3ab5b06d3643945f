import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type ApiToken = Schemas["TokenRead"];
export type CreatedToken = Schemas["TokenCreated"];
export type TokenCreate = Schemas["TokenCreate"];
export type TokenScope = Schemas["TokenScope"];

/** Scopes from least to most; a token acts as viewer, editor or admin, never above its user's role. */
export const SCOPES: readonly TokenScope[] = ["read", "write", "admin"];
const SCOPE_ROLE = { read: "viewer", write: "editor", admin: "admin" } as const;
const ROLE_RANK = { viewer: 0, editor: 1, admin: 2 } as const;

/** The scopes a user of `role` may give a token. */
export function scopesFor(role: Schemas["Role"]): TokenScope[] {
  return SCOPES.filter((scope) => ROLE_RANK[SCOPE_ROLE[scope]] <= ROLE_RANK[role]);
}

export const tokenKeys = {
  all: ["tokens"] as const,
  list: () => [...tokenKeys.all, "list"] as const,
};

/** The signed-in user's API tokens, without their secrets. */
export function useTokens() {
  return useQuery({ queryKey: tokenKeys.list(), queryFn: () => unwrap(api.GET("/api/v1/tokens")) });
}

/** Creates a token; the answer carries its secret, which is never shown again. */
export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TokenCreate) => unwrap(api.POST("/api/v1/tokens", { body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: tokenKeys.list() }),
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/tokens/{token_id}", { params: { path: { token_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: tokenKeys.list() }),
  });
}
