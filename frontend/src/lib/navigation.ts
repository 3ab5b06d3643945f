/** Where the dashboard's sign-in page lives, and how a page asks to come back after signing in. */
export const LOGIN_PATH = "/login/";

/** Pages that render without the app shell and without a session. */
export function isPublicPath(pathname: string): boolean {
  return pathname === LOGIN_PATH || pathname === "/login";
}

/**
 * Why the sign-in page was opened mid-session: `ended` when a page's data could no longer be read,
 * `ended-write` when a change was refused, so it was not made (a 401 means the API did nothing).
 */
export type SessionEnd = "ended" | "ended-write";

export function loginUrl(next: string, end?: SessionEnd): string {
  const params = new URLSearchParams();
  if (next && next !== "/") params.set("next", next);
  if (end) params.set("session", end);
  const query = params.toString();
  return query ? `${LOGIN_PATH}?${query}` : LOGIN_PATH;
}

/** Only same-origin paths are followed after login: `?next=https://evil.example` lands on `/`. */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  return raw;
}

let leaving: SessionEnd | null = null;

/**
 * Sends the browser to the sign-in page, remembering where it was and why; a no-op on the sign-in page.
 *
 * @param end Why: a refused change outranks a refused read, whichever answer came first.
 */
export function redirectToLogin(end?: SessionEnd): void {
  if (typeof window === "undefined" || isPublicPath(window.location.pathname)) return;
  if (leaving !== null && (leaving === "ended-write" || end !== "ended-write")) return;
  leaving = end ?? "ended";
  window.location.assign(loginUrl(window.location.pathname + window.location.search, end));
}
