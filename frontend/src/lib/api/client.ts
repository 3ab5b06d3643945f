import createClient, { type Middleware } from "openapi-fetch";

import { redirectToLogin } from "@/lib/navigation";

import { csrfGuard, csrfToken } from "./csrf";
import { ApiError, toApiError } from "./errors";
import type { components, paths } from "./schema";

export { ApiError, errorMessage } from "./errors";

/** Schemas of the API, generated from its OpenAPI document (`npm run gen:api`). */
export type Schemas = components["schemas"];

/** Empty means same origin: the API serves the dashboard, and `next dev` proxies the API. */
export const API_BASE_URL = process.env.NEXT_PUBLIC_API_BASE_URL ?? "";

const LOGIN_ENDPOINT = "/api/v1/auth/login";

/**
 * A 401 from any call but the login itself means the session is gone: go and sign in again, saying
 * why. A refused write was not carried out; a refused read says the session ended only when there was
 * one (the readable CSRF cookie outlives it), so a first visit just shows the sign-in page.
 */
const sessionGuard: Middleware = {
  onResponse({ request, response, schemaPath }) {
    if (response.status !== 401 || schemaPath === LOGIN_ENDPOINT) return undefined;
    if (request.method.toUpperCase() !== "GET") redirectToLogin("ended-write");
    else redirectToLogin(csrfToken() ? "ended" : undefined);
    return undefined;
  },
};

export const api = createClient<paths>({ baseUrl: API_BASE_URL, credentials: "include" });
api.use(sessionGuard, csrfGuard);

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Awaits an openapi-fetch call and returns its data, or throws a typed ApiError. */
export async function unwrap<T>(request: Promise<Result<T>>): Promise<T> {
  return (await unwrapWithResponse(request)).data;
}

/** As `unwrap`, keeping the response for its headers (a download's file name). */
export async function unwrapWithResponse<T>(request: Promise<Result<T>>): Promise<{ data: T; response: Response }> {
  let result: Result<T>;
  try {
    result = await request;
  } catch (cause) {
    // fetch() itself failed: nothing answered.
    throw new ApiError(0, "network_error", cause instanceof Error ? cause.message : String(cause));
  }
  if (!result.response.ok) throw toApiError(result.response.status, result.error);
  return { data: result.data as T, response: result.response };
}
