import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

// The real stack is healthy, so failures and empty answers are injected at the network layer.

test("the System page says why it cannot load and recovers on retry", async ({ page }) => {
  await signIn(page, "/tasks/");
  await page.route("**/api/v1/system/status", (route) =>
    route.fulfill({ status: 500, json: { error: "internal_error", detail: "database exploded" } }),
  );
  await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "System" }).click();

  const alert = page.getByRole("alert").filter({ hasText: "Could not load the system status" });
  await expect(alert).toContainText("database exploded");
  await expect(page.getByRole("region", { name: "API", exact: true })).toContainText("down");
  await page.screenshot({ path: "test-results/screenshots/system-error-1280.png", fullPage: true });

  await page.unroute("**/api/v1/system/status");
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByRole("region", { name: "Database" }).getByText("ok", { exact: true })).toBeVisible();
});

test("the overview says when it cannot check the platform, and each part says why it cannot load", async ({ page }) => {
  await signIn(page, "/tasks/");
  await page.route("**/api/v1/system/status", (route) =>
    route.fulfill({ status: 500, json: { error: "internal_error", detail: "database exploded" } }),
  );
  await page.route("**/api/v1/datasets?*", (route) =>
    route.fulfill({ status: 500, json: { error: "internal_error", detail: "datasets unavailable" } }),
  );
  await page.route("**/api/v1/jobs?*", (route) =>
    route.fulfill({ status: 500, json: { error: "internal_error", detail: "jobs unavailable" } }),
  );
  await page.getByRole("link", { name: "Overview" }).click();

  const health = page.getByTestId("health-line");
  await expect(health).toContainText("Could not check the platform: database exploded");
  await expect(health.getByRole("link", { name: "Open Settings → System" })).toHaveAttribute("href", "/settings/system/");
  await expect(page.getByRole("alert").filter({ hasText: "Could not load the datasets" })).toContainText(
    "datasets unavailable",
  );
  const jobs = page.getByRole("alert").filter({ hasText: "Could not load the jobs" });
  await expect(jobs).toContainText("jobs unavailable");
  // Nothing could be counted, so no guide for a new installation either.
  await expect(page.getByRole("region", { name: "Getting started" })).toHaveCount(0);
  await page.screenshot({ path: "test-results/screenshots/overview-error-1280.png", fullPage: true });

  await page.unroute("**/api/v1/jobs?*");
  await jobs.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByText(/No job is running\.|qa · /).first()).toBeVisible();
});

test("the overview's health line leaves the hint for an API that does not answer to the banner", async ({ page }) => {
  await signIn(page, "/tasks/");
  await page.route("**/api/v1/system/status", (route) => route.abort("connectionrefused"));
  await page.getByRole("link", { name: "Overview" }).click();
  const health = page.getByTestId("health-line");
  await expect(health).toContainText("Could not check the platform: No answer from the API.", { timeout: 30_000 });
  await expect(health).not.toContainText("distillery serve");
});

test("empty answers show what would fill the page", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, "/tasks/");
  await page.route("**/api/v1/tasks?*", (route) =>
    route.fulfill({ json: { items: [], total: 0, page: 1, page_size: 20 } }),
  );
  await page.route("**/api/v1/system/status", async (route) => {
    const real = (await (await route.fetch()).json()) as Record<string, unknown>;
    await route.fulfill({ json: { ...real, workers: [], tasks_by_status: {} } });
  });

  await page.reload();
  await expect(page.getByText("No background tasks yet")).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/tasks-empty-390.png", fullPage: true });

  await page.goto("/settings/system/");
  await expect(page.getByText("No worker has reported in")).toBeVisible();
  await expect(page.getByText("No background tasks yet")).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/system-empty-390.png", fullPage: true });

  // On the overview, no live worker is something to act on.
  await page.goto("/");
  await expect(page.getByTestId("health-line")).toContainText("No worker is alive, so jobs wait");
});
