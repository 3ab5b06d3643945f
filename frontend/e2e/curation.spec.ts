import { expect, test } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { AXE_TAGS_WCAG21_AA, apiPatch, apiPost, expectAccessible, signIn } from "./helpers";

/** Rows without a judge score, as a file that was never judged holds them. */
const UNSCORED = ["A", "B"]
  .map((name) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `Unjudged question ${name}` },
        { role: "assistant", content: `Unjudged answer ${name}` },
      ],
    }),
  )
  .join("\n");

/** The judge scores `generatedJsonl(count)` gives its rows (data.ts). */
function generatedScores(count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.round(40 + ((i * 37) % 60)) / 10);
}

test("the threshold slider counts kept and removed rows live and applies them as a version", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Threshold"), `${generatedJsonl(30)}${UNSCORED}\n`);
  const scores = generatedScores(30);
  const keptAt7 = scores.filter((s) => s >= 7).length;
  // Nothing is asked of the API while the slider moves: the counts of every step came with the page.
  let asked = 0;
  page.on("request", (request) => {
    if (request.url().includes(`/datasets/${dataset.id}/threshold`)) asked += 1;
  });
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=threshold`);

  const counts = page.getByLabel("Rows at this threshold");
  await expect(counts).toContainText(/Kept\s*30/);
  await expect(counts).toContainText(/Removed\s*0/);
  await expect(counts).toContainText(/Unscored\s*2/);
  await expect(page.getByText("No scored row is below this score")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Remove 0 rows/ })).toBeDisabled();

  const slider = page.getByRole("slider", { name: "Minimum judge score" });
  await slider.focus();
  for (let step = 0; step < 70; step += 1) await page.keyboard.press("ArrowRight");
  await expect(page.locator("output[for=threshold-slider]")).toHaveText("7.0");
  await expect(counts).toContainText(new RegExp(`Kept\\s*${keptAt7}`));
  await expect(counts).toContainText(new RegExp(`Removed\\s*${30 - keptAt7}`));
  await expect(counts).toContainText(/Unscored\s*2/);
  await expect(page.getByRole("img", { name: /^Scored rows per half point/ })).toHaveAttribute(
    "aria-label",
    `Scored rows per half point: ${30 - keptAt7} below 7.0 removed, ${keptAt7} at or above kept`,
  );
  await page.keyboard.press("ArrowLeft");
  await expect(page.locator("output[for=threshold-slider]")).toHaveText("6.9");
  await page.keyboard.press("ArrowRight");
  expect(asked).toBe(1);
  await expectAccessible(page, "threshold", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: "test-results/screenshots/dataset-threshold-1280.png", fullPage: true });

  const removed = 30 - keptAt7;
  await page.getByRole("button", { name: `Remove ${removed} rows as v2` }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved v2" })).toHaveText(
    `Saved v2: ${removed} rows removed, ${keptAt7 + 2} rows kept. See the versions`,
  );
  // Recounted on v2: at 7.0 nothing is left to remove.
  await expect(counts).toContainText(/Removed\s*0/);
  await expect(page.getByRole("heading", { level: 1 }).locator("..")).toContainText("v2");

  await page.getByRole("button", { name: "See the versions" }).click();
  await expect(page.getByRole("tab", { name: "Versions" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("table", { name: "Versions, newest first" }).getByRole("row").nth(1)).toContainText(
    `keep judge scores ≥ 7 (${removed} below removed)`,
  );
  await expect(page.getByRole("region", { name: "Removed examples" })).toContainText(String(removed));
});

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
  await expectAccessible(page, "version diff", AXE_TAGS_WCAG21_AA);
  await page.emulateMedia({ colorScheme: "dark" });
  await expectAccessible(page, "version diff in dark mode", AXE_TAGS_WCAG21_AA);
  await page.emulateMedia({ colorScheme: "light" });
  await page.screenshot({ path: "test-results/screenshots/dataset-diff-1280.png", fullPage: true });

  await rows.getByRole("radio", { name: "Removed (1)" }).check();
  const gone = rows.getByRole("article", { name: "Row row-000000002" });
  await expect(gone).toContainText("Question 3: how do I handle a billing dispute?");
  await expect(gone.locator("del, ins")).toHaveCount(0);
  await rows.getByRole("radio", { name: "Added (0)" }).check();
  await expect(rows.getByText("No added rows")).toBeVisible();
});

test("a viewer sees the threshold counts but cannot apply them, and is told why", async ({ page, browser }) => {
  await signIn(page);
  const email = `${uniqueName("curation-viewer").replace(/\s+/g, "-")}@example.com`;
  const password = "viewer-Horse-42";
  const created = await apiPost(page.request, "/api/v1/users", { data: { email, password, role: "viewer" } });
  expect(created.status()).toBe(201);
  const dataset = await createDataset(page.request, uniqueName("Viewed"), generatedJsonl(10));

  const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const viewer = await context.newPage();
  try {
    await viewer.goto(`/datasets/detail/?id=${dataset.id}&tab=threshold`);
    await viewer.getByLabel("E-mail").fill(email);
    await viewer.getByLabel("Password").fill(password);
    await viewer.getByRole("button", { name: "Sign in" }).click();
    await viewer.getByRole("slider", { name: "Minimum judge score" }).focus();
    await viewer.keyboard.press("End");
    await expect(viewer.locator("output[for=threshold-slider]")).toHaveText("10.0");
    await expect(viewer.getByLabel("Rows at this threshold")).toContainText(/Removed\s*10/);
    await expect(viewer.getByRole("button", { name: "Remove 10 rows as v2" })).toBeDisabled();
    await expect(viewer.getByText("Only the dataset's owner, or an admin, can apply a threshold.")).toBeVisible();
  } finally {
    await context.close();
  }
});
