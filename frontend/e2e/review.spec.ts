import { expect, test } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { AXE_TAGS_WCAG21_AA, apiPost, expectAccessible, signIn } from "./helpers";

test("a review decided by keyboard is applied as one new version", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Review"), generatedJsonl(6));
  await page.goto(`/datasets/detail/?id=${dataset.id}`);
  await page.getByRole("link", { name: "Review", exact: true }).click();
  await expect(page).toHaveURL(/\/datasets\/review\/\?id=/);

  const row = page.getByRole("region", { name: /^Row \d/ });
  const pending = page.getByText(/rows? pending for you/);
  await expect(row).toContainText("Question 1:");
  await expect(pending).toContainText("6 rows pending for you in v1");
  // The judge's verdict and its reasons sit beside the messages; the keys are on the buttons.
  await expect(row.getByRole("heading", { name: /Judge score/ })).toBeVisible();
  await expect(row).toContainText("content_quality");
  await expect(row.getByRole("button", { name: /Accept/ })).toHaveAttribute("aria-keyshortcuts", "a");
  await expectAccessible(page, "review", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: "test-results/screenshots/review-1280.png", fullPage: true });

  await page.keyboard.press("a");
  await expect(row).toContainText("Question 2:");
  await page.keyboard.press("r");
  await expect(row).toContainText("Question 3:");
  await page.keyboard.press("s");
  await expect(row).toContainText("Question 4:");
  await page.keyboard.press("e");
  const answer = page.getByLabel("Message 3 (assistant)");
  await expect(answer).toBeFocused();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("An answer a reviewer rewrote.");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(row).toContainText("Question 5:");
  await page.getByLabel("Comment").fill("clear and correct");
  await page.getByLabel("Your rating").selectOption("5");
  await row.getByRole("button", { name: /Accept/ }).click();
  await expect(row).toContainText("Question 6:");
  await page.keyboard.press("r");

  // Past the end with a row skipped: the queue offers to start again from the top.
  await page.getByRole("button", { name: "Start again from the top" }).click();
  await expect(row).toContainText("Question 3:");
  await page.keyboard.press("a");
  await expect(page.getByText("Every row of this version is decided")).toBeVisible();

  const counts = page.getByLabel("Rows by decision");
  await expect(counts).toContainText(/pending\s*0/);
  await expect(counts).toContainText(/accepted\s*3/);
  await expect(counts).toContainText(/rejected\s*2/);
  await expect(counts).toContainText(/edited\s*1/);
  await expect(page.getByRole("progressbar", { name: /6 of 6 rows decided/ })).toHaveAttribute("aria-valuenow", "6");
  await expectAccessible(page, "review finished", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: "test-results/screenshots/review-done-1280.png", fullPage: true });

  await page.getByRole("button", { name: "Apply 3 decisions as v2" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved v2" })).toHaveText(
    "Saved v2: 3 rows changed, 4 rows now.",
  );
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: dataset.name }).click();
  await expect(page.getByRole("heading", { level: 1 }).locator("..")).toContainText("v2");
  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=examples`);
  await expect(page.getByText("An answer a reviewer rewrote.")).toBeVisible();
  await expect(page.getByText("Question 2:")).toHaveCount(0);
});

test("a viewer reads the review queue but cannot decide", async ({ page, browser }) => {
  await signIn(page);
  const email = `${uniqueName("review-viewer").replace(/\s+/g, "-")}@example.com`;
  const password = "viewer-Horse-42";
  const created = await apiPost(page.request, "/api/v1/users", { data: { email, password, role: "viewer" } });
  expect(created.status()).toBe(201);
  const dataset = await createDataset(page.request, uniqueName("Review viewer"), generatedJsonl(2));

  const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const viewer = await context.newPage();
  try {
    await viewer.goto(`/datasets/review/?id=${dataset.id}`);
    await viewer.getByLabel("E-mail").fill(email);
    await viewer.getByLabel("Password").fill(password);
    await viewer.getByRole("button", { name: "Sign in" }).click();
    const row = viewer.getByRole("region", { name: /^Row \d/ });
    await expect(row).toContainText("Question 1:");
    await expect(row.getByRole("button", { name: /Accept/ })).toBeDisabled();
    await expect(viewer.getByText("Viewers can read the rows but not decide on them.")).toBeVisible();
    await viewer.keyboard.press("a");
    await expect(viewer.getByText("2 rows pending for you in v1")).toBeVisible();
    await expect(viewer.getByRole("button", { name: "Apply 0 decisions as v2" })).toBeDisabled();
  } finally {
    await context.close();
  }
});

test("the owner assigns low-scored rows to an editor, whose queue holds only those", async ({ page, browser }) => {
  await signIn(page);
  const email = `${uniqueName("review-editor").replace(/\s+/g, "-")}@example.com`;
  const password = "editor-Horse-42";
  const created = await apiPost(page.request, "/api/v1/users", { data: { email, password, role: "editor" } });
  expect(created.status()).toBe(201);
  // Scored 4.0, 7.7, 5.4, 9.1, 6.8 and 4.5 (data.ts): at most 5 are rows 1 and 6.
  const dataset = await createDataset(page.request, uniqueName("Assigned"), generatedJsonl(6));
  await page.goto(`/datasets/review/?id=${dataset.id}`);
  const form = page.getByRole("form", { name: "Assign rows" });
  await form.getByLabel("Reviewer's e-mail").fill(email);
  await form.getByLabel("Score to").fill("5");
  await form.getByRole("button", { name: "Assign" }).click();
  const assignments = page.getByRole("list", { name: "Assignments" });
  await expect(assignments).toContainText(`${email}scored at most 5: 0 of 2 decided`);
  await expectAccessible(page, "review with assignments", AXE_TAGS_WCAG21_AA);

  const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const editor = await context.newPage();
  try {
    await editor.goto(`/datasets/review/?id=${dataset.id}`);
    await editor.getByLabel("E-mail").fill(email);
    await editor.getByLabel("Password").fill(password);
    await editor.getByRole("button", { name: "Sign in" }).click();
    const row = editor.getByRole("region", { name: /^Row \d/ });
    await expect(editor.getByText("2 rows assigned to you and pending for you in v1")).toBeVisible();
    await expect(row).toContainText("Question 1:");
    await editor.keyboard.press("r");
    await expect(row).toContainText("Question 6:");
  } finally {
    await context.close();
  }
  await page.reload();
  await expect(assignments).toContainText("scored at most 5: 1 of 2 decided");
  await page.screenshot({ path: "test-results/screenshots/review-assigned-1280.png", fullPage: true });
});
