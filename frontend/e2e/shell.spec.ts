import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

test("the keyboard reaches the content first through the skip link", async ({ page }) => {
  await signIn(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/#main$/);
  await expect(page.locator("main")).toBeFocused();
});

test("on a phone the navigation sits behind a menu button", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();

  const menu = page.getByRole("button", { name: "Open navigation" });
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(nav).toBeVisible();
  await expect(nav.getByRole("link", { name: "Overview" })).toBeFocused();
  await expect(nav.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");
  await page.keyboard.press("Escape");
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();

  await menu.click();
  await nav.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings\/$/);
  await expect(nav).toBeHidden();
  await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
  // Nothing is wider than the phone: no sideways scrolling.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test("the main navigation leads to the work; Tasks and System sit under Settings", async ({ page }) => {
  await signIn(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveText([
    "Overview",
    "Generate",
    "Task specs",
    "Jobs",
    "Datasets",
    "Fine-tune",
    "Playground",
    "Analytics",
    "Settings",
    /API docs/,
  ]);
  await expect(nav.getByRole("link", { name: "Tasks" })).toHaveCount(0);

  await nav.getByRole("link", { name: "Settings" }).click();
  const sections = page.getByRole("navigation", { name: "Settings sections" });
  await expect(sections.getByRole("link")).toHaveText(["Account and keys", "System", "Tasks"]);
  await expect(sections.getByRole("link", { name: "Account and keys" })).toHaveAttribute("aria-current", "page");
  await sections.getByRole("link", { name: "System" }).click();
  await expect(page).toHaveURL(/\/settings\/system\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "System" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveAttribute("aria-current", "page");
});

test("the API docs link opens the API's own documentation", async ({ page }) => {
  await signIn(page);
  const docs = page.getByRole("link", { name: /API docs/ });
  await expect(docs).toHaveAttribute("href", "/docs");
  await expect(docs).toHaveAttribute("target", "_blank");
  const response = await page.request.get("/docs");
  expect(response.status()).toBe(200);
});
