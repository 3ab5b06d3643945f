import { expect, test } from "@playwright/test";

import { BAD_JSONL, createDataset, generatedJsonl, uniqueName } from "./data";
import { LIST_PATTERNS, expectAccessible, looksNew, signIn } from "./helpers";

const SCHEMES = ["light", "dark"] as const;

for (const scheme of SCHEMES) {
  test(`every page passes axe-core in ${scheme} mode`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto("/login/");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await expectAccessible(page, "sign-in");

    await signIn(page);
    await expect(page.getByTestId("health-line")).toContainText(/All systems working|needs attention/);
    await expect(page.getByRole("region", { name: "Recent datasets" })).toBeVisible();
    await expect(page.getByTestId("summary-datasets")).toBeVisible();
    await expectAccessible(page, "overview");
    await looksNew(page);
    await page.reload();
    await expect(page.getByRole("region", { name: "Getting started" })).toBeVisible();
    await expectAccessible(page, "overview of a new installation");
    for (const pattern of LIST_PATTERNS) await page.unroute(pattern);
    await page.goto("/settings/system/");
    await expect(page.getByRole("region", { name: "Database" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Workers" })).toBeVisible();
    await expectAccessible(page, "system");
    await page.goto("/tasks/");
    await expect(page.getByRole("heading", { level: 1, name: "Tasks" })).toBeVisible();
    await expectAccessible(page, "tasks");

    const dataset = await createDataset(page.request, uniqueName("Accessible"), generatedJsonl(24));
    await page.goto("/datasets/");
    await expect(page.getByRole("table", { name: "Datasets" })).toBeVisible();
    await expectAccessible(page, "datasets");
    await page.getByRole("button", { name: "Upload" }).click();
    const upload = page.getByRole("dialog", { name: "Upload a dataset" });
    await upload
      .getByLabel("Choose a file")
      .setInputFiles({ name: "bad.jsonl", mimeType: "text/plain", buffer: Buffer.from(BAD_JSONL) });
    await upload.getByRole("button", { name: "Upload", exact: true }).click();
    await expect(upload.getByRole("alert")).toBeVisible();
    await expectAccessible(page, "upload dialog with bad lines");
    await page.keyboard.press("Escape");

    await page.goto(`/datasets/detail/?id=${dataset.id}`);
    await expect(page.getByRole("img", { name: /^Judge scores/ })).toBeVisible();
    await expectAccessible(page, "dataset overview");
    await page.getByRole("button", { name: "Export" }).click();
    await expect(page.getByRole("dialog", { name: /^Export/ })).toBeVisible();
    await page.getByLabel("Train / validation / test, a file each").check();
    await expectAccessible(page, "export dialog");
    await page.keyboard.press("Escape");

    await page.getByRole("tab", { name: "Examples" }).click();
    await page.getByRole("button", { name: "Edit example 1", exact: true }).click();
    await expect(page.getByRole("form", { name: "Edit example 1" })).toBeVisible();
    await expectAccessible(page, "examples with the editor open");
    await page.getByRole("button", { name: "Details of example 2", exact: true }).click();
    await expect(page.getByRole("dialog", { name: "Example 2" })).toContainText("Where it came from");
    await expectAccessible(page, "provenance panel");
    await page.keyboard.press("Escape");

    await page.getByRole("tab", { name: "Versions" }).click();
    await expect(page.getByRole("table", { name: "Versions, newest first" })).toBeVisible();
    await expectAccessible(page, "versions");
  });
}
