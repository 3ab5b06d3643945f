/** The editor of a stored spec, a built-in one (read-only), or a new one. */
export function taskSpecHref(target: { id: string } | { builtin: string } | "new"): string {
  if (target === "new") return "/task-specs/edit/";
  if ("id" in target) return `/task-specs/edit/?id=${encodeURIComponent(target.id)}`;
  return `/task-specs/edit/?builtin=${encodeURIComponent(target.builtin)}`;
}
