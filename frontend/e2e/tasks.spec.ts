import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

test("the worker diagnostic runs on a real worker and is listed as succeeded", async ({ page }) => {
  await signIn(page, "/tasks/");
  await expect(page.getByRole("heading", { level: 1, name: "Tasks" })).toBeVisible();

  await page.getByRole("button", { name: "Run worker diagnostic" }).click();
  const result = page.getByTestId("diagnostic-result");
  // The worker may still be starting up; the embedded broker delivers the probe once it is.
  await expect(result.getByText("succeeded", { exact: true })).toBeVisible({ timeout: 60_000 });

  const answer = page.getByTestId("diagnostic-answer");
  const pid = answer.locator("div", { hasText: "Process id" }).locator("dd");
  await expect(pid).toHaveText(/^\d+$/);
  await expect(answer.locator("div", { hasText: "Worker" }).first().locator("dd")).toHaveText(/^celery@/);
  await expect(answer.locator("div", { hasText: "Hostname" }).locator("dd")).not.toHaveText("—");

  // The list polls too: the probe shows up there as succeeded, and the status filter finds it.
  const table = page.getByRole("table", { name: "Background tasks, newest first" });
  await expect(table.getByRole("row").nth(1)).toContainText("system.diagnose");
  await expect(table.getByRole("row").nth(1)).toContainText("succeeded");
  await page.getByLabel("Status").selectOption("failed");
  await expect(page).toHaveURL(/status=failed/);
  // Other specs' tasks may have failed on purpose (a Hub push with a wrong token): the filter lists
  // only failed ones, and the diagnostic is not among them.
  await expect(page.getByText("No failed tasks").or(table.getByRole("row").nth(1))).toBeVisible();
  await expect(table.getByText("system.diagnose")).toHaveCount(0);
  await expect(table.getByRole("row").filter({ hasText: "succeeded" })).toHaveCount(0);
  await page.getByLabel("Status").selectOption("succeeded");
  await expect(table.getByRole("row").nth(1)).toContainText("system.diagnose");
});
