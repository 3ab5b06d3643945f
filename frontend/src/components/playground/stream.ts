import { API_BASE_URL } from "@/lib/api/client";
import { CSRF_HEADER, csrfToken } from "@/lib/api/csrf";
import { ApiError, toApiError } from "@/lib/api/errors";
import { redirectToLogin } from "@/lib/navigation";

import type { PlaygroundChat } from "@/hooks/queries/playground";

export type StartEvent = { type: "start"; column: number; model: string; notes: string[] };
export type DeltaEvent = { type: "delta"; column: number; text: string };
export type DoneEvent = {
  type: "done";
  column: number;
  text: string;
  finish_reason: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: string | null;
  ttft_ms: number;
  total_ms: number;
};
export type ErrorEvent = { type: "error"; column: number; message: string; status: number | null };
export type PlaygroundEvent = StartEvent | DeltaEvent | DoneEvent | ErrorEvent | { type: "end" };

const KNOWN = new Set(["start", "delta", "done", "error", "end"]);

/** The events in `buffer`'s complete SSE blocks, and the unfinished rest. */
export function parseEvents(buffer: string): { events: PlaygroundEvent[]; rest: string } {
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: PlaygroundEvent[] = [];
  for (const block of blocks) {
    let name = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (!KNOWN.has(name)) continue;
    events.push({ type: name, ...(JSON.parse(data.join("\n") || "{}") as object) } as PlaygroundEvent);
  }
  return { events, rest };
}

/**
 * Sends one playground turn and hands each event to `onEvent` as it arrives. A POST cannot use
 * `EventSource`, so the response body is read as a stream; aborting `signal` closes it, which stops
 * every model on the server.
 *
 * @throws ApiError The request was refused (4xx) or nothing answered.
 */
export async function streamPlayground(
  body: PlaygroundChat,
  signal: AbortSignal,
  onEvent: (event: PlaygroundEvent) => void,
): Promise<void> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "text/event-stream" };
  const token = csrfToken();
  if (token) headers[CSRF_HEADER] = token;
  let response: Response;
  try {
    response = await fetch(`${API_BASE_URL}/api/v1/playground/chat`, {
      method: "POST",
      credentials: "include",
      headers,
      body: JSON.stringify(body),
      signal,
    });
  } catch (cause) {
    if (signal.aborted) return;
    throw new ApiError(0, "network_error", cause instanceof Error ? cause.message : String(cause));
  }
  if (!response.ok) {
    if (response.status === 401) redirectToLogin("ended-write");
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    throw toApiError(response.status, parsed);
  }
  const reader = response.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const parsed = parseEvents(buffer);
      buffer = parsed.rest;
      parsed.events.forEach(onEvent);
    }
  } catch (cause) {
    if (signal.aborted) return;
    throw new ApiError(0, "network_error", cause instanceof Error ? cause.message : String(cause));
  }
}
