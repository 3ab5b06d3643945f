import { expect, test, type Locator, type Page } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { apiPost, signIn } from "./helpers";

/** A dataset's detail page on a phone (390 px): nothing cut at the right edge, every tab reachable. */
const WIDTH = 390;

/** Whether the element lies wholly inside the viewport's width. */
async function expectWithinWidth(locator: Locator): Promise<void> {
  await expect(locator).toBeVisible();
  const box = await locator.boundingBox();
  expect(box, "the element has a box").not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
}

/**
 * A dataset with three versions as people make them (a threshold kept the good rows, then one row was
 * removed), so its history has a Diff and an Export per row and counts in the thousands.
 */
async function threeVersions(page: Page): Promise<string> {
  const dataset = await createDataset(page.request, uniqueName("Narrow"), generatedJsonl(1500));
  const kept = await apiPost(page.request, `/api/v1/datasets/${dataset.id}/threshold`, {
    data: { min_score: 4.5, version: 1 },
  });
  expect(kept.status(), await kept.text()).toBe(200);
  const listed = await page.request.get(`/api/v1/datasets/${dataset.id}/examples?page_size=1`);
  const first = ((await listed.json()) as { items: { id: string }[] }).items[0]!.id;
  const removed = await apiPost(page.request, `/api/v1/datasets/${dataset.id}/examples/bulk`, {
    data: { action: "remove", ids: [first] },
  });
  expect(removed.status(), await removed.text()).toBe(200);
  return dataset.id;
}

test.beforeEach(async ({ page }) => {
  await page.setViewportSize({ width: WIDTH, height: 844 });
});

test("at 390 px the version history keeps its Export column on screen and every tab is reachable", async ({ page }) => {
  await signIn(page);
  const id = await threeVersions(page);
  await page.goto(`/datasets/detail/?id=${id}&tab=versions`);

  const history = page.getByRole("table", { name: "Versions, newest first" });
  await expectWithinWidth(history.getByRole("button", { name: "Export v3" }));
  await expectWithinWidth(history.getByRole("button", { name: "Export v2" }));
  await expectWithinWidth(history.getByRole("button", { name: "Export v1" }));
  await expectWithinWidth(history.getByRole("button", { name: "Compare v3 with v2" }));
  // The history does not hide a column behind a sideways scroll.
  const scroller = history.locator("xpath=..");
  expect(await scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  // The page itself does not scroll sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(WIDTH);

  const tabs = page.getByRole("tablist", { name: "Dataset sections" });
  for (const name of ["Overview", "Examples", "Threshold", "Versions", "Duplicates"]) {
    await expectWithinWidth(tabs.getByRole("tab", { name }));
  }
  await expectWithinWidth(tabs.getByRole("tab", { name: "Versions", selected: true }));
  await tabs.getByRole("tab", { name: "Duplicates" }).click();
  await expectWithinWidth(tabs.getByRole("tab", { name: "Duplicates", selected: true }));
  await page.screenshot({ path: "test-results/screenshots/dataset-duplicates-tab-390.png", fullPage: true });

  await tabs.getByRole("tab", { name: "Versions" }).click();
  await expectWithinWidth(history.getByRole("button", { name: "Export v1" }));
  await page.screenshot({ path: "test-results/screenshots/dataset-versions-390.png", fullPage: true });
});

test("at 390 px the version page's Review and Export do not look disabled while the page loads", async ({ page }) => {
  await signIn(page);
  const id = await threeVersions(page);
  // Hold the page's reads back, to look at it while it loads.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/v1/datasets/**", async (route) => {
    await held;
    await route.fallback();
  });
  await page.goto(`/datasets/detail/?id=${id}&tab=versions`);
  await expect(page.getByRole("status").filter({ hasText: "Loading the dataset…" })).toBeVisible();
  // Whatever shows while loading, no button or link looks disabled (a dimmed, not-allowed control).
  const dimmed = await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>("main button, main a"))
      .filter((el) => el.offsetParent !== null)
      .filter((el) => (el as HTMLButtonElement).disabled || Number(getComputedStyle(el).opacity) < 0.9)
      .map((el) => el.textContent?.trim() ?? ""),
  );
  expect(dimmed).toEqual([]);
  await page.screenshot({ path: "test-results/screenshots/dataset-versions-loading-390.png", fullPage: true });
  release();
  const review = page.getByRole("link", { name: "Review" });
  const exportButton = page.getByRole("button", { name: "Export", exact: true });
  await expect(review).toBeVisible();
  await expect(exportButton).toBeEnabled();
  await expectWithinWidth(review);
  await expectWithinWidth(exportButton);
  expect(await exportButton.evaluate((el) => Number(getComputedStyle(el).opacity))).toBe(1);
});
