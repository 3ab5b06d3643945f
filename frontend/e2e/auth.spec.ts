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

test("a session that ends during a change says the change was not made and returns to the page", async ({ page, context }) => {
  await signIn(page, "/settings/");
  const tokens = page.getByRole("region", { name: "API tokens" });
  const name = `expired-${Date.now()}`;
  await tokens.getByLabel("Token name").fill(name);
  await context.clearCookies(); // the session is gone (expired, or revoked elsewhere)
  await tokens.getByRole("button", { name: "Create token" }).click();

  await expect(page).toHaveURL(/\/login\/\?next=%2Fsettings%2F&session=ended-write$/);
  await expect(page.getByTestId("session-notice")).toHaveText(/ended before your last change was made, so it was not carried out/);
  await page.getByLabel("E-mail").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/$/);
  // Nothing was created while signed out.
  await expect(page.getByRole("region", { name: "API tokens" }).getByLabel("Token name")).toBeVisible();
  await expect(page.getByRole("region", { name: "API tokens" }).getByText(name)).toHaveCount(0);
});

test("a session that ends while reading says so; a first visit does not", async ({ page, context }) => {
  await signIn(page, "/datasets/");
  await context.clearCookies({ name: "distillery_session" }); // the readable CSRF cookie outlives it
  await page.reload();
  await expect(page).toHaveURL(/\/login\/\?next=%2Fdatasets%2F&session=ended$/);
  await expect(page.getByTestId("session-notice")).toHaveText("Your session has ended. Sign in to go back to where you were.");

  await context.clearCookies();
  await page.goto("/jobs/");
  await expect(page).toHaveURL(/\/login\/\?next=%2Fjobs%2F$/);
  await expect(page.getByTestId("session-notice")).toHaveCount(0);
});
