import { expect, type APIRequestContext } from "@playwright/test";

import { apiPost } from "./helpers";

/** The smallest run that still trains, evaluates and leaves a loss curve on this machine's CPU. */
export const TINY_RUN = {
  max_steps: 2,
  batch_size: 2,
  max_seq_length: 128,
  eval_max_rows: 1,
  eval_max_new_tokens: 8,
};

/** Queues a tiny run through the API (test setup; the form has its own test). */
export async function startRun(
  request: APIRequestContext,
  datasetId: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string }> {
  const response = await apiPost(request, "/api/v1/finetune", {
    data: { dataset_id: datasetId, name, ...TINY_RUN, ...extra },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string };
}

/** Cancels a run unless it has already stopped, so it leaves the single e2e worker free. */
export async function stopRun(request: APIRequestContext, id: string): Promise<void> {
  const response = await apiPost(request, `/api/v1/finetune/${id}/cancel`);
  expect([200, 409]).toContain(response.status());
}
