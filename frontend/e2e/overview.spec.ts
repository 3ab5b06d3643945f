import { expect, test } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { expectLiveWorker, signIn } from "./helpers";
import { startJob, stopJob } from "./jobs-data";

test("the overview shows a healthy database, broker and a live worker", async ({ page }) => {
  await signIn(page);
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();

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
});

test("the overview counts datasets and examples, shows this month's spend and lists running jobs", async ({ page }) => {
  await signIn(page);
  const before = (await (await page.request.get("/api/v1/analytics/summary")).json()) as { datasets: number; examples: number };
  await createDataset(page.request, uniqueName("Counted"), generatedJsonl(7));
  const job = await startJob(page.request, uniqueName("Overview run"), 40);
  try {
    await page.goto("/");
    await expect(page.getByTestId("summary-datasets")).toHaveText(String(before.datasets + 2));
    await expect(page.getByTestId("summary-examples")).toHaveText((before.examples + 7).toLocaleString("en-US"));
    await expect(page.getByTestId("summary-spend")).toHaveText("$0"); // the bundled model is free
    const running = page.getByRole("list", { name: "Running jobs" });
    await expect(running.getByRole("link", { name: "qa · 40 rows" })).toHaveAttribute("href", `/jobs/detail/?id=${job.id}`);
    await expect(running.getByRole("progressbar", { name: "Progress of qa · 40 rows" })).toHaveAttribute("aria-valuemax", "40");
  } finally {
    await stopJob(page.request, job.id);
  }
  await page.reload();
  await expect(page.getByText("No job is running.")).toBeVisible();
});
