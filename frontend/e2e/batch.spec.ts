import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { apiPost, signIn } from "./helpers";
import { stopJob } from "./jobs-data";

test("the wizard offers batch delivery, prices it and starts the job with it", async ({ page }) => {
  const deliveries: unknown[] = [];
  await page.route("**/api/v1/jobs/estimate", async (route) => {
    deliveries.push((route.request().postDataJSON() as { delivery?: unknown }).delivery);
    await route.fallback();
  });
  await signIn(page, "/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(uniqueName("Batched"));
  await page.getByLabel("Number of rows").fill("3");

  const delivery = page.getByRole("group", { name: "Delivery" });
  await expect(delivery.getByRole("radio", { name: /Online/ })).toBeChecked();
  await delivery.getByRole("radio", { name: /Batch \(50% off, answers within hours\)/ }).check();
  await expect.poll(() => deliveries.at(-1)).toBe("batch");
  await page.screenshot({ path: "test-results/screenshots/generate-delivery-1280.png", fullPage: true });
  await page.getByRole("button", { name: "Next" }).click();

  const review = (label: string) => page.locator("dt", { hasText: label }).locator("xpath=following-sibling::dd[1]");
  await expect(review("Delivery")).toHaveText("batch: 50% off, answers within hours");
  await page.getByRole("button", { name: "Start generation" }).click();
  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=[0-9a-f-]{36}$/);
  const id = new URL(page.url()).searchParams.get("id") ?? "";
  try {
    // The bundled model has no batch API: its requests go online, and the panel says none was submitted.
    const panel = page.getByRole("region", { name: "Provider batches" });
    await expect(panel.getByTestId("job-batches-empty")).toHaveText("No batch submitted yet.");
  } finally {
    await stopJob(page.request, id);
  }
});

test("the wizard offers auto delivery with a deadline and starts the job with it", async ({ page }) => {
  const bodies: { delivery?: unknown; deadline?: unknown }[] = [];
  await page.route("**/api/v1/jobs/estimate", async (route) => {
    bodies.push(route.request().postDataJSON() as { delivery?: unknown; deadline?: unknown });
    await route.fallback();
  });
  await signIn(page, "/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(uniqueName("Auto"));
  await page.getByLabel("Number of rows").fill("3");

  const delivery = page.getByRole("group", { name: "Delivery" });
  await delivery.getByRole("radio", { name: /Auto \(batch until the deadline nears\)/ }).check();
  await page.getByLabel("Deadline (hours from now)").fill("30");
  await expect.poll(() => bodies.at(-1)?.delivery).toBe("auto");
  const due = Date.parse(String(bodies.at(-1)?.deadline));
  expect(Math.abs(due - (Date.now() + 30 * 3_600_000))).toBeLessThan(120_000);
  await page.getByRole("button", { name: "Next" }).click();

  const review = (label: string) => page.locator("dt", { hasText: label }).locator("xpath=following-sibling::dd[1]");
  await expect(review("Delivery")).toHaveText("auto: batch until the deadline (in 30 hours) is within the 24-hour batch window");
  const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/jobs/generate") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Start generation" }).click();
  const job = (await (await created).json()) as { id: string; config: { delivery: string; deadline: string } };
  try {
    expect(job.config.delivery).toBe("auto");
    expect(Date.parse(job.config.deadline)).toBeGreaterThan(Date.now() + 29 * 3_600_000);
    await expect(page).toHaveURL(/\/jobs\/detail\/\?id=[0-9a-f-]{36}$/);
  } finally {
    await stopJob(page.request, job.id);
  }
});

test("a batch job's page shows each provider batch: its state and how many requests it answered", async ({ page }) => {
  await signIn(page);
  const created = await apiPost(page.request, "/api/v1/jobs/generate", {
    data: { name: uniqueName("Batch panel"), data_type: "qa", count: 3, delivery: "batch" },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await stopJob(page.request, id); // an ended job has no live stream: the page reads the job once
  // No provider with a batch API answers here, so the job's batches are stood in for in its read model.
  const batches = [
    { batch_id: "batch_done1", model: "openai:gpt-4o", state: "completed", total: 2, answered: 2, failed: 0 },
    { batch_id: "batch_pending2", model: "openai:gpt-4o-mini", state: "in_progress", total: 40, answered: 12, failed: 3 },
  ].map((batch) => ({ ...batch, submitted_at: new Date(Date.now() - 600_000).toISOString(), checked_at: new Date().toISOString() }));
  await page.route(`**/api/v1/jobs/${id}`, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Record<string, unknown>;
    await route.fulfill({ response, json: { ...body, batches } });
  });
  await page.goto(`/jobs/detail/?id=${id}`);

  const panel = page.getByRole("region", { name: "Provider batches" });
  const rows = panel.getByTestId("job-batch");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("batch_done1");
  await expect(rows.nth(0)).toContainText("completed");
  await expect(panel.getByRole("progressbar", { name: "Batch batch_done1" })).toHaveAttribute("aria-valuetext", "2 of 2 answered");
  await expect(rows.nth(1)).toContainText("in progress");
  await expect(panel.getByRole("progressbar", { name: "Batch batch_pending2" })).toHaveAttribute(
    "aria-valuetext",
    "12 of 40 answered, 3 failed (sent online)",
  );
  await page.screenshot({ path: "test-results/screenshots/job-batches-1280.png", fullPage: true });
  const results = await new AxeBuilder({ page }).include('[aria-labelledby="job-batches-title"]').analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
  expect(serious).toEqual([]);
});
