import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

test("a provider's rate limits are set in Settings → Providers, shown with their source, and kept after reload", async ({ page }) => {
  await signIn(page, "/settings/");
  const providers = page.getByRole("region", { name: "Providers and keys" });
  const summary = providers.getByTestId("limits-anthropic");
  await expect(summary).toContainText("Every model: no limits");

  await providers.getByRole("button", { name: "Set the rate limits of anthropic" }).click();
  const dialog = page.getByRole("dialog", { name: "Limits of anthropic" });
  const every = dialog.getByRole("group", { name: "Every model of anthropic" });
  await every.getByLabel("Requests per minute").fill("500");
  await every.getByLabel("Tokens per minute").fill("200000");

  await dialog.getByRole("button", { name: "Add a model" }).click();
  const model = dialog.getByRole("group", { name: "Model override 1" });
  await model.getByLabel("Model", { exact: true }).fill("claude-3-5-haiku-latest");
  // Out of range: the form says so and does not send it.
  await model.getByLabel("Max concurrency").fill("0");
  await expect(model.getByText(/A whole number from 1 to 1,024/)).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Save limits" })).toBeDisabled();
  await model.getByLabel("Max concurrency").fill("4");
  await model.getByLabel("Requests per minute").fill("60");
  await page.screenshot({ path: "test-results/screenshots/provider-limits-dialog-1280.png", fullPage: true });
  await dialog.getByRole("button", { name: "Save limits" }).click();
  await expect(dialog).toBeHidden();

  await expect(summary).toContainText("Every model: 500 RPM (set) · 200,000 TPM (set)");
  await expect(summary).toContainText("claude-3-5-haiku-latest: 60 RPM (set) · 200,000 TPM (set) · 4 at once (set)");
  await page.reload();
  await expect(summary).toContainText("Every model: 500 RPM (set) · 200,000 TPM (set)");
  await expect(summary).toContainText("claude-3-5-haiku-latest: 60 RPM (set) · 200,000 TPM (set) · 4 at once (set)");
  await page.screenshot({ path: "test-results/screenshots/provider-limits-1280.png", fullPage: true });

  // The form opens with what is set; removing the model's row and clearing the default clears them.
  await providers.getByRole("button", { name: "Set the rate limits of anthropic" }).click();
  await expect(every.getByLabel("Requests per minute")).toHaveValue("500");
  await expect(model.getByLabel("Model", { exact: true })).toHaveValue("claude-3-5-haiku-latest");
  await dialog.getByRole("button", { name: "Remove the limits of model claude-3-5-haiku-latest" }).click();
  await every.getByLabel("Requests per minute").fill("");
  await dialog.getByRole("button", { name: "Save limits" }).click();
  await expect(dialog).toBeHidden();
  await expect(summary).toContainText("Every model: 200,000 TPM (set)");
  await expect(summary).not.toContainText("claude-3-5-haiku-latest");
});
