import { expect, test } from "@playwright/test";

import { expectLiveWorker, signIn } from "./helpers";

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
  await expect(workers.getByRole("list", { name: "Queues" }).first()).toContainText("default");

  const platform = page.getByRole("region", { name: "Platform" });
  await expect(platform).toContainText("Embedded");
  await expect(platform).toContainText("sqlite");
  const resources = page.getByRole("region", { name: "Host resources" });
  await expect(resources.getByRole("meter")).toHaveCount(3);
});
