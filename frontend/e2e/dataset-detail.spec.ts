import { expect, test, type Page } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { downloadFrom, signIn } from "./helpers";

/** The first row's answer carries a training weight, which only assistant messages may have. */
const WEIGHTED = JSON.stringify({
  messages: [
    { role: "user", content: "What is the refund window?" },
    { role: "assistant", content: "Thirty days from delivery.", weight: 1 },
  ],
});

function jsonLines(body: Buffer): Record<string, unknown>[] {
  return body
    .toString("utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function openTab(page: Page, id: string, tab: string): Promise<void> {
  await page.goto(`/datasets/detail/?id=${id}`);
  await page.getByRole("tab", { name: tab }).click();
  await expect(page.getByRole("tab", { name: tab })).toHaveAttribute("aria-selected", "true");
}

test("the overview shows the size, the judge score histogram and the stages", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Overview"), generatedJsonl(30));
  await page.goto(`/datasets/detail/?id=${dataset.id}`);
  await expect(page.getByRole("heading", { level: 1, name: dataset.name })).toBeVisible();
  const stats = page.getByRole("region", { name: "Statistics" });
  await expect(stats).toContainText(/Examples\s*30/);
  await expect(stats).toContainText(/Judge-scored\s*100%/);
  // The generated scores run from 4.0 to 9.9: nothing below 4.
  const histogram = page.getByRole("img", { name: /^Judge scores: \d+ between 4–5,/ });
  await expect(histogram).toBeVisible();
  await expect(histogram).toHaveAttribute("aria-label", /\d+ between 9–10$/);
  await expect(histogram.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByRole("img", { name: "Examples by stage: 27 bulk, 3 seed" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Examples by status: 30 active" })).toBeVisible();
});

test("examples filter on the server; a row's provenance opens beside the table", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Filters"), generatedJsonl(30));
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=examples`);
  const pages = page.getByRole("navigation", { name: "Example pages" });
  await expect(pages).toContainText("1–20 of 30");
  await pages.getByRole("button", { name: "Next" }).click();
  await expect(pages).toContainText("21–30 of 30");

  await page.getByLabel("Stage").selectOption("seed");
  await expect(pages).toContainText("of 3");
  await page.getByLabel("Stage").selectOption("");
  await page.getByLabel("Score from").fill("8");
  await page.getByLabel("Score from").press("Enter");
  const api = await page.request.get(`/api/v1/datasets/${dataset.id}/examples?score_min=8`);
  const expected = ((await api.json()) as { total: number }).total;
  expect(expected).toBeGreaterThan(0);
  await expect(pages).toContainText(`of ${expected}`);
  await expect(page).toHaveURL(/min=8/);
  await page.getByLabel("Score from").fill("");
  await page.getByLabel("Score from").press("Enter");

  await page.getByLabel("Search").fill("Question 17:");
  await expect(pages).toContainText("1–1 of 1");
  await page.getByRole("button", { name: "Details of example 17" }).click();
  const drawer = page.getByRole("dialog", { name: "Example 17" });
  await expect(drawer).toContainText("local:smollm2-135m");
  await expect(drawer).toContainText("topic: locked account");
  await expect(drawer.getByText("Line", { exact: true }).locator("xpath=following-sibling::dd")).toHaveText("17");
  await expect(drawer.getByRole("heading", { name: "Judge scores by criterion" })).toBeVisible();
  // The call log is a table (stage, model, tokens, cost, tries, cached), not raw JSON.
  const calls = drawer.getByRole("table");
  await expect(calls.getByRole("columnheader")).toHaveText(["Stage", "Model", "Request", "Template", "In", "Out", "Cost", "Tries", "Cached"]);
  await expect(calls.getByRole("row").nth(2)).toContainText("judgeopenai:gpt-4o");
  await expect(calls.getByRole("row").nth(2).getByRole("cell").last()).toHaveText("yes");
  await expect(calls.getByTitle("c0ffee0016deadbeefcafe")).toHaveText("c0ffee0016");
  await expect(drawer).not.toContainText('"fingerprint"');
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
});

test("an edit is checked, refused with the API's reason, saved as a new version and exported", async ({ page }) => {
  const original = generatedJsonl(3);
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Edit me"), `${WEIGHTED}\n${original}`);
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=examples`);

  await page.getByRole("button", { name: "Edit example 1", exact: true }).click();
  const editor = page.getByRole("form", { name: "Edit example 1" });
  const answer = editor.getByRole("textbox", { name: "Message 2" });
  await answer.fill("   ");
  await editor.getByRole("button", { name: "Save as new version" }).click();
  await expect(editor.getByText("Message 2 is empty; write it or remove it.")).toBeVisible();
  await expect(answer).toHaveAttribute("aria-invalid", "true");

  await answer.fill("Thirty days from delivery, or sixty for members.");
  await editor.getByLabel("Role of message 2").selectOption("user");
  await editor.getByRole("button", { name: "Save as new version" }).click();
  await expect(editor.getByRole("alert")).toContainText(
    "The API refused the change: messages[1].weight must be 0 or 1",
  );

  await editor.getByLabel("Role of message 2").selectOption("assistant");
  await editor.getByRole("button", { name: "Save as new version" }).click();
  await expect(editor).toBeHidden();
  const table = page.getByRole("table", { name: /Examples of the current version/ });
  await expect(table.getByRole("row").nth(1)).toContainText("or sixty for members");
  await expect(page.getByRole("heading", { name: "Examples in v2" })).toBeVisible();

  await page.getByRole("tab", { name: "Versions" }).click();
  await expect(page.getByRole("table", { name: "Versions, newest first" }).getByRole("row").nth(1)).toContainText(
    "edit example row-000000000",
  );
  const changed = page.getByRole("region", { name: "Changed examples" });
  await expect(changed).toContainText("1");
  await expect(changed.getByRole("list", { name: "Changed item keys" })).toHaveText("row-000000000");

  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Export “${dataset.name}”` });
  const current = await downloadFrom(page, dialog.getByRole("button", { name: "Download" }));
  expect(current.name).toMatch(/-v2\.jsonl$/);
  const rows = jsonLines(current.body);
  expect(rows).toHaveLength(4);
  expect(JSON.stringify(rows[0])).toContain("or sixty for members");
  await expect(dialog.getByText(/^Downloaded .+-v2\.jsonl/)).toBeVisible();

  await dialog.getByLabel("Version", { exact: true }).selectOption("1");
  const older = await downloadFrom(page, dialog.getByRole("button", { name: "Download" }));
  expect(older.name).toMatch(/-v1\.jsonl$/);
  expect(JSON.stringify(jsonLines(older.body)[0])).toContain('"Thirty days from delivery."');
});

test("removing selected examples makes a version without them", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Bulk"), generatedJsonl(6));
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=examples`);
  await page.getByLabel("Select example 2", { exact: true }).check();
  await page.getByLabel("Select example 5", { exact: true }).check();
  await page.getByRole("button", { name: "Remove selected" }).click();
  const confirm = page.getByRole("dialog", { name: "Remove 2 examples?" });
  await confirm.getByRole("button", { name: "Remove 2" }).click();
  await expect(page.getByRole("navigation", { name: "Example pages" })).toContainText("of 4");
  await expect(page.getByRole("heading", { name: "Examples in v2" })).toBeVisible();
  await expect(page.getByText("Question 2:")).toBeHidden();

  await openTab(page, dataset.id, "Versions");
  await expect(page.getByRole("region", { name: "Removed examples" })).toContainText("2");
});

test("the detail page works from the keyboard: tabs, the provenance panel and the menu", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Keyboard"), generatedJsonl(3));
  await page.goto(`/datasets/detail/?id=${dataset.id}`);
  await page.getByRole("tab", { name: "Overview" }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Examples" })).toBeFocused();
  await expect(page.getByRole("tab", { name: "Examples" })).toHaveAttribute("aria-selected", "true");
  await expect(page).toHaveURL(/tab=examples/);

  const details = page.getByRole("button", { name: "Details of example 2" });
  await details.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: "Example 2" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Example 2" })).toBeHidden();
  await expect(details).toBeFocused();

  const more = page.getByRole("button", { name: "More", exact: true });
  await more.focus();
  await page.keyboard.press("Enter");
  // The menu opens on its first action.
  await expect(page.getByRole("button", { name: "Quality check…" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Sample…" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Sample…" })).toBeHidden();
  await expect(more).toBeFocused();
});

test("near-duplicates are found in a worker, shown as clusters and removed but for the best row", async ({ page }) => {
  const rows = generatedJsonl(4).trim().split("\n");
  // Rows 0 and 1 appear twice: two clusters of two.
  const content = [...rows, rows[0], rows[1]].join("\n");
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Dupes"), content);
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=duplicates`);
  const panel = page.getByRole("region", { name: "Near-duplicates" });
  await expect(panel.getByText("No search has run on v1 yet")).toBeVisible();
  await panel.getByRole("button", { name: "Find duplicates" }).click();
  const clusters = panel.getByRole("table", { name: "Near-duplicate clusters" });
  await expect(clusters.getByRole("row")).toHaveCount(3, { timeout: 60_000 });
  await page.screenshot({ path: "test-results/screenshots/dataset-duplicates-1280.png", fullPage: true });

  await clusters.getByRole("button", { name: "Show rows" }).first().click();
  await expect(page).toHaveURL(/tab=examples&cluster=/);
  await expect(page.getByRole("table", { name: /Examples of the current version/ }).getByRole("row")).toHaveCount(3);

  await page.getByRole("tab", { name: "Duplicates" }).click();
  await panel.getByRole("button", { name: "Remove 2 duplicates (keep the best of each)" }).click();
  await expect(page.getByRole("heading", { level: 1 }).locator("..")).toContainText("v2");
  await expect(panel.getByText("No search has run on v2 yet")).toBeVisible();
});
