import { expect, test, type Page } from "@playwright/test";

import { signIn } from "./helpers";

/**
 * The server's Content-Security-Policy allows only the inline scripts each page ships (by hash). A page
 * whose bootstrap script were blocked would not hydrate, so every page is opened and must report no
 * violation, in the console or as a `securitypolicyviolation` event. (/docs and /redoc: api-docs.spec.ts.)
 */
const PAGES = ["/", "/datasets/", "/generate/", "/jobs/", "/finetune/", "/analytics/", "/tasks/", "/settings/", "/settings/system/"];

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

test("no page of the dashboard breaks the Content-Security-Policy", async ({ page }) => {
  test.setTimeout(180_000); // eight pages, each rendered and checked
  const console: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await signIn(page);
  for (const path of PAGES) {
    const response = await page.goto(path);
    expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    await expect(page.getByTestId("current-user")).toBeVisible();
    expect(await violations(page), path).toEqual([]);
  }
  expect(console).toEqual([]);
});
