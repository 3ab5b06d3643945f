import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { AXE_TAGS_WCAG21_AA, expectAccessible, signIn } from "./helpers";

/** WCAG 2.1 at levels A and AA, and best practices. */
const PREVIEW_AXE_TAGS = [...AXE_TAGS_WCAG21_AA, "wcag21a"];

test("the wizard previews 3 real rows on the bundled model with their cost, in no dataset, before the full run", async ({ page, context }) => {
  // The bundled model writes on the CPU: the three rows (and the policy between them) take a while.
  test.setTimeout(480_000);
  const name = uniqueName("Preview");
  await signIn(page, "/generate/");
  const form = () => page.locator("form");
  await form().getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  // A new installation has only the bundled model, and the wizard says it is a demo.
  await expect(page.getByLabel("Teacher")).toHaveValue("local:smollm2-135m");
  await expect(page.getByTestId("demo-model-notice")).toContainText("The bundled model is a demo.");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(name);
  await page.getByLabel("Number of rows").fill("200");
  // No judge, so the preview also shows rows checked by their structure only.
  await page.getByLabel("Judged share (%)").fill("0");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Review" })).toBeVisible();

  const preview = page.getByTestId("preview");
  const started = page.waitForResponse((r) => r.url().endsWith("/api/v1/jobs/generate/preview") && r.request().method() === "POST");
  await preview.getByRole("button", { name: "Preview 3 rows" }).click();
  const response = await started;
  expect(response.status()).toBe(201);
  const job = (await response.json()) as { id: string; requested: number; preview: boolean };
  expect(job.requested).toBe(3);
  expect(job.preview).toBe(true);
  await expect(preview.getByTestId("preview-status")).toContainText("Writing 3 rows");

  await expect(preview.getByTestId("preview-status")).toContainText(/Preview (completed|failed)/, { timeout: 420_000 });
  // Its cost comes from the ledger: the bundled model is free, but its calls and tokens are counted.
  await expect(preview.getByTestId("preview-cost")).toHaveText(/^Cost: \$0 · [\d,]+ input \+ [\d,]+ output tokens over [1-9]\d* calls?$/);
  await expect(preview.getByTestId("demo-model-notice")).toContainText("Made with the demo model.");
  const rows = await preview.getByTestId("preview-row").count();
  await expect(preview.getByTestId("preview-summary")).toContainText(`0 judged, ${rows} checked by structure only`);
  if (rows > 0) await expect(preview.getByTestId("preview-row").first()).toContainText("structure checked only (not judged)");
  await page.screenshot({ path: "test-results/screenshots/generate-preview-1280.png", fullPage: true });
  await expectAccessible(page, "the wizard's preview", PREVIEW_AXE_TAGS);

  // The preview job's page says how its rows were checked; its rows are in no dataset.
  const other = await context.newPage();
  await other.goto(`/jobs/detail/?id=${job.id}`);
  const checks = other.getByTestId("job-checks");
  await expect(checks).toContainText("How the rows were checked");
  await expect(other.getByTestId("job-checks-text")).toContainText(`0 of ${rows} row`);
  await expect(other.getByRole("link", { name: "Open the dataset" })).toHaveCount(0);
  await other.screenshot({ path: "test-results/screenshots/job-checks-1280.png", fullPage: true });
  await expectAccessible(other, "a preview job's page", PREVIEW_AXE_TAGS);
  await other.close();
  const listed = (await (await page.request.get(`/api/v1/datasets?search=${encodeURIComponent(name)}`)).json()) as { total: number };
  expect(listed.total).toBe(0);

  // Then the full run: it starts, and the preview's rows are discarded.
  await page.getByRole("button", { name: "Start generation" }).click();
  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Job: qa · 200 rows");
  await expect.poll(async () => (await page.request.get(`/api/v1/jobs/${job.id}/preview`)).status()).toBe(404);
  const after = (await (await page.request.get(`/api/v1/datasets?search=${encodeURIComponent(name)}`)).json()) as { total: number };
  expect(after.total).toBe(1);
  await page.getByRole("group", { name: "Job controls" }).getByRole("button", { name: "Cancel" }).click();
});
