import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { tokenKeys } from "@/hooks/queries/tokens";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type ManagedUser = Schemas["UserRead"];
export type Role = Schemas["Role"];
export type UserCreate = Schemas["UserCreate"];
export type UserUpdate = Schemas["UserUpdate"];
export type PasswordChange = Schemas["PasswordChange"];
export type Quotas = Schemas["QuotaRead"];

export const ROLES: readonly Role[] = ["viewer", "editor", "admin"];

export const userKeys = {
  all: ["users"] as const,
  list: (page: number) => [...userKeys.all, "list", page] as const,
  myQuotas: () => [...userKeys.all, "me", "quotas"] as const,
};

/** The caller's quotas (rows per job, unfinished jobs, tasks a minute; null: no limit). */
export function useMyQuotas() {
  return useQuery({
    queryKey: userKeys.myQuotas(),
    queryFn: () => unwrap(api.GET("/api/v1/users/me/quotas")),
    staleTime: 5 * 60_000,
  });
}

/** One page of users (admins only). */
export function useUsers(page: number, enabled: boolean) {
  return useQuery({
    queryKey: userKeys.list(page),
    queryFn: () => unwrap(api.GET("/api/v1/users", { params: { query: { page, page_size: 50 } } })),
    enabled,
  });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UserCreate) => unwrap(api.POST("/api/v1/users", { body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UserUpdate }) =>
      unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body })),
    // Returned, so the mutation settles only once the list shows the change.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

/** Changes the caller's password: their other sessions end, and their API tokens when asked. */
export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PasswordChange) => unwrap(api.POST("/api/v1/users/me/password", { body })),
    onSuccess: (_, body) => {
      if (body.revoke_tokens) void queryClient.invalidateQueries({ queryKey: tokenKeys.all });
    },
  });
}
