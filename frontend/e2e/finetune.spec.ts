import { expect, test } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { startRun, stopRun } from "./finetune-data";
import { expectAccessible, signIn } from "./helpers";

test("a run started from the form shows its progress live", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, "/finetune/");
  const name = uniqueName("Tune data");
  const dataset = await createDataset(page.request, name, generatedJsonl(12));
  await page.reload();

  const form = page.getByRole("form", { name: "Start a fine-tune" });
  // Nothing chosen: the form says what is missing instead of sending.
  await form.getByRole("button", { name: "Start fine-tune" }).click();
  await expect(form.getByText("Pick a dataset.")).toBeVisible();
  await form.getByLabel("Dataset").selectOption({ label: `${dataset.name} (12 rows)` });
  // The base model: the bundled one is chosen, with its size, parameters and the estimate for this dataset.
  const baseModel = form.getByLabel("Base model", { exact: true });
  await expect(baseModel.locator("option", { hasText: "Bundled SmolLM2-135M-Instruct" })).toHaveCount(1);
  await baseModel.selectOption({ label: await baseModel.locator("option", { hasText: "Bundled" }).innerText() });
  await expect(form.getByTestId("base-model-facts")).toContainText(/llama · 135M parameters · .* on disk · context 8,192 · about .* memory on cpu \(float32\) · about .* on this dataset/);
  await form.getByText("Advanced settings").click();
  await page.screenshot({ path: "test-results/screenshots/finetune-form-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screenshots/finetune-form-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await form.getByText("Advanced settings").click();
  await form.getByLabel("Run name").fill(`${name} run`);
  await form.getByLabel("Max steps").fill("2");
  await form.getByLabel("Batch size").fill("2");
  await form.getByLabel("Max sequence length").fill("128");
  await expect(form.getByLabel("Evaluation rows")).toBeHidden();
  await form.getByText("Advanced settings").click();
  await form.getByLabel("Evaluation rows").fill("1");
  await form.getByLabel("Evaluation answer tokens").fill("8");
  await form.getByRole("button", { name: "Start fine-tune" }).click();

  await expect(page).toHaveURL(/\/finetune\/detail\/\?id=/);
  await expect(page.getByRole("heading", { name: `Run: ${name} run` })).toBeVisible();
  const id = new URL(page.url()).searchParams.get("id") ?? "";
  try {
    const sent = (await (await page.request.get(`/api/v1/finetune/${id}`)).json()) as { config: Record<string, unknown> };
    expect(sent.config).toMatchObject({ max_steps: 2, batch_size: 2, max_seq_length: 128, base_model: "local:smollm2-135m" });

    // The page follows the run by itself: it leaves the queue without a reload. (With an evaluation the
    // base model is scored first, which takes minutes here; step-by-step progress is in the screenshot run.)
    await expect(page.getByTestId("run-status")).toHaveText(/running|evaluating|completed/, { timeout: 180_000 });
    const cancel = page.getByRole("button", { name: "Cancel" });
    await expect(cancel).toBeEnabled();
    await expect(page.getByRole("button", { name: "Resume" })).toBeDisabled();
  } finally {
    await stopRun(page.request, id);
  }
});

test("a queued run can be cancelled and resumed from its page", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, "/finetune/");
  const dataset = await createDataset(page.request, uniqueName("Cancel data"), generatedJsonl(12));
  // Two runs keep both slots of the llm/gpu worker (e2e/serve.sh) busy, so the third stays queued
  // until it is cancelled.
  const busy = await startRun(page.request, dataset.id, uniqueName("Busy run"));
  const busier = await startRun(page.request, dataset.id, uniqueName("Busy run"));
  const run = await startRun(page.request, dataset.id, uniqueName("Cancelled run"));
  try {
    await page.goto(`/finetune/detail/?id=${run.id}`);
    const cancel = page.getByRole("button", { name: "Cancel" });
    const resume = page.getByRole("button", { name: "Resume" });
    await expect(cancel).toBeEnabled();
    await expect(resume).toBeDisabled();
    await cancel.click();
    await expect(page.getByTestId("run-status")).toHaveText("cancelled");
    await expect(cancel).toBeDisabled();
    await expect(resume).toBeEnabled();
    await expect(page.getByText("The playground opens when the run has completed.")).toBeVisible();

    await resume.click();
    await expect(page.getByTestId("run-status")).toHaveText(/queued|running/);
    await expect(cancel).toBeEnabled();

    await page.goto("/finetune/");
    const runs = page.getByRole("table", { name: "Fine-tune runs" });
    await expect(runs.getByRole("link", { name: /Cancelled run/ })).toBeVisible();
    await expectAccessible(page, "fine-tune list");
    await page.emulateMedia({ colorScheme: "dark" });
    await expectAccessible(page, "fine-tune list, dark");
    await page.goto(`/finetune/detail/?id=${busy.id}`);
    await expect(page.getByTestId("run-status")).toBeVisible();
    await expectAccessible(page, "running run, dark");
  } finally {
    await stopRun(page.request, run.id);
    await stopRun(page.request, busy.id);
    await stopRun(page.request, busier.id);
  }
});
