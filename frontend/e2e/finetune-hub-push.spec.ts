import { expect, test, type Page } from "@playwright/test";

import { signIn } from "./helpers";

// A completed run with exports takes minutes to train here, so the run page's Hub push is checked
// against injected answers of the API: the run, its files, the Hub settings, the push and its task.
// The push itself, against the fake Hub, is proven by backend/tests/hub/test_hub_push_model.py.

const RUN_ID = "3c1d9a7e-2b4f-4e6a-8c0d-1f2e3a4b5c6d";
const TASK_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

const RUN = {
  id: RUN_ID,
  name: "Support tune",
  dataset_id: "5e0a8a5e-51c9-4d0e-8a3e-0f0e4f1b2c3d",
  dataset_version: 1,
  owner_id: null,
  status: "completed",
  stop_requested: false,
  config: { max_steps: 4 },
  step: 4,
  total_steps: 4,
  train_loss: 1.2,
  eval_loss: 1.5,
  tokens_per_s: 800,
  curve: [[1, 2.0, null], [4, 1.2, 1.5]],
  result: { adapter_dir: "runs/x/adapter" },
  evaluation: null,
  error: null,
  created_at: "2026-11-20T10:00:00Z",
  started_at: "2026-11-20T10:00:05Z",
  finished_at: "2026-11-20T10:04:05Z",
};

const FILES = [
  { name: "adapter.zip", kind: "adapter", bytes: 120_000 },
  { name: "tiny-run-q8_0.gguf", kind: "gguf", bytes: 9_000_000 },
  { name: "Modelfile", kind: "modelfile", bytes: 300 },
  { name: "README.md", kind: "card", bytes: 2_000 },
];

function task(status: string, result: Record<string, unknown>, error: string | null = null) {
  return {
    id: TASK_ID, name: "hub.push_model", queue: "default", status, attempts: 1, result, error, worker: "w1",
    created_at: new Date().toISOString(), started_at: null, finished_at: null,
  };
}

async function openRun(page: Page, configured: boolean) {
  await signIn(page, "/finetune/");
  await page.route(`**/api/v1/finetune/${RUN_ID}`, (route) => route.fulfill({ json: RUN }));
  await page.route(`**/api/v1/finetune/${RUN_ID}/files`, (route) => route.fulfill({ json: FILES }));
  await page.route("**/api/v1/hub", (route) =>
    route.fulfill({ json: { configured, key_last4: configured ? "oken" : null, endpoint: "http://hub.test", updated_at: null } }),
  );
  await page.goto(`/finetune/detail/?id=${RUN_ID}`);
  return page.getByRole("form", { name: "Push to the Hub" });
}

test("without a stored token the push form links an admin to Settings", async ({ page }) => {
  const form = await openRun(page, false);
  await expect(form.getByText("No Hugging Face token is stored")).toBeVisible();
  await expect(form.getByRole("link", { name: "Store one in Settings" })).toHaveAttribute("href", "/settings/");
  await expect(form.getByRole("button", { name: "Push to the Hub" })).toBeDisabled();
});

test("a push sends the chosen outputs privately and follows the task to the links", async ({ page }) => {
  const form = await openRun(page, true);
  let sent: unknown = null;
  await page.route(`**/api/v1/finetune/${RUN_ID}/push`, async (route) => {
    sent = route.request().postDataJSON();
    await route.fulfill({ status: 202, json: task("queued", {}) });
  });
  await page.route(`**/api/v1/tasks/${TASK_ID}`, (route) =>
    route.fulfill({
      json: task("succeeded", {
        repo_id: "alice/tuned", url: "http://hub.test/alice/tuned", commit_url: "http://hub.test/alice/tuned/commit/abc",
      }),
    }),
  );
  await expect(form.getByLabel("LoRA adapter")).toBeChecked();
  await expect(form.getByLabel("Merged model")).toHaveCount(0); // the run has no merged model
  await expect(form.getByLabel("Private repo")).toBeChecked();
  await form.getByLabel("Model repo").fill("not a repo");
  await expect(form.getByText("Write it as owner/name")).toBeVisible();
  await form.getByLabel("Model repo").fill("alice/tuned");
  await form.getByLabel("GGUF files").check();
  await form.getByRole("button", { name: "Push to the Hub" }).click();

  await expect(form.getByRole("link", { name: /Open the repo on the Hub/ })).toHaveAttribute("href", "http://hub.test/alice/tuned");
  await expect(form.getByRole("link", { name: /See the commit/ })).toHaveAttribute("href", "http://hub.test/alice/tuned/commit/abc");
  expect(sent).toEqual({ repo_id: "alice/tuned", private: true, outputs: ["adapter", "gguf"] });
});

test("the Hub's refusal of the token is said in words with a way to fix it", async ({ page }) => {
  const form = await openRun(page, true);
  await page.route(`**/api/v1/finetune/${RUN_ID}/push`, (route) => route.fulfill({ status: 202, json: task("queued", {}) }));
  await page.route(`**/api/v1/tasks/${TASK_ID}`, (route) =>
    route.fulfill({
      json: task(
        "failed",
        { repo_id: "alice/tuned", kind: "unauthorized" },
        "the Hub rejected the token (401): store a valid write token for Hugging Face",
      ),
    }),
  );
  await form.getByLabel("Model repo").fill("alice/tuned");
  await form.getByRole("button", { name: "Push to the Hub" }).click();
  const alert = form.getByTestId("hub-push-error");
  await expect(alert).toContainText("The Hub rejected the token");
  await expect(alert.getByRole("link", { name: "Settings" })).toBeVisible();
  await expect(alert).toContainText("The Hub said: the Hub rejected the token (401)");
});
