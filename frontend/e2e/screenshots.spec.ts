import { expect, test, type Page } from "@playwright/test";

import { BAD_JSONL, createDataset, generatedJsonl, uniqueName } from "./data";
import { startRun, stopRun } from "./finetune-data";
import { LIST_PATTERNS, apiPost, expectLiveWorker, looksNew, signIn } from "./helpers";
import { startJob, stopJob } from "./jobs-data";

const DIR = "test-results/screenshots";
const WIDTHS = [1280, 390] as const;

/** A full-page shot, or what is on screen (`fullPage` false: a modal dialog, which stays in the viewport). */
async function shoot(page: Page, name: string, width: number, fullPage = true): Promise<void> {
  await page.screenshot({ path: `${DIR}/${name}-${width}.png`, fullPage, animations: "disabled" });
}

/** Guarantees a finished task, so the tasks table and the chart have something to show. */
async function runDiagnostic(page: Page): Promise<void> {
  const sent = await apiPost(page.request, "/api/v1/system/diagnostics");
  expect(sent.status()).toBe(202);
  const { id } = (await sent.json()) as { id: string };
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/tasks/${id}`)).json()) as { status: string }).status, {
      timeout: 60_000,
    })
    .toBe("succeeded");
}

/** The overview as it is, then as a new installation sees it (no dataset, no job: the guide). */
async function shootOverview(page: Page, width: number, suffix: string): Promise<void> {
  await expect(page.getByTestId("health-line")).toContainText("All systems working");
  await expect(page.getByTestId("summary-datasets")).toBeVisible();
  await expect(page.getByRole("region", { name: "Recent datasets" }).getByRole("list")).toBeVisible();
  await shoot(page, `overview${suffix}`, width);
  await looksNew(page);
  await page.reload();
  await expect(page.getByRole("region", { name: "Getting started" })).toBeVisible();
  await expect(page.getByText("No dataset yet.")).toBeVisible();
  await expect(page.getByTestId("summary-datasets")).toBeVisible();
  await shoot(page, `overview-new${suffix}`, width);
  for (const pattern of LIST_PATTERNS) await page.unroute(pattern);
}

for (const width of WIDTHS) {
  test(`screenshots of every page at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });

    await page.goto("/login/");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await shoot(page, "login", width);

    await signIn(page);
    // Something for the overview to list, whichever specs ran before.
    await createDataset(page.request, uniqueName("Support answers"), generatedJsonl(20));
    await runDiagnostic(page);
    await expectLiveWorker(page);
    await expect(page.getByRole("img", { name: /Tasks by status/ })).toBeVisible();
    await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
    await shoot(page, "system", width);

    await page.goto("/");
    await shootOverview(page, width, "");

    await page.goto("/tasks/");
    await expect(page.getByRole("table")).toBeVisible();
    await page.getByRole("button", { name: "Run worker diagnostic" }).click();
    await expect(page.getByTestId("diagnostic-answer")).toBeVisible({ timeout: 60_000 });
    await shoot(page, "tasks", width);

    // Dark mode follows the system setting (prefers-color-scheme).
    await page.emulateMedia({ colorScheme: "dark" });
    await shoot(page, "tasks-dark", width);
    await page.goto("/settings/system/");
    await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
    await shoot(page, "system-dark", width);
    await page.goto("/");
    await shootOverview(page, width, "-dark");
    await page.emulateMedia({ colorScheme: "light" });

    if (width < 1024) {
      await page.getByRole("button", { name: "Open navigation" }).click();
      await expect(page.locator("#mobile-menu")).toBeVisible();
      await shoot(page, "menu", width);
    }
  });
}

/** The dataset pages in one colour scheme: the list, an upload refused by line, the detail tabs, dialogs. */
async function shootDatasets(page: Page, width: number, id: string, suffix: string): Promise<void> {
  await page.goto("/datasets/");
  await expect(page.getByRole("table", { name: "Datasets" })).toBeVisible();
  await shoot(page, `datasets${suffix}`, width);
  await page.getByRole("button", { name: "Upload" }).click();
  const upload = page.getByRole("dialog", { name: "Upload a dataset" });
  await upload
    .getByLabel("Choose a file")
    .setInputFiles({ name: "mixed.jsonl", mimeType: "text/plain", buffer: Buffer.from(BAD_JSONL) });
  await upload.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(upload.getByRole("alert")).toBeVisible();
  await shoot(page, `datasets-upload-errors${suffix}`, width, false);

  await page.goto(`/datasets/detail/?id=${id}`);
  await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await shoot(page, `dataset-overview${suffix}`, width);
  await page.getByRole("button", { name: "Export" }).click();
  await page.getByLabel("Train / validation / test, a file each").check();
  await shoot(page, `dataset-export${suffix}`, width, false);
  await page.keyboard.press("Escape");

  await page.getByRole("tab", { name: "Examples" }).click();
  await page.getByRole("button", { name: "Edit example 1", exact: true }).click();
  await expect(page.getByRole("form", { name: "Edit example 1" })).toBeVisible();
  await shoot(page, `dataset-examples${suffix}`, width);
  await page.getByRole("button", { name: "Details of example 3", exact: true }).click();
  await expect(page.getByRole("dialog", { name: "Example 3" })).toContainText("Where it came from");
  await shoot(page, `dataset-provenance${suffix}`, width, false);
  await page.keyboard.press("Escape");

  await page.getByRole("tab", { name: "Versions" }).click();
  await expect(page.getByRole("region", { name: "Changed examples" })).toBeVisible();
  await shoot(page, `dataset-versions${suffix}`, width);
}

for (const width of WIDTHS) {
  test(`screenshots of the dataset pages at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });
    await signIn(page);
    const dataset = await createDataset(page.request, uniqueName("Support answers"), generatedJsonl(40));
    // A second version, so the versions tab has a diff to show.
    const examples = await page.request.get(`/api/v1/datasets/${dataset.id}/examples?page_size=2`);
    const [, second] = ((await examples.json()) as { items: { id: string }[] }).items;
    await apiPost(page.request, `/api/v1/datasets/${dataset.id}/examples/bulk`, {
      data: { action: "remove", ids: [second?.id] },
    });

    await shootDatasets(page, width, dataset.id, "");
    await page.emulateMedia({ colorScheme: "dark" });
    await shootDatasets(page, width, dataset.id, "-dark");
  });
}

/** Generate, jobs, analytics and settings in one colour scheme; `jobId` is a job that is running. */
async function shootOperations(page: Page, width: number, jobId: string, suffix: string): Promise<void> {
  await page.goto("/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await expect(page.getByTestId("estimate-total")).toBeVisible();
  await shoot(page, `generate${suffix}`, width);
  await page.goto("/jobs/");
  await expect(page.getByRole("table", { name: "Jobs" })).toBeVisible();
  await shoot(page, `jobs${suffix}`, width);
  await page.goto(`/jobs/detail/?id=${jobId}`);
  await expect(page.getByTestId("stage-seed")).toBeVisible();
  await shoot(page, `job-detail${suffix}`, width);
  await page.goto("/analytics/");
  await expect(page.getByTestId("savings-amount")).toBeVisible();
  await shoot(page, `analytics${suffix}`, width);
  await page.goto("/settings/");
  await expect(page.getByRole("list", { name: "Users" })).toBeVisible();
  await shoot(page, `settings${suffix}`, width);
}

for (const width of WIDTHS) {
  test(`screenshots of the generate, jobs, analytics and settings pages at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });
    await signIn(page);
    const { id } = await startJob(page.request, `Screenshot job ${width}`, 40);
    try {
      await shootOperations(page, width, id, "");
      await page.emulateMedia({ colorScheme: "dark" });
      await shootOperations(page, width, id, "-dark");
    } finally {
      await stopJob(page.request, id);
    }
  });
}

/** The fine-tune list with its form (advanced settings open) and the page of a run that is training. */
async function shootFinetune(page: Page, width: number, runId: string, suffix: string): Promise<void> {
  await page.goto("/finetune/");
  await expect(page.getByRole("table", { name: "Fine-tune runs" })).toBeVisible();
  await page.getByText("Advanced settings").click();
  await shoot(page, `finetune${suffix}`, width);
  await page.goto(`/finetune/detail/?id=${runId}`);
  await expect(page.getByTestId("run-status")).toBeVisible();
  await shoot(page, `finetune-run${suffix}`, width);
}

for (const width of WIDTHS) {
  test(`screenshots of the fine-tune pages at ${width} px`, async ({ page }) => {
    test.setTimeout(240_000);
    await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });
    await signIn(page);
    const dataset = await createDataset(page.request, uniqueName("Tune shots"), generatedJsonl(12));
    const run = await startRun(page.request, dataset.id, `Screenshot run ${width}`, { evaluate: false });
    try {
      // A run that has stepped at least once, so the loss chart has a line.
      await page.goto(`/finetune/detail/?id=${run.id}`);
      await expect(page.getByTestId("run-steps")).toHaveText(/^[12] \/ 2 steps$/, { timeout: 180_000 });
      await shootFinetune(page, width, run.id, "");
      await page.emulateMedia({ colorScheme: "dark" });
      await shootFinetune(page, width, run.id, "-dark");
    } finally {
      await stopRun(page.request, run.id);
    }
  });
}
