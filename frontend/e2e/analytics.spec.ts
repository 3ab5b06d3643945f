import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

test("the analytics page asks for the chosen date range and refuses a reversed one", async ({ page }) => {
  await signIn(page);
  const asked: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/v1/analytics/")) asked.push(request.url());
  });
  await page.goto("/analytics/");
  await expect(page.getByRole("heading", { level: 1, name: "Analytics" })).toBeVisible();
  for (const name of ["Spend over time", "Savings vs teacher only", "Quality", "Spend by dataset", "Spend by model"]) {
    await expect(page.getByRole("region", { name, exact: true })).toBeVisible();
  }
  await expect(page.getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true");

  await page.getByRole("button", { name: "All time" }).click();
  await expect(page.getByRole("button", { name: "All time" })).toHaveAttribute("aria-pressed", "true");
  await expect.poll(() => asked.some((url) => url.includes("/savings") && !url.includes("since="))).toBe(true);

  asked.length = 0;
  await page.getByLabel("From").fill("2026-03-01");
  await page.getByLabel("To").fill("2026-03-31");
  await expect
    .poll(() => asked.some((url) => url.includes("/cost/daily") && url.includes("since=2026-03-01") && url.includes("until=2026-03-31")))
    .toBe(true);
  await expect(page.getByRole("region", { name: "Spend over time" }).getByText("No spend in this range")).toBeVisible();

  asked.length = 0;
  await page.getByLabel("From").fill("2026-04-15");
  await expect(page.getByLabel("To")).toHaveAttribute("aria-invalid", "true");
  await page.waitForTimeout(300);
  expect(asked.filter((url) => url.includes("since=2026-04-15"))).toEqual([]);
});

test("the spend chart can split by model and stage, and a failed report offers a retry", async ({ page }) => {
  await signIn(page);
  let fail = true;
  await page.route("**/api/v1/analytics/cost/daily*", (route) =>
    fail ? route.fulfill({ status: 500, json: { error: "internal", detail: "ledger unavailable" } }) : route.fallback(),
  );
  await page.goto("/analytics/");
  const chart = page.getByRole("region", { name: "Spend over time" });
  await expect(chart.getByRole("alert")).toContainText("ledger unavailable");
  // The other reports do not depend on it.
  await expect(page.getByRole("region", { name: "Savings vs teacher only" }).getByTestId("savings-amount")).toBeVisible();
  fail = false;
  await chart.getByRole("button", { name: "Retry" }).click();
  await expect(chart.getByRole("alert")).toBeHidden();

  const split = page.waitForRequest((r) => r.url().includes("/cost/daily") && r.url().includes("split=stage"));
  await chart.getByLabel("By", { exact: true }).selectOption("stage");
  await split;
});

test("quality shows a pass rate for the seed and bulk stages", async ({ page }) => {
  await signIn(page, "/analytics/");
  const quality = page.getByRole("region", { name: "Quality", exact: true });
  await expect(quality.getByRole("progressbar", { name: "Pass rate of seed" })).toBeVisible();
  await expect(quality.getByRole("progressbar", { name: "Pass rate of bulk" })).toBeVisible();
});
