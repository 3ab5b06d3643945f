import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { downloadFrom, signIn } from "./helpers";

/**
 * The whole loop on the bundled model: the wizard generates a one-row dataset (the teacher writes it,
 * structure checks only, so it takes one model call), the job page follows it to the end, the row is
 * edited and exported, and a quality job judges it into a new version.
 */
test("a dataset generated from the wizard finishes, is edited, exported and checked by a quality job", async ({ page }) => {
  test.setTimeout(480_000);
  const name = uniqueName("Finished run");
  await signIn(page, "/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByLabel("Teacher")).toHaveValue("local:smollm2-135m");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(name);
  await page.getByLabel("Number of rows").fill("1");
  await page.getByLabel("Teacher share (%)").fill("100");
  await page.getByLabel("Judged share (%)").fill("0");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("no row (structure checks only)")).toBeVisible();
  await page.getByRole("button", { name: "Start generation" }).click();

  // The job page follows the run live to its end.
  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
  await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId("job-accepted")).toHaveText("1 / 1");
  await expect(page.getByTestId("live-mode")).toHaveText("Updates: finished");
  await page.screenshot({ path: "test-results/screenshots/flow-job-completed-1280.png", fullPage: true });

  // The dataset holds the row the teacher wrote; edit its answer into a new version.
  await page.getByRole("link", { name: "Open the dataset" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  // Its scenario distribution: the row's drawn scenario against the job's targets.
  const scenarios = page.getByRole("region", { name: "Scenario distribution" });
  await expect(scenarios.getByTestId("scenario-distance")).toContainText("1 rows · off target by");
  await expect(scenarios.locator("figure")).toHaveAttribute("aria-label", /achieved against target/);
  await page.screenshot({ path: "test-results/screenshots/flow-dataset-overview-1280.png", fullPage: true });
  await page.getByRole("tab", { name: "Examples" }).click();
  await page.getByRole("button", { name: "Edit example 1", exact: true }).click();
  const editor = page.getByRole("form", { name: "Edit example 1" });
  const answer = editor.getByRole("textbox", { name: /^Message \d+$/ }).last();
  await answer.fill("An answer a person checked and rewrote.");
  await editor.getByRole("button", { name: "Save as new version" }).click();
  await expect(editor).toBeHidden();
  await expect(page.getByRole("heading", { name: "Examples in v2" })).toBeVisible();

  // The export downloads the edited row.
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Export “${name}”` });
  const file = await downloadFrom(page, dialog.getByRole("button", { name: "Download" }));
  expect(file.name).toMatch(/-v2\.jsonl$/);
  const rows = file.body.toString("utf8").trim().split("\n");
  expect(rows).toHaveLength(1);
  expect(rows[0]).toContain("An answer a person checked and rewrote.");
  await dialog.getByRole("button", { name: "Close" }).first().click();

  // A quality job judges the row; thresholds of 0 keep whatever the small judge scores.
  await page.getByRole("button", { name: "More", exact: true }).click();
  await page.getByRole("button", { name: "Quality check…" }).click();
  const quality = page.getByRole("dialog", { name: `Quality check of “${name}”` });
  await expect(quality.getByLabel("Judge", { exact: true })).toHaveValue("local:smollm2-135m");
  await quality.getByLabel("Remove rows scoring below").fill("0");
  await quality.getByLabel("Fix rows scoring below").fill("0");
  await page.screenshot({ path: "test-results/screenshots/flow-quality-dialog-1280.png" });
  await quality.getByRole("button", { name: "Start quality job" }).click();
  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Job: quality check · qa · 1 row");
  await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 180_000 });
  const verdicts = page.getByTestId("job-verdicts");
  await expect(verdicts.locator("div", { hasText: "Kept" }).locator("dd")).toHaveText("1");
  await expect(verdicts.locator("div", { hasText: "Removed" }).locator("dd")).toHaveText("0");
  await page.screenshot({ path: "test-results/screenshots/flow-quality-job-1280.png", fullPage: true });

  await page.getByRole("link", { name: "Open the dataset" }).click();
  await page.getByRole("tab", { name: "Versions" }).click();
  await expect(page.getByRole("table", { name: "Versions, newest first" }).getByRole("row").nth(1)).toContainText(
    "quality job: 1 kept, 0 fixed, 0 removed",
  );
});
