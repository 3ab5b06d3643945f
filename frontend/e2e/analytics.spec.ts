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
  await page.getByLabel("From", { exact: true }).fill("2026-03-01");
  await page.getByLabel("To", { exact: true }).fill("2026-03-31");
  await expect
    .poll(() => asked.some((url) => url.includes("/cost/daily") && url.includes("since=2026-03-01") && url.includes("until=2026-03-31")))
    .toBe(true);
  await expect(page.getByRole("region", { name: "Spend over time" }).getByText("No spend in this range")).toBeVisible();

  asked.length = 0;
  await page.getByLabel("From", { exact: true }).fill("2026-04-15");
  await expect(page.getByLabel("To", { exact: true })).toHaveAttribute("aria-invalid", "true");
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

const costRow = (key: string, label: string | null, cost: string) => ({
  key,
  label,
  calls: 3,
  failed_calls: 0,
  unknown_cost_calls: 0,
  input_tokens: 120,
  output_tokens: 80,
  cost_usd: cost,
});

test("spend by dataset names each dataset, and says when calls had none or it was deleted", async ({ page }) => {
  await signIn(page);
  const id = "0b5e3f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
  await page.route("**/api/v1/analytics/cost?*group_by=dataset*", (route) =>
    route.fulfill({
      json: {
        group_by: "dataset",
        since: null,
        until: null,
        rows: [costRow(id, "Support FAQ", "0.5"), costRow("None", null, "0.2"), costRow("9f6d1c52-f35d-43ed-8cfa-ecb7b20035c6", null, "0.1")],
        total_usd: "0.8",
      },
    }),
  );
  await page.goto("/analytics/");
  const table = page.getByRole("region", { name: "Spend by dataset" });
  const link = table.getByRole("link", { name: "Support FAQ" });
  await expect(link).toHaveAttribute("href", new RegExp(id));
  await expect(table.getByText("No dataset")).toBeVisible();
  await expect(table.getByText("Deleted dataset 9f6d1c52")).toBeVisible();
  await expect(table.getByText(id.slice(0, 8), { exact: true })).toHaveCount(0);
});

test("a range of free calls charts their tokens instead of an empty spend chart", async ({ page }) => {
  await signIn(page);
  await page.route("**/api/v1/analytics/cost/daily*", (route) =>
    route.fulfill({
      json: [
        { day: "2026-12-01", key: "local", cost_usd: "0", calls: 4, input_tokens: 900, output_tokens: 300 },
        { day: "2026-12-02", key: "local", cost_usd: "0", calls: 2, input_tokens: 400, output_tokens: 100 },
      ],
    }),
  );
  await page.goto("/analytics/");
  const chart = page.getByRole("region", { name: "Spend over time" });
  await expect(chart.getByTestId("free-run-note")).toContainText("Every call in this range was free");
  await expect(chart.getByRole("img", { name: /^Tokens per day by provider: 1,700 tokens over 2 days/ })).toBeVisible();
  await expect(chart.getByText("No spend in this range")).toHaveCount(0);
});

test("when the API does not answer, one banner says so and every card just says it got no answer", async ({ page }) => {
  await signIn(page);
  let down = true;
  await page.route("**/api/v1/analytics/**", (route) => (down ? route.abort("connectionrefused") : route.fallback()));
  await page.goto("/analytics/");
  const banner = page.getByTestId("api-down");
  await expect(banner).toContainText("Is distillery serve running?", { timeout: 30_000 });
  await expect(page.getByText("No answer from the API.").first()).toBeVisible();
  // The hint once, not once per card.
  await expect(page.getByText(/Is .?distillery serve.? running/)).toHaveCount(1);
  down = false;
  await banner.getByRole("button", { name: "Retry now" }).click();
  await expect(banner).toBeHidden();
  await expect(page.getByText("No answer from the API.")).toHaveCount(0);
});
