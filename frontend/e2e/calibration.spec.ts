import { expect, test } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { AXE_TAGS_WCAG21_AA, expectAccessible, signIn } from "./helpers";

const DIR = "test-results/screenshots";

// The judge scores of generatedJsonl's rows (data.ts): 4.0, 7.7, 5.4, 9.1, 6.8, 4.5, 8.2, 5.9, ...
const score = (i: number) => Math.round(40 + ((i * 37) % 60)) / 10;
// The reviewer keeps what scores 6.5 or more, except row 8 (5.9, kept) and row 18 (6.9, removed).
const verdict = (i: number) => (i === 7 ? "a" : i === 17 ? "r" : score(i) >= 6.5 ? "a" : "r");
const rating = (i: number) => (i === 7 ? 4 : score(i) >= 9 ? 5 : score(i) >= 8 ? 4 : score(i) >= 7 ? 3 : score(i) >= 6 ? 2 : 1);

test("20 rows reviewed by keyboard calibrate the judge; its recommended threshold is applied", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Calibrate"), generatedJsonl(21));
  await page.goto(`/datasets/review/?id=${dataset.id}`);
  const row = page.getByRole("region", { name: /^Row \d/ });
  const rated = page.getByLabel("Your rating");
  await expect(row).toContainText("Question 1:");
  await expect(row.getByRole("button", { name: /Skip to next/ })).toHaveAttribute("aria-keyshortcuts", "s n");
  await expect(rated).toHaveAttribute("aria-keyshortcuts", "1 2 3 4 5");
  await expectAccessible(page, "review queue", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/calibration-queue-1280.png`, fullPage: true });

  // Keyboard alone: a digit rates the row, a or r decides it, n moves past the last one undecided.
  for (let i = 0; i < 20; i++) {
    await expect(row).toContainText(`Question ${i + 1}:`);
    await page.keyboard.press(String(rating(i)));
    await expect(rated).toHaveValue(String(rating(i)));
    await page.keyboard.press(verdict(i));
  }
  await expect(row).toContainText("Question 21:");
  await page.keyboard.press("n");
  await expect(page.getByText("No row left after the skipped ones")).toBeVisible();
  await expect(page.getByText("1 row you skipped is still pending.")).toBeVisible();
  const counts = page.getByLabel("Rows by decision");
  await expect(counts).toContainText(/pending\s*1/);
  await expect(counts).toContainText(/accepted\s*11/);
  await expect(counts).toContainText(/rejected\s*9/);
  await expectAccessible(page, "review of 20 rows", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/calibration-review-1280.png`, fullPage: true });

  await page.getByRole("link", { name: "Calibrate the judge" }).click();
  await expect(page).toHaveURL(/tab=threshold/);
  const panel = page.getByRole("region", { name: "Calibrate the judge" });
  const agreement = panel.getByLabel("Agreement with the reviewers");
  // The slider starts at 0: the judge keeps every row, no better than chance.
  await expect(agreement).toContainText(/Cohen's kappa\s*0\.00/);
  await expect(agreement).toContainText(/Agreement\s*55%/);
  // Worked by hand: at 7.3 the judge removes rows 5 and 8, which the reviewer kept; kappa 162/202.
  await expect(panel.getByText(/Recommended threshold\s*7\.3: κ 0\.80, 90% agreement/)).toBeVisible();
  await panel.getByRole("button", { name: "Use recommended threshold" }).click();
  const slider = page.getByRole("slider", { name: "Minimum judge score" });
  await expect(slider).toHaveAttribute("aria-valuetext", "7.3");
  await expect(slider).toBeFocused();
  await expect(agreement).toContainText(/Cohen's kappa\s*0\.80/);
  await expect(agreement).toContainText(/Agreement\s*90%/);
  await expect(agreement).toContainText(/Spearman's rho\s*0\.\d\d/);
  await expect(agreement).toContainText(/Gold rows\s*20/);
  const matrix = panel.getByRole("table");
  await expect(matrix.getByRole("row", { name: /Reviewer keeps/ })).toHaveText(/Reviewer keeps.*92$/);
  await expect(matrix.getByRole("row", { name: /Reviewer removes/ })).toHaveText(/Reviewer removes.*09$/);
  const disagreements = panel.getByRole("list", { name: "Disagreements" }).getByRole("listitem");
  await expect(disagreements).toHaveCount(2);
  await expect(disagreements.nth(0)).toContainText("Question 5:");
  await expect(disagreements.nth(0)).toContainText("content_quality");
  await expect(disagreements.nth(1)).toContainText("Question 8:");
  await expect(disagreements.nth(1)).toContainText("rated 4/5");
  await expect(panel.getByRole("button", { name: "The slider is at the recommended threshold" })).toBeDisabled();
  await expectAccessible(page, "calibration", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/calibration-1280.png`, fullPage: true });

  // Applying stays the slider's one step: the 12 rows below 7.3 (the skipped row among them) go in v2.
  await page.getByRole("button", { name: "Remove 12 rows as v2" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved v2" })).toHaveText(/^Saved v2: 12 rows removed, 9 rows kept\./);
  // The gold set outlives the rows the version removed.
  await expect(agreement).toContainText(/Gold rows\s*20/);
  await expect(agreement).toContainText(/Cohen's kappa\s*0\.80/);

  await page.setViewportSize({ width: 390, height: 844 });
  await expect(panel.getByRole("table")).toBeVisible();
  // Nothing pushes the page sideways on a phone: the matrix scrolls inside its own box if it must. (Polled:
  // the histogram takes its new width from a resize observer, a moment after the viewport changes.)
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAccessible(page, "calibration at 390 px", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/calibration-390.png`, fullPage: true });
  await page.goto(`/datasets/review/?id=${dataset.id}`);
  await expect(page.getByText("No row left after the skipped ones").or(page.getByText(/Every row of this version/))).toBeVisible();
  await page.screenshot({ path: `${DIR}/calibration-review-390.png`, fullPage: true });
});

test("calibration with too few reviewed rows says how many more are needed", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Few gold"), generatedJsonl(4));
  await page.goto(`/datasets/review/?id=${dataset.id}`);
  const row = page.getByRole("region", { name: /^Row \d/ });
  await expect(row).toContainText("Question 1:");
  await page.keyboard.press("a");
  await expect(row).toContainText("Question 2:");
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=threshold`);
  const panel = page.getByRole("region", { name: "Calibrate the judge" });
  await expect(panel.getByText("Too few reviewed rows to calibrate the judge")).toBeVisible();
  await expect(panel).toContainText("1 reviewed row(s) with a judge score; calibrating the judge needs at least 5: review 4 more");
  await expect(panel.getByRole("link", { name: "Open the review queue" })).toBeVisible();
  await expectAccessible(page, "calibration, too few rows", AXE_TAGS_WCAG21_AA);
});
