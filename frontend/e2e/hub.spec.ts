import { expect, test, type Page } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { apiPost, expectAccessible, signIn } from "./helpers";

/** The token and user the fake Hub of e2e/serve.sh accepts. */
const HUB_TOKEN = process.env.E2E_HUB_TOKEN ?? "hf_e2e_write_token_5eb1";
const HUB_USER = process.env.E2E_HUB_USER ?? "e2e-user";
const DIR = "test-results/screenshots";
const ROWS = 20;

/** Opens the dataset's export dialog on its Hub destination and returns the dialog. */
async function openPush(page: Page, dataset: { id: string; name: string }) {
  await page.goto(`/datasets/detail/?id=${dataset.id}`);
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Export “${dataset.name}”` });
  await dialog.getByRole("radio", { name: "Push to the Hub" }).check();
  return dialog;
}

/** Stores `token` from Settings → Hugging Face Hub, as an admin does. */
async function storeToken(page: Page, token: string, button: "Store token" | "Replace token") {
  await page.goto("/settings/");
  const card = page.getByRole("region", { name: "Hugging Face Hub" });
  await card.getByRole("button", { name: button }).click();
  const dialog = page.getByRole("dialog", { name: /Hugging Face token$/ });
  await dialog.getByLabel("Hub token").fill(token);
  await dialog.getByRole("button", { name: "Save token" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(card.getByTestId("hub-key")).toHaveText(`key …${token.slice(-4)}`);
  return card;
}

test("an admin stores the Hub token, pushes a version from the export dialog, and forgets the token", async ({ page, playwright }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Hub"), generatedJsonl(ROWS));
  const endpoint = ((await (await page.request.get("/api/v1/hub")).json()) as { endpoint: string }).endpoint;
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  // No token yet: the form says so and sends an admin to Settings.
  let dialog = await openPush(page, dataset);
  await expect(dialog.getByText("No Hugging Face token is stored")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Push to the Hub" })).toBeDisabled();
  await dialog.getByRole("link", { name: "Store one in Settings" }).click();
  await expect(page).toHaveURL(/\/settings\/$/);
  const card = page.getByRole("region", { name: "Hugging Face Hub" });
  await expect(card.getByText("none stored")).toBeVisible();
  await expect(card.getByTestId("hub-endpoint")).toHaveText(endpoint);

  await card.getByRole("button", { name: "Store token" }).click();
  await expect(page.getByRole("dialog", { name: "Store a Hugging Face token" }).getByLabel("Hub token")).toHaveAttribute("type", "password");
  await expectAccessible(page, "the Hub token dialog");
  await page.getByRole("button", { name: "Cancel" }).click();
  await storeToken(page, HUB_TOKEN, "Store token");
  await page.reload();
  await expect(card.getByTestId("hub-key")).toHaveText(`key …${HUB_TOKEN.slice(-4)}`);
  await expect(page.getByText(HUB_TOKEN)).toHaveCount(0);
  await expectAccessible(page, "Settings with a Hub token");
  await card.screenshot({ path: `${DIR}/settings-hub-1280.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await card.screenshot({ path: `${DIR}/settings-hub-390.png` });
  await page.setViewportSize({ width: 1280, height: 720 });

  // A push of train and test shares to a private repo of the token's user.
  const repo = `${HUB_USER}/support-${Date.now().toString(36)}`;
  dialog = await openPush(page, dataset);
  await dialog.getByLabel("Repo", { exact: true }).fill("no slash here");
  await expect(dialog.getByText(/^Write it as owner\/name/)).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Push to the Hub" })).toBeDisabled();
  await dialog.getByLabel("Repo", { exact: true }).fill(repo);
  await expect(dialog.getByLabel("Private repo")).toBeChecked();
  await expect(dialog.getByLabel("Parquet")).toBeChecked();
  await expect(dialog.getByLabel("Version")).toHaveValue("1");
  await dialog.getByLabel("Train / validation / test shares").check();
  await dialog.getByLabel("Train %").fill("75");
  await dialog.getByLabel("Validation %").fill("0");
  await dialog.getByLabel("Test %").fill("25");
  await dialog.getByRole("button", { name: "Push to the Hub" }).click();
  const outcome = dialog.getByTestId("hub-push-outcome");
  await expect(outcome.getByText("succeeded", { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(outcome.getByRole("link", { name: /^Open the repo on the Hub/ })).toHaveAttribute("href", `${endpoint}/datasets/${repo}`);
  await expect(outcome.getByRole("link", { name: /^See the commit/ })).toHaveAttribute("href", new RegExp(`^${endpoint}/datasets/${repo}/commit/[0-9a-f]{40}$`));
  await expect(outcome).toContainText(new RegExp(`Pushed to ${repo} \\((test|train) \\d+, (test|train) \\d+ rows\\)`));
  await expectAccessible(page, "the export dialog after a push");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectAccessible(page, "the export dialog after a push, dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.screenshot({ path: `${DIR}/export-hub-pushed-1280.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await outcome.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${DIR}/export-hub-pushed-390.png` });
  await page.setViewportSize({ width: 1280, height: 720 });

  // The fake Hub really holds the card and one Parquet file per split, in a private repo.
  const hub = await playwright.request.newContext();
  try {
    const info = await hub.get(`${endpoint}/api/datasets/${repo}`, { headers: { Authorization: `Bearer ${HUB_TOKEN}` } });
    const body = (await info.json()) as { private: boolean; siblings: { rfilename: string }[] };
    expect(body.siblings.map((s) => s.rfilename)).toEqual(["README.md", "data/test-00000-of-00001.parquet", "data/train-00000-of-00001.parquet"]);
    expect(body.private).toBe(true);
    const readme = await (await hub.get(`${endpoint}/datasets/${repo}/resolve/main/README.md`)).text();
    expect(readme).toContain("data/train-*.parquet");
    expect(readme).toContain("data/test-*.parquet");
    const train = await (await hub.get(`${endpoint}/datasets/${repo}/resolve/main/data/train-00000-of-00001.parquet`)).body();
    expect(train.subarray(0, 4).toString()).toBe("PAR1");
  } finally {
    await hub.dispose();
  }

  // A token the Hub does not know: the push fails with the reason in plain words.
  await storeToken(page, "hf_revoked_token_0000", "Replace token");
  dialog = await openPush(page, dataset);
  await dialog.getByLabel("Repo", { exact: true }).fill(repo);
  await dialog.getByRole("button", { name: "Push to the Hub" }).click();
  const refusal = dialog.getByTestId("hub-push-error");
  await expect(refusal).toContainText("The Hub rejected the token: store a new one in Settings.", { timeout: 60_000 });
  await expect(refusal.getByRole("link", { name: "Settings" })).toHaveAttribute("href", "/settings/");
  await expect(page.getByText("hf_revoked_token_0000")).toHaveCount(0);
  await page.screenshot({ path: `${DIR}/export-hub-refused-1280.png` });

  // Forgetting asks first; cancelling keeps the token.
  await page.goto("/settings/");
  await card.getByRole("button", { name: "Forget token" }).click();
  const confirm = page.getByRole("dialog", { name: "Forget the Hugging Face token?" });
  await expect(confirm).toContainText("…0000");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(card.getByTestId("hub-key")).toHaveText("key …0000");
  await card.getByRole("button", { name: "Forget token" }).click();
  await confirm.getByRole("button", { name: "Forget token" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(card.getByText("none stored")).toBeVisible();
  await expect(card.getByRole("button", { name: "Forget token" })).toHaveCount(0);
  expect(((await (await page.request.get("/api/v1/hub")).json()) as { configured: boolean }).configured).toBe(false);
});

test("a viewer sees the Hub token read-only and cannot push", async ({ page, browser }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Hub viewer"), generatedJsonl(4));
  const email = `${uniqueName("viewer").replace(/\s+/g, "-")}@example.com`;
  const password = "viewer-Horse-42";
  expect((await apiPost(page.request, "/api/v1/users", { data: { email, password, role: "viewer" } })).status()).toBe(201);

  const context = await browser.newContext({ baseURL: new URL(page.url()).origin });
  try {
    const viewer = await context.newPage();
    await viewer.goto("/settings/");
    await viewer.getByLabel("E-mail").fill(email);
    await viewer.getByLabel("Password").fill(password);
    await viewer.getByRole("button", { name: "Sign in" }).click();
    await expect(viewer.getByTestId("current-user")).toHaveText(email);
    const card = viewer.getByRole("region", { name: "Hugging Face Hub" });
    await expect(card.getByText("Only admins can store or forget the token")).toBeVisible();
    await expect(card.getByRole("button")).toHaveCount(0);

    const dialog = await openPush(viewer, dataset);
    await expect(dialog.getByText("Viewers cannot push datasets to the Hub; ask an editor or an admin.")).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Push to the Hub" })).toBeDisabled();
    await expect(dialog.getByLabel("Repo", { exact: true })).toBeDisabled();
  } finally {
    await context.close();
  }
});
