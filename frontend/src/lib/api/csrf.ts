import type { Middleware } from "openapi-fetch";

/** The cookie the API sets at login: the session's CSRF token, readable by the dashboard's scripts. */
export const CSRF_COOKIE = "distillery_csrf";
/** The header every write repeats the token in; the API refuses a write with the session cookie without it. */
export const CSRF_HEADER = "X-CSRF-Token";

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The session's CSRF token, or undefined before login. */
export function csrfToken(): string | undefined {
  for (const pair of document.cookie.split(";")) {
    const [name, ...value] = pair.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/** Adds the CSRF token to every write; another site's page can neither read it nor guess it. */
export const csrfGuard: Middleware = {
  onRequest({ request }) {
    if (!UNSAFE_METHODS.has(request.method.toUpperCase())) return undefined;
    const token = csrfToken();
    if (token) request.headers.set(CSRF_HEADER, token);
    return request;
  },
};
