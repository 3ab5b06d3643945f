/** The page of one provider fine-tune run (a query parameter: the static export has no dynamic segments). */
export function providerRunHref(id: string): string {
  return `/finetune/provider/detail/?id=${encodeURIComponent(id)}`;
}
