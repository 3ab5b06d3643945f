import { expect, test, type Page } from "@playwright/test";

/**
 * /docs (Swagger UI) and /redoc must work on an installation without Internet access: every request
 * to a host other than the server's is aborted, and the pages must still render the API, with no
 * Content-Security-Policy violation.
 */
async function offline(page: Page): Promise<{ blocked: string[]; violations: string[] }> {
  const seen = { blocked: [] as string[], violations: [] as string[] };
  await page.route("**/*", (route) => {
    if (new URL(route.request().url()).hostname === "127.0.0.1") return route.continue();
    seen.blocked.push(route.request().url());
    return route.abort("internetdisconnected");
  });
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) seen.violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Content Security Policy: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return seen;
}

test("Swagger UI at /docs renders the API's operations offline", async ({ page }) => {
  const seen = await offline(page);
  await page.goto("/docs");
  const datasets = page.locator(".opblock-tag-section").filter({ has: page.getByRole("heading", { name: /^datasets/ }) });
  await expect(datasets.getByRole("heading", { name: /^datasets/ })).toBeVisible();
  await expect(datasets.locator(".opblock").first()).toBeVisible(); // its operations are listed
  await expect(page.getByText("/api/v1/health", { exact: true })).toBeVisible();
  expect(seen).toEqual({ blocked: [], violations: [] });
});

test("ReDoc at /redoc renders the API offline", async ({ page }) => {
  const seen = await offline(page);
  await page.goto("/redoc");
  await expect(page.getByRole("heading", { name: "Distillery API", level: 1 })).toBeVisible();
  await expect(page.getByRole("menuitem", { name: "datasets" }).first()).toBeVisible();
  // ReDoc's bundle hard-codes one off-site image, the "API docs by Redocly" logo: the policy blocks it
  // (no request leaves) and ReDoc drops the image when it fails. Nothing else may be refused.
  const logo = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  expect(seen.blocked).toEqual([]);
  expect(seen.violations.filter((violation) => !violation.includes(logo))).toEqual([]);
  await expect(page.getByRole("img", { name: "redocly logo" })).toHaveCount(0);
});
