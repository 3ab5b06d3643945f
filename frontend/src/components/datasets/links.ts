/** The detail page of a dataset (a query parameter: the static export has no dynamic segments). */
export function datasetHref(id: string, tab?: string): string {
  return `/datasets/detail/?id=${encodeURIComponent(id)}${tab ? `&tab=${tab}` : ""}`;
}
