/** The page of one job (a query parameter: the static export has no dynamic segments). */
export function jobHref(id: string): string {
  return `/jobs/detail/?id=${encodeURIComponent(id)}`;
}
