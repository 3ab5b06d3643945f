import { useQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

export type DataType = Schemas["DataTypeRead"];
export type Domain = Schemas["DomainRead"];

/** The catalog changes only when someone adds a domain: no need to ask often. */
const CATALOG_STALE_MS = 5 * 60_000;

export const catalogKeys = {
  all: ["catalog"] as const,
  dataTypes: () => [...catalogKeys.all, "data-types"] as const,
  domains: () => [...catalogKeys.all, "domains"] as const,
};

/** Every kind of training example the engine writes. */
export function useDataTypes() {
  return useQuery({
    queryKey: catalogKeys.dataTypes(),
    queryFn: () => unwrap(api.GET("/api/v1/data-types")),
    staleTime: CATALOG_STALE_MS,
  });
}

/** Built-in and user-defined domains with their subdomains. */
export function useDomains() {
  return useQuery({
    queryKey: catalogKeys.domains(),
    queryFn: () => unwrap(api.GET("/api/v1/domains")),
    staleTime: CATALOG_STALE_MS,
  });
}
