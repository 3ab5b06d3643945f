import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { apiPost, signIn } from "./helpers";
import { startJob, stopJob } from "./jobs-data";

test("the jobs list links each job to its page and filters by status", async ({ page }) => {
  await signIn(page);
  const job = await startJob(page.request, uniqueName("Listed"), 40);
  try {
    await page.goto("/jobs/");
    const table = page.getByRole("table", { name: "Jobs" });
    const row = table.getByRole("row").filter({ hasText: job.id.slice(0, 8) });
    await expect(row.getByRole("link", { name: "qa · 40 rows" })).toHaveAttribute("href", `/jobs/detail/?id=${job.id}`);
    await expect(row.getByRole("progressbar")).toHaveAttribute("aria-valuemax", "40");

    await page.getByLabel("Status").selectOption("completed");
    await expect(table.getByText(job.id.slice(0, 8))).toBeHidden();
    await page.getByLabel("Status").selectOption("");
    await row.getByRole("link").click();
    await expect(page).toHaveURL(new RegExp(`/jobs/detail/\\?id=${job.id}$`));
  } finally {
    await stopJob(page.request, job.id);
  }
});

test("a running job's page says where it is: queued, or in flight on a named worker", async ({ page }) => {
  await signIn(page);
  const job = await startJob(page.request, uniqueName("Located"), 40);
  try {
    await page.goto(`/jobs/detail/?id=${job.id}`);
    const where = page.getByTestId("job-activity");
    // Before a worker takes it up it says it is queued; then it names the worker process holding its items.
    await expect(where).toContainText(/Queued: waiting for a free worker|in flight on \S+ \(pid \d+\)|Between steps/);
    await expect(where).toContainText(/in flight on \S+ \(pid \d+\)/, { timeout: 60_000 });
  } finally {
    await stopJob(page.request, job.id);
  }
});

test("pause, resume and cancel are enabled only when the job's state allows them", async ({ page }) => {
  await signIn(page);
  // Big enough that it is still running while the test presses the buttons.
  const job = await startJob(page.request, uniqueName("Controlled"), 200);
  try {
    await page.goto(`/jobs/detail/?id=${job.id}`);
    const controls = page.getByRole("group", { name: "Job controls" });
    const button = (name: string) => controls.getByRole("button", { name });
    await expect(page.getByTestId("live-mode")).toHaveText("Updates: live");
    await expect(button("Pause")).toBeEnabled();
    await expect(button("Resume")).toBeDisabled();
    await expect(button("Retry failed")).toBeDisabled();

    await button("Pause").click();
    await expect(page.getByText("paused by a user")).toBeVisible();
    // While paused the budget can change (a job the budget paused resumes after a raise).
    await expect(page.getByLabel("Budget (US$)")).toHaveValue("");
    await page.getByLabel("Budget (US$)").fill("-1");
    await page.getByRole("button", { name: "Save budget" }).click();
    await expect(page.getByText("An amount in US dollars, or empty for none.")).toBeVisible();
    await page.getByLabel("Budget (US$)").fill("2.5");
    await page.getByRole("button", { name: "Save budget" }).click();
    await expect(page.locator("div", { hasText: /^Budget/ }).locator("dd").first()).toHaveText("$2.50");
    await expect(page.getByLabel("Budget (US$)")).toHaveValue("2.5");
    await expect(button("Pause")).toBeDisabled();
    await expect(button("Resume")).toBeEnabled();
    await expect(button("Cancel")).toBeEnabled();

    await button("Resume").click();
    await expect(button("Pause")).toBeEnabled();
    await expect(button("Resume")).toBeDisabled();

    await button("Cancel").click();
    await expect(button("Cancel")).toBeDisabled();
    await expect(button("Resume")).toBeEnabled();
    await expect(page.getByTestId("live-mode")).toHaveText("Updates: finished");
    const response = await page.request.get(`/api/v1/jobs/${job.id}`);
    expect(((await response.json()) as { status: string }).status).toBe("cancelled");
  } finally {
    await stopJob(page.request, job.id);
  }
});

test("when the live stream fails, the job page falls back to polling", async ({ page }) => {
  await signIn(page);
  const job = await startJob(page.request, uniqueName("Polled"), 40);
  try {
    await page.route("**/api/v1/jobs/*/events*", (route) => route.abort());
    await page.goto(`/jobs/detail/?id=${job.id}`);
    await expect(page.getByTestId("live-mode")).toHaveText("Updates: updating every 2 s");
    // A change made elsewhere reaches the page through the polling.
    await apiPost(page.request, `/api/v1/jobs/${job.id}/pause`);
    await expect(page.getByText("paused by a user")).toBeVisible();
  } finally {
    await stopJob(page.request, job.id);
  }
});

test("a job page for an unknown id says so, and a failing API shows an error with a retry", async ({ page }) => {
  await signIn(page);
  await page.goto("/jobs/detail/?id=00000000-0000-4000-8000-000000000000");
  await expect(page.getByText("There is no such job")).toBeVisible();
  await page.getByRole("link", { name: "Back to the jobs" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Jobs" })).toBeVisible();

  await page.route("**/api/v1/jobs?*", (route) => route.fulfill({ status: 500, json: { error: "internal", detail: "boom" } }));
  await page.reload();
  await expect(page.getByRole("alert").filter({ hasText: "Could not load the jobs" })).toContainText("boom");
  await page.unroute("**/api/v1/jobs?*");
  await page.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByRole("table", { name: "Jobs" })).toBeVisible();
});
