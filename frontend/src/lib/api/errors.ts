/** A failed API call: the HTTP status and the server's `{"error", "detail"}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail: unknown = null,
  ) {
    super(describe(error, detail));
    this.name = "ApiError";
  }

  /** The request never got an answer (server down, network cut); status 0 by convention. */
  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

/** Builds an ApiError from whatever an error response carried (our JSON shape or anything else). */
export function toApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === "object" && "error" in body && typeof body.error === "string") {
    return new ApiError(status, body.error, "detail" in body ? body.detail : null);
  }
  return new ApiError(status, `http_${status}`, typeof body === "string" && body ? body : null);
}

/** A sentence a person can read, whatever the error was. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.isNetworkError) return "The API did not answer. Is `distillery serve` running?";
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function describe(error: string, detail: unknown): string {
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail) && detail.length > 0) {
    // FastAPI validation errors: [{loc, msg, type}, ...]
    return detail
      .map((item: unknown) =>
        item && typeof item === "object" && "msg" in item ? String(item.msg) : JSON.stringify(item),
      )
      .join("; ");
  }
  return error.replaceAll("_", " ");
}
