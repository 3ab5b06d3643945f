import { useQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type PlaygroundModel = Schemas["PlaygroundModel"];
export type PlaygroundChat = Schemas["PlaygroundChat"];
export type DecodingOptions = Schemas["DecodingOptions"];

export const playgroundKeys = {
  all: ["playground"] as const,
  models: () => [...playgroundKeys.all, "models"] as const,
};

/** The models the playground offers: the bundled model, completed tuned runs, priced provider models. */
export function usePlaygroundModels() {
  return useQuery({
    queryKey: playgroundKeys.models(),
    queryFn: () => unwrap(api.GET("/api/v1/playground/models")),
    staleTime: 60_000,
  });
}
