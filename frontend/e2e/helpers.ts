import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";

import { CSRF_COOKIE, CSRF_HEADER } from "../src/lib/api/csrf";

/** The first admin that e2e/serve.sh creates. */
export const ADMIN = {
  email: process.env.E2E_ADMIN_EMAIL ?? "admin@distillery.local",
  password: process.env.E2E_ADMIN_PASSWORD ?? "e2e-Correct-Horse-42",
};

/** The origin the browser tests reach the dashboard at (playwright.config.ts). */
export const ORIGIN = `http://127.0.0.1:${process.env.E2E_PORT ?? 8765}`;

type PostOptions = NonNullable<Parameters<APIRequestContext["post"]>[1]>;

/**
 * A POST for a test's setup through the API, sent as the dashboard sends its writes: with its origin
 * and the session's CSRF token (the API refuses cookie writes without them).
 */
export async function apiPost(request: APIRequestContext, url: string, options: PostOptions = {}) {
  return request.post(url, await asDashboard(request, options));
}

/** A PATCH for a test's setup, sent as the dashboard sends it (see `apiPost`). */
export async function apiPatch(request: APIRequestContext, url: string, options: PostOptions = {}) {
  return request.patch(url, await asDashboard(request, options));
}

/** A PUT for a test's setup, sent as the dashboard sends it (see `apiPost`). */
export async function apiPut(request: APIRequestContext, url: string, options: PostOptions = {}) {
  return request.put(url, await asDashboard(request, options));
}

/** A DELETE for a test's clean-up, sent as the dashboard sends it (see `apiPost`). */
export async function apiDelete(request: APIRequestContext, url: string, options: PostOptions = {}) {
  return request.delete(url, await asDashboard(request, options));
}

async function asDashboard(request: APIRequestContext, options: PostOptions): Promise<PostOptions> {
  const { cookies } = await request.storageState();
  const token = cookies.find((cookie) => cookie.name === CSRF_COOKIE)?.value ?? "";
  return { ...options, headers: { ...options.headers, Origin: ORIGIN, [CSRF_HEADER]: token } };
}

/** Signs in through the form; `path` is where the test starts (it is sent to sign in first). */
export async function signIn(page: Page, path = "/"): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/login\//);
  await page.getByLabel("E-mail").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toHaveText(ADMIN.email);
}

/** Opens Settings → System and waits until it shows a worker with a fresh heartbeat (it may still be starting). */
export async function expectLiveWorker(page: Page): Promise<void> {
  await page.goto("/settings/system/");
  const workers = page.getByRole("region", { name: "Workers" });
  await expect(workers.getByText("alive", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
}

/** The list answer of an installation with nothing in it (for `page.route`: a new installation's overview). */
export const EMPTY_PAGE = { items: [], total: 0, page: 1, page_size: 20 };

/** Makes the dashboard see no dataset and no job, as on a new installation; `page.unroute` with the same patterns ends it. */
export const LIST_PATTERNS = ["**/api/v1/datasets?*", "**/api/v1/jobs?*"] as const;
export async function looksNew(page: Page): Promise<void> {
  for (const pattern of LIST_PATTERNS) await page.route(pattern, (route) => route.fulfill({ json: EMPTY_PAGE }));
}

/** Clicks `button` and returns the file the browser downloaded: its suggested name and bytes. */
export async function downloadFrom(page: Page, button: Locator): Promise<{ name: string; body: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return { name: download.suggestedFilename(), body: Buffer.concat(chunks) };
}

/** axe-core's rule sets a page is held to: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] as const;
/** The rule sets of the pages checked against WCAG 2.1 AA (not its level-A additions, nor 2.2), and best practices. */
export const AXE_TAGS_WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"] as const;

/** axe-core over the page as it is now (open dialogs included): no serious or critical violation of `tags`. */
export async function expectAccessible(page: Page, what: string, tags: readonly string[] = AXE_TAGS): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags([...tags]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, `${what}: accessibility violations`).toEqual([]);
}
