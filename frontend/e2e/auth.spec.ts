import { expect, test } from "@playwright/test";

import { ADMIN, signIn } from "./helpers";

test("a wrong password is refused, the right one signs in and returns to the page asked for", async ({ page }) => {
  await page.goto("/tasks/");
  await expect(page).toHaveURL(/\/login\/\?next=%2Ftasks%2F$/);

  await page.getByLabel("E-mail").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Wrong e-mail or password." })).toBeVisible();
  await expect(page).toHaveURL(/\/login\//);

  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/tasks\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Tasks" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText(ADMIN.email);
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\/$/);

  // The cookie is gone on the server too: a signed-in page sends us back to sign in.
  const me = await page.request.get("/api/v1/auth/me");
  expect(me.status()).toBe(401);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\//);
  await expect(page.getByRole("heading", { name: "Sign in to Distillery" })).toBeVisible();
});

test("a next parameter pointing off-site is ignored", async ({ page }) => {
  await page.goto("/login/?next=//evil.example/");
  await page.getByLabel("E-mail").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
});
