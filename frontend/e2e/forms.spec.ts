import { readFileSync } from "node:fs";
import path from "node:path";

import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

type Limits = { maximum?: number; minimum?: number; maxLength?: number };
type Property = Limits & { anyOf?: Limits[] };

/** A field's limits in the committed OpenAPI document (the source the forms' limits are generated from). */
function schemaLimits(schema: string, field: string): Limits {
  const spec = JSON.parse(readFileSync(path.join(__dirname, "..", "openapi.json"), "utf8")) as {
    components: { schemas: Record<string, { properties: Record<string, Property> }> };
  };
  const property = spec.components.schemas[schema]?.properties[field];
  if (!property) throw new Error(`${schema}.${field} is not in openapi.json`);
  // A nullable field keeps its limits on the non-null branch.
  return Object.assign({}, ...(property.anyOf ?? []), property) as Limits;
}

test("form controls take their limits from the API schema", async ({ page }) => {
  const batchSize = schemaLimits("FinetuneRequest", "batch_size");
  const name = schemaLimits("FinetuneRequest", "name");
  expect(batchSize.maximum).toBeDefined();
  expect(name.maxLength).toBeDefined();
  await signIn(page, "/finetune/");
  const form = page.getByRole("form", { name: "Start a fine-tune" });
  const batch = form.getByLabel("Batch size");
  await expect(batch).toHaveAttribute("min", String(batchSize.minimum));
  await expect(batch).toHaveAttribute("max", String(batchSize.maximum));
  await expect(form.getByLabel("Run name")).toHaveAttribute("maxlength", String(name.maxLength));
});

test("a field's hint, then its error, describe its control", async ({ page }) => {
  const maximum = schemaLimits("FinetuneRequest", "batch_size").maximum ?? 0;
  await signIn(page, "/finetune/");
  const form = page.getByRole("form", { name: "Start a fine-tune" });
  const batch = form.getByLabel("Batch size");
  await expect(batch).toHaveAccessibleDescription("Rows per step.");
  await expect(batch).not.toHaveAttribute("aria-invalid");

  await batch.fill(String(maximum + 1));
  await form.getByRole("button", { name: "Start fine-tune" }).click();
  const message = `Enter a value from 1 to ${maximum.toLocaleString("en-US")}.`;
  await expect(batch).toHaveAttribute("aria-invalid", "true");
  await expect(batch).toHaveAccessibleDescription(message);
  await expect(form.getByText("Rows per step.")).toBeHidden();
});

test("a checkbox with a hint is named by its label and described by the hint", async ({ page }) => {
  await signIn(page, "/datasets/");
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Upload a dataset" });
  const skip = dialog.getByRole("checkbox", { name: "Skip bad lines", exact: true });
  await expect(skip).toHaveAccessibleDescription("Store the good rows and list the lines that were left out.");
  await dialog.getByText("Skip bad lines", { exact: true }).click();
  await expect(skip).toBeChecked();
});
