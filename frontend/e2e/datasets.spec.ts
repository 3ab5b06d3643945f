import { expect, test, type Page } from "@playwright/test";

import { BAD_JSONL, createDataset, generatedJsonl, uniqueName } from "./data";
import { signIn } from "./helpers";

/** Drops a file on the upload dialog's drop zone, as a person dragging it from their desktop would. */
async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, text }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], name, { type: "application/x-ndjson" }));
      return transfer;
    },
    { name, text },
  );
  await page.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer });
}

async function datasetsNamed(page: Page, name: string): Promise<number> {
  const response = await page.request.get(`/api/v1/datasets?search=${encodeURIComponent(name)}`);
  return ((await response.json()) as { total: number }).total;
}

test("a dropped file becomes a dataset that the list finds by search, data type and domain", async ({ page }) => {
  await signIn(page, "/datasets/");
  const name = uniqueName("Dropped support");
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Upload a dataset" });
  await dropFile(page, "support.jsonl", generatedJsonl(12));
  await expect(dialog.getByText("support.jsonl")).toBeVisible();
  await expect(dialog.getByLabel("Name")).toHaveValue("support");
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Data type").selectOption("qa");
  await dialog.getByLabel("Domain (optional)").selectOption("customer_support");
  await dialog.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(dialog.getByRole("status")).toContainText(`Stored 12 examples from a JSONL file in ${name}`);

  await dialog.getByRole("button", { name: "Done" }).click();
  await page.getByLabel("Search").fill(name);
  const table = page.getByRole("table", { name: "Datasets" });
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table.getByRole("row").nth(1)).toContainText("12");
  await expect(page).toHaveURL(/q=Dropped/);

  await page.getByLabel("Data type").selectOption("code");
  await expect(page.getByText("No dataset matches these filters")).toBeVisible();
  await page.getByLabel("Data type").selectOption("qa");
  await page.getByLabel("Domain").selectOption("customer_support");
  await expect(table.getByRole("link", { name })).toBeVisible();
  await page.getByLabel("Domain").selectOption("legal_documentation");
  await expect(page.getByText("No dataset matches these filters")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.getByLabel("Search")).toHaveValue("");

  await table.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page).toHaveURL(/\/datasets\/detail\/\?id=[0-9a-f-]{36}$/);
});

test("the list sorts on the server by name and by size", async ({ page }) => {
  const prefix = uniqueName("Sorted");
  await signIn(page);
  await createDataset(page.request, `${prefix} b`, generatedJsonl(3));
  await createDataset(page.request, `${prefix} a`, generatedJsonl(5));
  await createDataset(page.request, `${prefix} c`, generatedJsonl(1));
  await page.goto(`/datasets/?q=${encodeURIComponent(prefix)}`);
  const names = page.getByRole("table", { name: "Datasets" }).getByRole("link");
  await expect(names).toHaveText([`${prefix} c`, `${prefix} a`, `${prefix} b`]); // newest first

  await page.getByRole("button", { name: /^Name/ }).click();
  await expect(names).toHaveText([`${prefix} a`, `${prefix} b`, `${prefix} c`]);
  await expect(page.getByRole("columnheader", { name: /Name/ })).toHaveAttribute("aria-sort", "ascending");
  await page.getByRole("button", { name: /^Examples/ }).click();
  await expect(names).toHaveText([`${prefix} a`, `${prefix} b`, `${prefix} c`]); // 5, 3, 1
  await page.getByRole("button", { name: /^Examples/ }).click();
  await expect(names).toHaveText([`${prefix} c`, `${prefix} b`, `${prefix} a`]);
});

test("a bad file is refused with its line numbers; skipping bad lines stores the rest", async ({ page }) => {
  await signIn(page, "/datasets/");
  const name = uniqueName("Mixed rows");
  await page.getByRole("button", { name: "Upload" }).click();
  const dialog = page.getByRole("dialog", { name: "Upload a dataset" });
  await dialog
    .getByLabel("Choose a file")
    .setInputFiles({ name: "mixed.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(BAD_JSONL) });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Upload", exact: true }).click();

  const alert = dialog.getByRole("alert");
  await expect(alert).toContainText("2 lines could not be read, so nothing was stored.");
  const lines = alert.getByRole("list", { name: "Lines that could not be read" }).getByRole("listitem");
  await expect(lines).toHaveCount(2);
  await expect(lines.nth(0)).toContainText("Line 2");
  await expect(lines.nth(0)).toContainText("invalid JSON");
  await expect(lines.nth(1)).toContainText("Line 4");
  await expect(lines.nth(1)).toContainText("robot");
  expect(await datasetsNamed(page, name)).toBe(0);

  await dialog.getByLabel("Skip bad lines").check();
  await dialog.getByRole("button", { name: "Upload", exact: true }).click();
  await expect(dialog.getByRole("status")).toContainText("Stored 3 examples");
  const skipped = dialog.getByRole("list", { name: "Skipped lines" }).getByRole("listitem");
  await expect(skipped).toHaveCount(2);
  await expect(skipped.nth(1)).toContainText("Line 4");
  expect(await datasetsNamed(page, name)).toBe(1);
  await dialog.getByRole("link", { name: "Open dataset" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
});

test("merge, sample and split each make new datasets of the right size", async ({ page }) => {
  const prefix = uniqueName("Derive");
  await signIn(page);
  await createDataset(page.request, `${prefix} one`, generatedJsonl(8));
  await createDataset(page.request, `${prefix} two`, generatedJsonl(12));
  await page.goto(`/datasets/?q=${encodeURIComponent(prefix)}`);

  await page.getByLabel(`Select ${prefix} two`).check();
  await page.getByLabel(`Select ${prefix} one`).check();
  await page.getByRole("button", { name: "Merge 2 selected" }).click();
  const merge = page.getByRole("dialog", { name: "Merge datasets" });
  await merge.getByLabel("Name").fill(`${prefix} merged`);
  await merge.getByRole("button", { name: "Merge 20 examples" }).click();
  await expect(merge.getByRole("status")).toContainText(`${prefix} merged`);
  await expect(merge.getByRole("status")).toContainText("20 examples");
  await merge.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("button", { name: "Merge", exact: true })).toBeDisabled(); // selection cleared

  await page.getByRole("button", { name: `Actions for ${prefix} merged`, exact: true }).click();
  await page.getByRole("button", { name: "Sample…" }).click();
  const sample = page.getByRole("dialog", { name: `Sample “${prefix} merged”` });
  await sample.getByLabel("Examples").fill("25");
  await sample.getByRole("button", { name: "Create sample" }).click();
  await expect(sample.getByText("The dataset has 20 examples; pick at most that many.")).toBeVisible();
  await sample.getByLabel("Examples").fill("5");
  await sample.getByRole("button", { name: "Create sample" }).click();
  await expect(sample.getByRole("status")).toContainText("5 examples");
  await sample.getByRole("button", { name: "Done" }).click();

  await page.getByRole("button", { name: `Actions for ${prefix} merged`, exact: true }).click();
  await page.getByRole("button", { name: "Split…" }).click();
  const split = page.getByRole("dialog", { name: `Split “${prefix} merged”` });
  await split.getByLabel("Train %").fill("70");
  await expect(split.getByText("The shares add up to 90%, not 100%.")).toBeVisible();
  await split.getByLabel("Validation %").fill("20");
  await split.getByLabel("Seed").fill("-1");
  await split.getByRole("button", { name: "Create splits" }).click();
  await expect(split.getByText("The seed is a whole number from 0 to 2,147,483,647.")).toBeVisible();
  await split.getByLabel("Seed").fill("7");
  await split.getByRole("button", { name: "Create splits" }).click();
  const created = split.getByRole("status").getByRole("listitem");
  await expect(created).toHaveCount(3);
  const counts = (await created.allTextContents()).map((text) => Number(/(\d+) examples/.exec(text)?.[1]));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
  await expect(created.nth(0)).toContainText(`${prefix} merged (train)`);
});

test("deleting asks first: cancel keeps the dataset, confirming removes it", async ({ page }) => {
  const name = uniqueName("Doomed");
  await signIn(page);
  const dataset = await createDataset(page.request, name, generatedJsonl(4));
  await page.goto(`/datasets/?q=${encodeURIComponent(name)}`);
  const row = page.getByRole("row", { name: new RegExp(name) });

  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("button", { name: "Delete…" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete this dataset?" });
  await expect(confirm).toContainText(`${name} will be deleted with its 4 examples`);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toBeVisible();

  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("button", { name: "Delete…" }).click();
  await page.keyboard.press("Escape");
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("button", { name: `Actions for ${name}` })).toBeFocused();

  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("button", { name: "Delete…" }).click();
  await confirm.getByRole("button", { name: "Delete dataset" }).click();
  await expect(page.getByText("No dataset matches these filters")).toBeVisible();
  expect((await page.request.get(`/api/v1/datasets/${dataset.id}`)).status()).toBe(404);
});

test("convert reshapes a multi-turn dataset into one turn per row and says what it changed", async ({ page }) => {
  const name = uniqueName("Convert");
  const turns = (i: number) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `Hello ${i}` },
        { role: "assistant", content: "Hi, how can I help?" },
        { role: "user", content: `Where is order ${i}?` },
        { role: "assistant", content: "It ships tomorrow." },
      ],
    });
  await signIn(page);
  const dataset = await createDataset(page.request, name, `${turns(1)}\n${turns(2)}\n${generatedJsonl(1)}`);
  await page.goto(`/datasets/detail/?id=${dataset.id}`);
  await page.getByRole("button", { name: "More", exact: true }).click();
  await page.getByRole("button", { name: "Convert…" }).click();
  const dialog = page.getByRole("dialog", { name: `Convert “${name}”` });
  await dialog.getByLabel("Record view").selectOption("flat");
  await dialog.getByRole("button", { name: "Convert", exact: true }).click();
  await expect(dialog.getByRole("status")).toContainText(`${name} (flat)`);
  await expect(dialog.getByTestId("convert-summary")).toHaveText("3 rows converted, 2 changed, 0 left out.");
  await expect(dialog.getByRole("list", { name: "What the conversion changed" })).toContainText("2 rows");
  await dialog.getByRole("link", { name: `${name} (flat)` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `${name} (flat)` })).toBeVisible();
});
