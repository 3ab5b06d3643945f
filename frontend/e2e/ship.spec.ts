import { open, readFile, stat } from "node:fs/promises";

import { expect, test, type Page } from "@playwright/test";

import { uniqueName } from "./data";
import { stopRun } from "./finetune-data";
import { expectAccessible, apiDelete, apiPost, apiPut, signIn } from "./helpers";
import { FAKE_BASE_URL, FAKE_MODEL } from "./jobs-data";

const BUNDLED = "local:smollm2-135m";

type Job = { id: string; status: string; accepted: number; dataset_id: string };

/** The job once it has ended (polled through the API). */
async function finishedJob(page: Page, id: string, timeout: number): Promise<Job> {
  let job: Job | null = null;
  await expect
    .poll(async () => {
      job = (await (await page.request.get(`/api/v1/jobs/${id}`)).json()) as Job;
      return job.status;
    }, { timeout, intervals: [2_000] })
    .toMatch(/completed|failed|cancelled/);
  return job as unknown as Job;
}

/** Seconds since `start`, for the step timings the test prints. */
const since = (start: number) => `${((Date.now() - start) / 1000).toFixed(0)} s`;

/**
 * The whole loop of issue 19, offline, on this machine's CPU: the bundled model writes a dataset, a run
 * fine-tunes it from the form (base model chosen there, merged and exported to GGUF q8_0, evaluated on
 * one held-out row with the fake provider as judge), the run page shows the judge's win rate and hands
 * out the GGUF file and the adapter, the tuned model streams an answer in the playground (and answers
 * beside its base on the run page), and a new generation job from the wizard writes rows with it as the
 * student.
 */
test("a dataset from the bundled model is tuned, judged, exported, played with and used as the next student", async ({ page }) => {
  test.setTimeout(1_200_000);
  const name = uniqueName("Ship data");
  const steps: string[] = [];
  let t = Date.now();
  const lap = (what: string) => {
    steps.push(`${what}: ${since(t)}`);
    t = Date.now();
  };
  await signIn(page, "/finetune/");
  // The fake provider on the machine (e2e/serve.sh), added as an admin adds an OpenAI-compatible server: the judge.
  const saved = await apiPut(page.request, "/api/v1/providers/e2e-fake", { data: { base_url: FAKE_BASE_URL } });
  expect(saved.status(), await saved.text()).toBe(200);
  let runId = "";
  try {
    // 1. A dataset the bundled model writes (the wizard's own path is flow.spec's): structure checks only.
    const started = await apiPost(page.request, "/api/v1/jobs/generate", {
      data: {
        name, data_type: "qa", count: 3, teacher: BUNDLED, student: BUNDLED, teacher_ratio: 1,
        judge_sample_rate: 0, max_tokens: 256, seed: 1 + Math.floor(Math.random() * 1_000_000),
      },
    });
    expect(started.status(), await started.text()).toBe(201);
    const job = await finishedJob(page, ((await started.json()) as { id: string }).id, 420_000);
    expect(job.status).toBe("completed");
    expect(job.accepted, "a run needs rows to train on and one held out").toBeGreaterThanOrEqual(2);
    lap(`generate ${job.accepted} rows on the bundled model`);

    // 2. The form: the dataset, the base model, a tiny run, merge + GGUF q8_0, one judged held-out row.
    await page.reload();
    const form = page.getByRole("form", { name: "Start a fine-tune" });
    await form.getByLabel("Dataset").selectOption({ label: `${name} (${job.accepted} rows)` });
    const baseModel = form.getByLabel("Base model", { exact: true });
    await baseModel.selectOption({ label: await baseModel.locator("option", { hasText: "Bundled" }).innerText() });
    await expect(form.getByTestId("base-model-facts")).toContainText("135M parameters");
    await form.getByLabel("Max steps").fill("2");
    await form.getByLabel("Batch size").fill("2");
    await form.getByLabel("Max sequence length").fill("384"); // the bundled model's rows run past 128 tokens
    await form.getByText("Advanced settings").click();
    await form.getByLabel("Run name").fill(`${name} run`);
    await form.getByLabel("Evaluation rows").fill("1");
    await form.getByLabel("Evaluation answer tokens").fill("8");
    const judge = form.getByLabel("Judge", { exact: true });
    await expect(judge).toHaveValue("");
    await expect(judge.locator(`option[value="${FAKE_MODEL}"]`)).toHaveCount(1);
    await judge.selectOption(FAKE_MODEL);
    await form.getByLabel("Also save a merged model (adapter folded into the weights)").check();
    await form.getByLabel("GGUF q8_0 (8-bit)").check();
    const posted = page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/finetune");
    await form.getByRole("button", { name: "Start fine-tune" }).click();
    expect((await posted).postDataJSON()).toMatchObject({ judge: FAKE_MODEL, evaluate: true, eval_max_rows: 1, gguf: ["q8_0"], merge: true });
    await expect(page).toHaveURL(/\/finetune\/detail\/\?id=/);
    runId = new URL(page.url()).searchParams.get("id") ?? "";
    const sent = (await (await page.request.get(`/api/v1/finetune/${runId}`)).json()) as { config: Record<string, unknown> };
    expect(sent.config).toMatchObject({ base_model: BUNDLED, max_steps: 2, max_seq_length: 384, merge: true, gguf: ["q8_0"] });

    // 3. The run page follows it to the end: the judge's win rate, the optimizer curves, the files.
    await expect(page.getByTestId("run-status")).toHaveText("completed", { timeout: 600_000 });
    lap("fine-tune, merge, GGUF export and judged evaluation");
    const rates = page.getByRole("table", { name: "Pairwise win rates" });
    await expect(page.getByText(`Judged by ${FAKE_MODEL}`)).toBeVisible();
    await expect(rates.getByTestId("winrate-base")).toContainText("the base student");
    await expect(rates.getByTestId("winrate-base").getByRole("img")).toHaveAttribute("aria-label", /^\d+ wins, \d+ ties, \d+ losses$/);
    await expect(rates.getByTestId("winrate-base").locator("td").first()).toHaveText(/^\d+%$/);
    // The held-out row side by side, with the judge's verdict on it.
    const row = page.getByRole("list", { name: "Side by side" }).getByTestId("side-by-side-row");
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(/Tuned vs base student: (win|tie|loss|inconsistent)/);
    await expect(page.getByRole("button", { name: "Cancel" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Resume" })).toBeDisabled();
    await expect(page.getByTestId("optimizer-chart")).toHaveAttribute("aria-label", /Learning rate and gradient norm over \d+ steps/);
    const files = page.getByRole("list", { name: "Files to download" });
    const gguf = files.getByRole("link", { name: /q8_0\.gguf$/ });
    await expect(gguf).toBeVisible();
    await expect(files.getByRole("link", { name: "Modelfile" })).toBeVisible();
    await expect(files.getByRole("link", { name: "README.md" })).toBeVisible();
    await page.screenshot({ path: "test-results/screenshots/ship-run-1280.png", fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: "test-results/screenshots/ship-run-390.png", fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await expectAccessible(page, "completed, judged and exported run");

    // The GGUF file and the adapter, downloaded as the browser saves them.
    const [ggufDownload] = await Promise.all([page.waitForEvent("download"), gguf.click()]);
    expect(ggufDownload.suggestedFilename()).toMatch(/q8_0\.gguf$/);
    const ggufPath = (await ggufDownload.path()) ?? "";
    expect((await stat(ggufPath)).size).toBeGreaterThan(1_000_000);
    const handle = await open(ggufPath);
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    await handle.close();
    expect(magic.toString("latin1")).toBe("GGUF");
    const [zip] = await Promise.all([page.waitForEvent("download"), files.getByRole("link", { name: "adapter.zip" }).click()]);
    expect(zip.suggestedFilename()).toBe("adapter.zip");
    expect((await readFile((await zip.path()) ?? "")).subarray(0, 2).toString()).toBe("PK");
    lap("downloads");

    // The run's own playground: base and tuned side by side.
    await page.getByLabel("Prompt").fill("How do I reset my password?");
    await page.getByLabel("Answer tokens").fill("8");
    await page.getByRole("button", { name: "Ask the models" }).click();
    const answers = page.getByTestId("playground-answers");
    await expect(answers.getByRole("region", { name: "Base student answer" })).toBeVisible({ timeout: 120_000 });
    await expect(answers.getByRole("region", { name: "Tuned student answer" })).toBeVisible();
    lap("run page playground");

    // 4. The playground page: tuned:<run> is offered, and its answer streams in token by token.
    const tuned = `tuned:${runId}`;
    await page.goto("/playground/");
    await expect(page.locator(`#pg-model-choices option[value="${tuned}"]`)).toHaveCount(1);
    await page.getByLabel("Add a model").fill(tuned);
    await page.getByRole("button", { name: "Add model" }).click();
    const column = page.getByRole("region", { name: `${tuned} conversation` });
    await expect(column).toBeVisible();
    await page.getByRole("button", { name: `Remove ${BUNDLED}` }).click(); // the bundled model's answer is playground.spec's
    await page.getByLabel("Max tokens").fill("24");
    await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("How do I reset my password?");
    await page.evaluate((model) => {
      const seen = new Set<number>();
      (window as unknown as { growth: Set<number> }).growth = seen;
      const target = document.querySelector(`section[aria-label="${model} conversation"]`);
      if (!target) throw new Error("no column for the tuned model");
      new MutationObserver(() => {
        const last = [...target.querySelectorAll('[data-testid="assistant-turn"] p')].pop();
        if (last && last.textContent !== "Waiting for the first token…") seen.add(last.textContent?.length ?? 0);
      }).observe(target, { subtree: true, childList: true, characterData: true });
    }, tuned);
    const asked = page.waitForRequest("**/api/v1/playground/chat");
    await page.getByRole("button", { name: "Send to all" }).click();
    expect(((await asked).postDataJSON() as { columns: { model: string }[] }).columns.map((c) => c.model)).toEqual([tuned]);
    await expect(column.getByText("First token")).toBeVisible({ timeout: 180_000 });
    await expect(column.getByRole("alert")).toHaveCount(0);
    await expect(column.getByTestId("answer-cost")).toHaveText("$0");
    const growth = await page.evaluate(() => (window as unknown as { growth: Set<number> }).growth.size);
    expect(growth, "the tuned model's answer grew piece by piece").toBeGreaterThan(2);
    await page.screenshot({ path: "test-results/screenshots/ship-playground-1280.png", fullPage: true });
    await expectAccessible(page, "playground with the tuned model");
    lap("playground stream");

    // 5. The wizard: a new job with tuned:<run> as the student writes rows that name it.
    const next = uniqueName("Ship round two");
    await page.goto("/generate/");
    await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByLabel("Teacher")).toHaveValue(BUNDLED);
    await page.getByLabel("Student").selectOption(tuned);
    await expect(page.getByLabel("Student").locator("option:checked")).toHaveText(`Tuned: ${name} run`);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Dataset name").fill(next);
    await page.getByLabel("Number of rows").fill("2");
    await page.getByLabel("Teacher share (%)").fill("50");
    await page.getByLabel("Judged share (%)").fill("0");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("button", { name: "Start generation" }).click();
    await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
    const jobId = new URL(page.url()).searchParams.get("id") ?? "";
    const round = (await (await page.request.get(`/api/v1/jobs/${jobId}`)).json()) as { config: { student?: string } };
    expect(round.config.student).toBe(tuned);
    await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 420_000 });
    const ended = (await (await page.request.get(`/api/v1/jobs/${jobId}`)).json()) as Job;
    expect(ended.accepted).toBeGreaterThan(0);
    const listed = (await (await page.request.get(`/api/v1/datasets/${ended.dataset_id}/examples?page_size=50`)).json()) as {
      items: { id: string }[];
    };
    const models: unknown[] = [];
    for (const row of listed.items) {
      const detail = (await (await page.request.get(`/api/v1/datasets/${ended.dataset_id}/examples/${row.id}`)).json()) as {
        provenance: { model?: unknown };
      };
      models.push(detail.provenance.model);
    }
    expect(models, "a row the tuned student wrote names it").toContain(tuned);
    lap("second round with the tuned student");
  } finally {
    if (runId) await stopRun(page.request, runId);
    const removed = await apiDelete(page.request, "/api/v1/providers/e2e-fake");
    expect([204, 404]).toContain(removed.status());
    test.info().annotations.push({ type: "steps", description: steps.join("; ") });
    process.stdout.write(`ship.spec steps: ${steps.join("; ")}\n`);
  }
});
