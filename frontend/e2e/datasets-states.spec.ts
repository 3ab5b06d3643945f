import { expect, test } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { signIn } from "./helpers";

// The real stack answers correctly, so failures and empty answers are injected at the network layer.

test("the dataset list says why it cannot load and recovers on retry", async ({ page }) => {
  await signIn(page);
  await page.route("**/api/v1/datasets?*", (route) =>
    route.fulfill({ status: 503, json: { error: "service_unavailable", detail: "the database is restarting" } }),
  );
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Datasets" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Could not load the datasets" });
  await expect(alert).toContainText("the database is restarting");
  await page.unroute("**/api/v1/datasets?*");
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByRole("table", { name: "Datasets" }).or(page.getByText("No datasets yet"))).toBeVisible();
});

test("with no datasets the list offers the upload", async ({ page }) => {
  await page.route("**/api/v1/datasets?*", (route) =>
    route.fulfill({ json: { items: [], total: 0, page: 1, page_size: 20 } }),
  );
  await signIn(page, "/datasets/");
  await expect(page.getByText("No datasets yet")).toBeVisible();
  await page.getByRole("button", { name: "Upload a dataset" }).click();
  await expect(page.getByRole("dialog", { name: "Upload a dataset" })).toBeVisible();
});

test("a dataset that does not exist says so; an empty filter result offers to clear it", async ({ page }) => {
  await signIn(page, "/datasets/detail/?id=00000000-0000-4000-8000-000000000000");
  await expect(page.getByText("There is no such dataset")).toBeVisible();
  await page.getByRole("link", { name: "Back to the datasets" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Datasets" })).toBeVisible();

  const dataset = await createDataset(page.request, uniqueName("Filtered"), generatedJsonl(4));
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=examples&q=no-such-text`);
  await expect(page.getByText("No example matches these filters")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.getByRole("navigation", { name: "Example pages" })).toContainText("of 4");
});

test("the examples say why they cannot load", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Broken"), generatedJsonl(2));
  await page.route("**/examples?*", (route) =>
    route.fulfill({ status: 500, json: { error: "internal_error", detail: "examples table is locked" } }),
  );
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=examples`);
  await expect(page.getByRole("alert").filter({ hasText: "Could not load the examples" })).toContainText(
    "examples table is locked",
  );
});
