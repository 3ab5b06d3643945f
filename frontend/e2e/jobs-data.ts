import { expect, type APIRequestContext } from "@playwright/test";

import { apiPost } from "./helpers";

/** A generation job on the bundled model, started through the API; `count` rows of question–answer. */
export async function startJob(request: APIRequestContext, name: string, count: number): Promise<{ id: string }> {
  const response = await apiPost(request, "/api/v1/jobs/generate", { data: { name, data_type: "qa", count } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string };
}

/** Cancels a job unless it has already stopped, so it leaves the single e2e worker free. */
export async function stopJob(request: APIRequestContext, id: string): Promise<void> {
  const response = await apiPost(request, `/api/v1/jobs/${id}/cancel`);
  expect([200, 409]).toContain(response.status());
}
