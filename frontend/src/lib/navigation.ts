/** Where the dashboard's sign-in page lives, and how a page asks to come back after signing in. */
export const LOGIN_PATH = "/login/";

/** Pages that render without the app shell and without a session. */
export function isPublicPath(pathname: string): boolean {
  return pathname === LOGIN_PATH || pathname === "/login";
}

export function loginUrl(next: string): string {
  return next && next !== "/" ? `${LOGIN_PATH}?next=${encodeURIComponent(next)}` : LOGIN_PATH;
}

/** Only same-origin paths are followed after login: `?next=https://evil.example` lands on `/`. */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  return raw;
}

/** Sends the browser to the sign-in page, remembering where it was; a no-op on the sign-in page. */
export function redirectToLogin(): void {
  if (typeof window === "undefined" || isPublicPath(window.location.pathname)) return;
  window.location.assign(loginUrl(window.location.pathname + window.location.search));
}
