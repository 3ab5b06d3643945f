import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

// A provider's job runs at the provider; the backend test drives one against the fake provider server.
// Here the dashboard is checked against the API's answers: the form's request, and a run's page.

const RUN_ID = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const DATASET_ID = "5e0a8a5e-51c9-4d0e-8a3e-0f0e4f1b2c3d";
const MODEL = "ft:gpt-4o-mini-2024-07-18:distillery::fake1";

function event(n: number, message: string, step: number | null = null, loss: number | null = null) {
  return { id: `ftevent-${n}`, created_at: 1_795_000_000 + n, level: "info", message, step, train_loss: loss };
}

const RUN = {
  id: RUN_ID,
  name: "support v1 on openai:gpt-4o-mini-2024-07-18",
  dataset_id: DATASET_ID,
  dataset_version: 1,
  owner_id: null,
  provider: "openai",
  base_model: "gpt-4o-mini-2024-07-18",
  config: { n_epochs: 2, suffix: null, seed: null },
  status: "running",
  cancel_requested: false,
  job_id: "ftjob-fake1",
  examples: 12,
  events: [
    event(1, "Created fine-tuning job: ftjob-fake1"),
    event(2, "Fine-tuning job started"),
    event(3, "Step 1/3: training loss=2.0000", 1, 2.0),
    event(4, "Step 2/3: training loss=1.4000", 2, 1.4),
  ],
  curve: [
    [1, 2.0],
    [2, 1.4],
  ],
  fine_tuned_model: null,
  model_id: null,
  trained_tokens: null,
  price_per_million: null,
  cost_usd: null,
  error: null,
  created_at: "2026-12-01T10:00:00Z",
  started_at: "2026-12-01T10:00:02Z",
  finished_at: null,
};

const SUCCEEDED = {
  ...RUN,
  status: "succeeded",
  events: [...RUN.events, event(5, "Step 3/3: training loss=0.9800", 3, 0.98), event(6, `New fine-tuned model created: ${MODEL}`)],
  curve: [...RUN.curve, [3, 0.98]],
  fine_tuned_model: MODEL,
  model_id: `openai:${MODEL}`,
  trained_tokens: 1512,
  price_per_million: "3.00000000",
  cost_usd: "0.00453600",
  finished_at: "2026-12-01T10:04:00Z",
};

test("the form sends the provider, base model and epochs, and opens the new run", async ({ page }) => {
  await signIn(page, "/finetune/provider/");
  await page.route("**/api/v1/datasets?*", (route) =>
    route.fulfill({ json: { items: [{ id: DATASET_ID, name: "support", example_count: 12 }], total: 1, page: 1, page_size: 100 } }),
  );
  let sent: unknown = null;
  await page.route("**/api/v1/finetune/provider", async (route) => {
    if (route.request().method() !== "POST") return route.fallback();
    sent = route.request().postDataJSON();
    await route.fulfill({ status: 201, json: { ...RUN, status: "queued", events: [], curve: [], job_id: null } });
  });
  await page.route(`**/api/v1/finetune/provider/${RUN_ID}`, (route) => route.fulfill({ json: RUN }));
  await page.reload();
  const form = page.getByRole("form", { name: "Start a provider fine-tune" });
  await form.getByLabel("Dataset").selectOption(DATASET_ID);
  await expect(form.getByLabel("Base model")).toHaveValue("gpt-4o-mini-2024-07-18");
  await form.getByLabel("Epochs").fill("2");
  await form.getByRole("button", { name: "Start provider fine-tune" }).click();
  await expect(page).toHaveURL(new RegExp(`/finetune/provider/detail/\\?id=${RUN_ID}`));
  expect(sent).toEqual({ dataset_id: DATASET_ID, provider: "openai", base_model: "gpt-4o-mini-2024-07-18", n_epochs: 2, suffix: null });
  await expect(page.getByTestId("pft-status")).toHaveText("running");
  await expect(page.getByTestId("pft-events")).toContainText("Step 2/3: training loss=1.4000");
  await expect(page.getByRole("img", { name: /latest train loss 1\.400/ })).toBeVisible();
});

test("a running job is cancelled from its page; a finished one shows its model and cost", async ({ page }) => {
  await signIn(page, "/finetune/provider/");
  let current: Record<string, unknown> = RUN;
  await page.route(`**/api/v1/finetune/provider/${RUN_ID}`, (route) => route.fulfill({ json: current }));
  let cancelled = false;
  await page.route(`**/api/v1/finetune/provider/${RUN_ID}/cancel`, async (route) => {
    cancelled = true;
    current = { ...RUN, cancel_requested: true };
    await route.fulfill({ json: current });
  });
  await page.goto(`/finetune/provider/detail/?id=${RUN_ID}`);
  await page.getByRole("button", { name: "Cancel the job" }).click();
  await expect(page.getByRole("button", { name: "Cancelling…" })).toBeDisabled();
  expect(cancelled).toBe(true);

  current = SUCCEEDED;
  await page.reload();
  await expect(page.getByTestId("pft-status")).toHaveText("succeeded");
  await expect(page.getByTestId("pft-model")).toHaveText(`openai:${MODEL}`);
  await expect(page.getByText("$0.004536 at $3.00 / 1M training tokens")).toBeVisible();
  await expect(page.getByRole("button", { name: /Cancel/ })).toHaveCount(0);
  await expect(page.getByRole("img", { name: /latest train loss 0\.980/ })).toBeVisible();
});
