import { expect, type APIRequestContext } from "@playwright/test";

import { apiDelete, apiPost, apiPut } from "./helpers";

/**
 * The fake provider server that e2e/serve.sh starts beside the API (`python -m distillation.testing`,
 * on E2E_PROVIDER_PORT), registered as an OpenAI-compatible server the way an admin adds one in
 * Settings → Providers. It answers every request after a pause (serve.sh sets it), so a job on it stays
 * running, its items in flight, while a test looks at it, and it costs the machine no CPU: the bundled
 * model is left to the specs that test it.
 */
const FAKE_PROVIDER = "e2e-fake";
export const FAKE_MODEL = `${FAKE_PROVIDER}:fake-model`;
/** The fake server answers this model as a preference run's teacher, and every pairwise verdict, as
 * `distillation.testing.answers.preference_script` says (the teacher's answer wins 9 to 4, but for prompts that
 * mention "tricky": position bias, "even": a tie, "close": the teacher by 1). */
export const FAKE_TEACHER = `${FAKE_PROVIDER}:fake-teacher`;
export const FAKE_BASE_URL = `http://127.0.0.1:${process.env.E2E_PROVIDER_PORT ?? ""}/v1`;

/** Registers the fake provider (as an admin does in Settings → Providers). */
export async function addFakeProvider(request: APIRequestContext): Promise<void> {
  const saved = await apiPut(request, `/api/v1/providers/${FAKE_PROVIDER}`, { data: { base_url: FAKE_BASE_URL } });
  expect(saved.status(), await saved.text()).toBe(200);
}

/** Removes the fake provider, so later tests do not see it. */
export async function removeFakeProvider(request: APIRequestContext): Promise<void> {
  const removed = await apiDelete(request, `/api/v1/providers/${FAKE_PROVIDER}`);
  expect([204, 404]).toContain(removed.status());
}

/** A generation job on the fake provider, started through the API; `count` rows of question–answer. */
export async function startJob(request: APIRequestContext, name: string, count: number): Promise<{ id: string }> {
  const saved = await apiPut(request, `/api/v1/providers/${FAKE_PROVIDER}`, { data: { base_url: FAKE_BASE_URL } });
  expect(saved.status(), await saved.text()).toBe(200);
  const response = await apiPost(request, "/api/v1/jobs/generate", {
    // A seed of its own: with another job's seed its requests would be answered from the response cache at
    // once (rows the job already rejected), and it would end before the test looks at it.
    data: { name, data_type: "qa", count, teacher: FAKE_MODEL, student: FAKE_MODEL, seed: 1 + Math.floor(Math.random() * 1_000_000) },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string };
}

/** Cancels a job unless it has already stopped, and removes the fake provider, so later tests see neither. */
export async function stopJob(request: APIRequestContext, id: string): Promise<void> {
  const response = await apiPost(request, `/api/v1/jobs/${id}/cancel`);
  expect([200, 409]).toContain(response.status());
  const removed = await apiDelete(request, `/api/v1/providers/${FAKE_PROVIDER}`);
  expect([204, 404]).toContain(removed.status());
}
