import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { apiPatch, apiPost, signIn } from "./helpers";

async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, `${what}: accessibility violations`).toEqual([]);
}

test("version compare shows a changed row's words deleted and inserted, and filters by change", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Diff"), generatedJsonl(3));
  const base = `/api/v1/datasets/${dataset.id}/examples`;
  const items = ((await (await page.request.get(base)).json()) as { items: { id: string; messages: { role: string; content: string }[] }[] }).items;
  const [, second, third] = items;
  if (!second || !third) throw new Error("the dataset has three rows");
  const messages = second.messages.map((m) =>
    m.role === "assistant" ? { ...m, content: m.content.replace("step by step", "in three short steps") } : m,
  );
  expect((await apiPatch(page.request, `${base}/${second.id}`, { data: { messages } })).status()).toBe(200);
  expect((await apiPost(page.request, `${base}/bulk`, { data: { action: "remove", ids: [third.id] } })).status()).toBe(200);

  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=versions`);
  await page.getByLabel("From", { exact: true }).selectOption("1");
  const rows = page.getByRole("region", { name: "Rows", exact: true });
  await expect(rows.getByRole("radio", { name: "Changed (1)" })).toBeChecked();
  const row = rows.getByRole("article", { name: "Row row-000000001" });
  await expect(row).toContainText("Message 1 · system · unchanged");
  await expect(row).toContainText("Message 3 · assistant");
  await expect(row.locator("del")).toHaveText(["[deleted: step by step]"]);
  await expect(row.locator("ins")).toHaveText(["[inserted: in three short steps]"]);
  // The marks are more than a colour: struck through and underlined.
  await expect(row.locator("del")).toHaveCSS("text-decoration-line", "line-through");
  await expect(row.locator("ins")).toHaveCSS("text-decoration-line", "underline");
  await expect(row).toContainText("here is how a refund request is handled,");
  await expectAccessible(page, "version diff");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectAccessible(page, "version diff in dark mode");
  await page.emulateMedia({ colorScheme: "light" });
  await page.screenshot({ path: "test-results/screenshots/dataset-diff-1280.png", fullPage: true });

  await rows.getByRole("radio", { name: "Removed (1)" }).check();
  const gone = rows.getByRole("article", { name: "Row row-000000002" });
  await expect(gone).toContainText("Question 3: how do I handle a billing dispute?");
  await expect(gone.locator("del, ins")).toHaveCount(0);
  await rows.getByRole("radio", { name: "Added (0)" }).check();
  await expect(rows.getByText("No added rows")).toBeVisible();
});
