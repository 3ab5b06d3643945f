/** The page of one fine-tune run (a query parameter: the static export has no dynamic segments). */
export function runHref(id: string): string {
  return `/finetune/detail/?id=${encodeURIComponent(id)}`;
}
