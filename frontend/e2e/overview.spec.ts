import { expect, test } from "@playwright/test";

import { formatUsd } from "../src/lib/money";
import { createDataset, generatedJsonl, uniqueName } from "./data";
import { LIST_PATTERNS, expectLiveWorker, looksNew, signIn } from "./helpers";
import { startJob, stopJob } from "./jobs-data";

test("Settings → System shows a healthy database, broker and a live worker", async ({ page }) => {
  await signIn(page, "/settings/system/");
  await expect(page.getByRole("heading", { level: 1, name: "System" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveAttribute("aria-current", "page");
  const sections = page.getByRole("navigation", { name: "Settings sections" });
  await expect(sections.getByRole("link", { name: "System" })).toHaveAttribute("aria-current", "page");

  for (const name of ["API", "Database", "Broker"]) {
    const card = page.getByRole("region", { name, exact: true });
    await expect(card.getByText("ok", { exact: true })).toBeVisible();
    await expect(card).toContainText(/\d+(\.\d+)? ms/);
  }

  await expectLiveWorker(page);
  const workers = page.getByRole("region", { name: "Workers" });
  await expect(workers).toContainText(/pid \d+ on /);
  await expect(workers).toContainText(/last seen/);
  // Two workers: one for the default queue, one for the llm and gpu queues (e2e/serve.sh).
  const queues = workers.getByRole("list", { name: "Queues" });
  await expect(queues.filter({ hasText: "default" })).toHaveCount(1);
  await expect(queues.filter({ hasText: "gpu" })).toHaveCount(1);

  const platform = page.getByRole("region", { name: "Platform" });
  await expect(platform).toContainText("Embedded");
  await expect(platform).toContainText("sqlite");
  const resources = page.getByRole("region", { name: "Host resources" });
  await expect(resources.getByRole("meter")).toHaveCount(3);

  // The Tasks page moved out of the main navigation: Settings → Tasks reaches it.
  await sections.getByRole("link", { name: "Tasks" }).click();
  await expect(page).toHaveURL(/\/tasks\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Tasks" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveAttribute("aria-current", "page");
});

test("the overview counts datasets and examples, shows this month's spend and lists running jobs", async ({ page }) => {
  await signIn(page);
  const before = (await (await page.request.get("/api/v1/analytics/summary")).json()) as {
    datasets: number;
    examples: number;
    spent_this_month_usd: string;
  };
  const dataset = await createDataset(page.request, uniqueName("Counted"), generatedJsonl(7));
  // Counted before the job starts: its rows arrive as it runs.
  await page.goto("/");
  await expect(page.getByTestId("summary-datasets")).toHaveText(String(before.datasets + 1));
  await expect(page.getByTestId("summary-examples")).toHaveText((before.examples + 7).toLocaleString("en-US"));
  // Nothing ran since: the spend is as before (other specs' playground calls may have spent).
  await expect(page.getByTestId("summary-spend")).toHaveText(formatUsd(before.spent_this_month_usd));
  const job = await startJob(page.request, uniqueName("Overview run"), 40);
  try {
    await page.reload();
    await expect(page.getByTestId("summary-datasets")).toHaveText(String(before.datasets + 2));
    const running = page.getByRole("list", { name: "Running jobs" });
    await expect(running.getByRole("link", { name: "qa · 40 rows" })).toHaveAttribute("href", `/jobs/detail/?id=${job.id}`);
    await expect(running.getByRole("progressbar", { name: "Progress of qa · 40 rows" })).toHaveAttribute("aria-valuemax", "40");
    await expect(running.getByTestId("running-job-activity").first()).not.toBeEmpty();
    const recent = page.getByRole("list", { name: "Recent datasets" });
    await expect(recent.getByRole("link", { name: dataset.name })).toHaveAttribute(
      "href",
      `/datasets/detail/?id=${dataset.id}`,
    );
    await expect(page.getByRole("region", { name: "Getting started" })).toHaveCount(0);
    await expect(page.getByTestId("health-line")).toContainText("All systems working");
  } finally {
    await stopJob(page.request, job.id);
  }
  await page.reload();
  await expect(page.getByText("No job is running.")).toBeVisible();
});

test("a running job on the overview says where it is: queued with its place in line", async ({ page }) => {
  await signIn(page);
  const job = await startJob(page.request, uniqueName("Queued run"), 30);
  try {
    await page.route("**/api/v1/jobs?*status=running*", async (route) => {
      const real = (await (await route.fetch()).json()) as { items: { id: string; activity: object }[] };
      const items = real.items.map((item) =>
        item.id === job.id
          ? {
              ...item,
              activity: { ...item.activity, state: "queued", queue_position: 2, in_flight: 0, workers: [], summary: "Waiting for a worker: 1 job is ahead of it." },
            }
          : item,
      );
      await route.fulfill({ json: { ...real, items } });
    });
    await page.goto("/");
    const row = page.getByRole("list", { name: "Running jobs" }).getByRole("listitem").filter({ hasText: "qa · 30 rows" });
    await expect(row.getByText("queued #2", { exact: true })).toBeVisible();
    await expect(row.getByTestId("running-job-activity")).toHaveText("Waiting for a worker: 1 job is ahead of it.");
  } finally {
    await stopJob(page.request, job.id);
  }
});

test("a new installation's overview shows the getting-started guide", async ({ page }) => {
  await signIn(page);
  await looksNew(page);
  await page.goto("/");
  const guide = page.getByRole("region", { name: "Getting started" });
  await expect(guide).toBeVisible();
  const steps = guide.getByRole("list", { name: "Steps" }).getByRole("listitem");
  await expect(steps).toHaveCount(4);
  await expect(steps.nth(0)).toContainText("Add a provider key");
  await expect(steps.nth(0)).toContainText("bundled demo model");
  await expect(steps.nth(0).getByRole("link", { name: "Settings" })).toHaveAttribute("href", "/settings/");
  await expect(steps.nth(1).getByRole("link", { name: "Generate one" })).toHaveAttribute("href", "/generate/");
  await expect(steps.nth(1).getByRole("link", { name: "upload one" })).toHaveAttribute("href", "/datasets/");
  await expect(steps.nth(2)).toContainText("Curate and export");
  await expect(steps.nth(3).getByRole("link", { name: "Fine-tune" })).toHaveAttribute("href", "/finetune/");
  await expect(page.getByText("No dataset yet.")).toBeVisible();
  await expect(page.getByText("No job is running.")).toBeVisible();

  // Once there is something, the guide steps aside.
  await createDataset(page.request, uniqueName("Not new"), generatedJsonl(3));
  for (const pattern of LIST_PATTERNS) await page.unroute(pattern);
  await page.reload();
  await expect(page.getByRole("list", { name: "Recent datasets" })).toBeVisible();
  await expect(guide).toHaveCount(0);
});

test("the health line says what is wrong and leads to Settings → System", async ({ page }) => {
  await signIn(page);
  await page.route("**/api/v1/system/status", async (route) => {
    const real = (await (await route.fetch()).json()) as { health: Record<string, object> };
    await route.fulfill({
      json: { ...real, health: { ...real.health, broker: { status: "down", latency_ms: null, detail: "connection refused" } } },
    });
  });
  await page.goto("/");
  const line = page.getByTestId("health-line");
  await expect(line).toContainText("The broker is down");
  await line.getByRole("link", { name: "Open Settings → System" }).click();
  await expect(page).toHaveURL(/\/settings\/system\/$/);
  const broker = page.getByRole("region", { name: "Broker" });
  await expect(broker.getByText("down", { exact: true })).toBeVisible();
  await expect(broker).toContainText("connection refused");
});
