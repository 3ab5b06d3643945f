import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { apiPost, signIn } from "./helpers";
import { startJob, stopJob } from "./jobs-data";

test("a provider key is write-only: only its last 4 characters come back, and it can be tested and deleted", async ({ page }) => {
  await signIn(page, "/settings/");
  const providers = page.getByRole("region", { name: "Providers and keys" });
  await expect(providers.getByText("bundled, needs no key")).toBeVisible();

  await providers.getByRole("button", { name: "Set the key of openai" }).click();
  const dialog = page.getByRole("dialog", { name: "Key for openai" });
  await dialog.getByLabel("API key").fill("sk-e2e-secret-9f3a");
  // Nothing listens there: the test must fail quickly, with a reason.
  await dialog.getByLabel("Base URL (optional)").fill("http://127.0.0.1:9/v1");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(providers.getByTestId("key-openai")).toHaveText(" · key …9f3a");
  await page.reload();
  await expect(providers.getByTestId("key-openai")).toHaveText(" · key …9f3a");
  await expect(page.getByText("sk-e2e-secret")).toHaveCount(0);

  await providers.getByRole("button", { name: "Test" }).first().click();
  await expect(providers.getByRole("status").filter({ hasText: "Failed:" })).toBeVisible({ timeout: 30_000 });

  await providers.getByRole("button", { name: "Delete the key of openai" }).click();
  await expect(providers.getByTestId("key-openai")).toHaveCount(0);
});

test("the global budget can be set and cleared", async ({ page }) => {
  await signIn(page, "/settings/");
  const budget = page.getByRole("region", { name: "Global budget" });
  await budget.getByLabel("Limit (US$)").fill("25");
  await budget.getByRole("button", { name: "Save limit" }).click();
  await expect(budget.getByRole("meter", { name: "Spent of the limit" })).toHaveAttribute("aria-valuetext", /of \$25\.00/);
  await page.reload();
  await expect(budget.getByLabel("Limit (US$)")).toHaveValue("25");

  // A monthly limit: the meter counts this month's spend.
  await budget.getByLabel("Period").selectOption("month");
  await budget.getByRole("button", { name: "Save limit" }).click();
  await expect(budget.getByRole("meter", { name: "Spent this month of the monthly limit" })).toBeVisible();
  await page.reload();
  await expect(budget.getByLabel("Period")).toHaveValue("month");

  await budget.getByLabel("Limit (US$)").fill("");
  await budget.getByLabel("Period").selectOption("total");
  await budget.getByRole("button", { name: "Save limit" }).click();
  await expect(budget.getByText(/^No limit\. Spent so far/)).toBeVisible();
});

test("an API token's secret is shown once, works within its scope, and stops working when revoked", async ({ page, playwright, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "/settings/");
  const tokens = page.getByRole("region", { name: "API tokens" });
  const name = uniqueName("ci");
  await tokens.getByLabel("Token name").fill(name);
  // Read-only unless chosen otherwise; an admin may give any scope.
  await expect(tokens.getByLabel("Scope")).toHaveValue("read");
  await expect(tokens.getByLabel("Scope").locator("option")).toHaveCount(3);
  await tokens.getByRole("button", { name: "Create token" }).click();
  const secret = (await tokens.getByTestId("new-token").textContent()) ?? "";
  expect(secret.length).toBeGreaterThan(20);
  const copy = tokens.getByRole("button", { name: `Copy the token “${name}”` });
  await expect(copy).toHaveText("Copy");
  await copy.click();
  await expect(copy).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  const list = tokens.getByRole("list", { name: "Your API tokens" });
  const row = list.getByRole("listitem").filter({ hasText: name });
  await expect(row.getByTestId("token-scope")).toHaveText("read");

  // A context of its own: no session cookie, only the token.
  const script = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const bearer = { headers: { Authorization: `Bearer ${secret}` } };
  const me = await script.get("/api/v1/auth/me", bearer);
  expect([me.status(), (await me.json()).role]).toEqual([200, "viewer"]);
  const write = await script.post("/api/v1/datasets", { ...bearer, data: { name: "x", data_type: "qa" } });
  expect(write.status()).toBe(403);
  expect((await write.json()).detail).toBe("this API token has scope read; this needs scope write or admin");

  await page.reload();
  await expect(tokens.getByTestId("new-token")).toHaveCount(0);
  // Revoking asks first, naming the token; cancelling keeps it working.
  await list.getByRole("button", { name: `Revoke ${name}` }).click();
  const confirm = page.getByRole("dialog", { name: `Revoke the token “${name}”?` });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(list.getByRole("button", { name: `Revoke ${name}` })).toBeVisible();
  expect((await script.get("/api/v1/auth/me", bearer)).status()).toBe(200);

  await list.getByRole("button", { name: `Revoke ${name}` }).click();
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(list.getByRole("button", { name: `Revoke ${name}` })).toHaveCount(0);
  expect((await script.get("/api/v1/auth/me", bearer)).status()).toBe(401);
  await script.dispose();
});

test("a write token can be made by an editor, and a password change can revoke every token", async ({ page, browser, playwright }) => {
  await signIn(page);
  const email = `${uniqueName("editor").replace(/\s+/g, "-")}@example.com`;
  const password = "editor-Horse-42";
  expect((await apiPost(page.request, "/api/v1/users", { data: { email, password, role: "editor" } })).status()).toBe(201);

  const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const editor = await context.newPage();
  const script = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  try {
    await editor.goto("/settings/");
    await editor.getByLabel("E-mail").fill(email);
    await editor.getByLabel("Password").fill(password);
    await editor.getByRole("button", { name: "Sign in" }).click();
    const tokens = editor.getByRole("region", { name: "API tokens" });
    // An editor may give read or write, not admin.
    await expect(tokens.getByLabel("Scope").locator("option")).toHaveCount(2);
    await tokens.getByLabel("Token name").fill("deploy");
    await tokens.getByLabel("Scope").selectOption("write");
    await tokens.getByRole("button", { name: "Create token" }).click();
    const secret = (await tokens.getByTestId("new-token").textContent()) ?? "";
    await expect(tokens.getByRole("listitem").filter({ hasText: "deploy" }).getByTestId("token-scope")).toHaveText("write");
    const bearer = { headers: { Authorization: `Bearer ${secret}` } };
    expect((await (await script.get("/api/v1/auth/me", bearer)).json()).role).toBe("editor");

    const card = editor.getByRole("region", { name: "Password" });
    await card.getByLabel("Current password").fill(password);
    await card.getByLabel("New password").fill("editor-Horse-43");
    await card.getByLabel("Also revoke my API tokens").check();
    await card.getByRole("button", { name: "Change password" }).click();
    await expect(card.getByRole("status")).toHaveText("Password changed; your API tokens are revoked.");
    expect((await script.get("/api/v1/auth/me", bearer)).status()).toBe(401);
    await expect(tokens.getByText("revoked", { exact: true })).toBeVisible();
  } finally {
    await script.dispose();
    await context.close();
  }
});

test("an admin adds a user and changes their role", async ({ page }) => {
  await signIn(page, "/settings/");
  const users = page.getByRole("region", { name: "Users" });
  const email = `${uniqueName("user").replace(/\s+/g, "-")}@example.com`;
  const add = users.getByRole("button", { name: "Add user" });
  // A disabled "Add user" says what is missing, and the hint follows what is typed.
  await expect(add).toBeDisabled();
  await expect(add).toHaveAccessibleDescription(/^To add a user, enter an e-mail and a password of at least \d+ characters\.$/);
  await users.getByLabel("E-mail").fill(email);
  await expect(users.getByTestId("new-user-missing")).toHaveText(/^To add a user, enter a password of at least \d+ characters\.$/);
  await users.getByLabel("Password").fill("another-Horse-77");
  await expect(users.getByTestId("new-user-missing")).toHaveCount(0);
  await add.click();
  const list = users.getByRole("list", { name: "Users" });
  await expect(list.getByText(email, { exact: true })).toBeVisible();

  // Choosing a role only proposes it: cancelling keeps the old one.
  const role = list.getByLabel(`Role of ${email}`);
  await role.selectOption("admin");
  await list.getByRole("button", { name: `Cancel the role change of ${email}` }).click();
  await expect(role).toHaveValue("viewer");
  await page.reload();
  await expect(role).toHaveValue("viewer");

  await role.selectOption("editor");
  await list.getByRole("button", { name: `Confirm role editor for ${email}` }).click();
  await expect(list.getByRole("button", { name: `Confirm role editor for ${email}` })).toHaveCount(0);
  await page.reload();
  await expect(list.getByLabel(`Role of ${email}`)).toHaveValue("editor");
  await list.getByRole("button", { name: `Deactivate ${email}` }).click();
  await expect(list.getByRole("button", { name: `Activate ${email}` })).toBeVisible();
});

test("a viewer sees no users, cannot change keys or the budget, and cannot control jobs", async ({ page, browser }) => {
  await signIn(page);
  const email = `${uniqueName("viewer").replace(/\s+/g, "-")}@example.com`;
  const password = "viewer-Horse-42";
  const created = await apiPost(page.request, "/api/v1/users", { data: { email, password, role: "viewer" } });
  expect(created.status()).toBe(201);
  const job = await startJob(page.request, uniqueName("Watched"), 40);

  const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const viewer = await context.newPage();
  try {
    await viewer.goto("/settings/");
    await viewer.getByLabel("E-mail").fill(email);
    await viewer.getByLabel("Password").fill(password);
    await viewer.getByRole("button", { name: "Sign in" }).click();
    await expect(viewer.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
    await expect(viewer.getByText("Only admins can change keys and limits.")).toBeVisible();
    await expect(viewer.getByRole("button", { name: /Set the key of/ })).toHaveCount(0);
    await expect(viewer.getByText("Only admins can change the limit.")).toBeVisible();
    await expect(viewer.getByRole("region", { name: "API tokens" })).toBeVisible();
    await expect(viewer.getByRole("region", { name: "Users", exact: true })).toHaveCount(0);

    await viewer.goto(`/jobs/detail/?id=${job.id}`);
    await expect(viewer.getByText("Viewers can watch jobs but not control them.")).toBeVisible();
    for (const name of ["Pause", "Resume", "Retry failed", "Cancel"]) {
      await expect(viewer.getByRole("group", { name: "Job controls" }).getByRole("button", { name })).toBeDisabled();
    }
  } finally {
    await context.close();
    await stopJob(page.request, job.id);
  }
});
