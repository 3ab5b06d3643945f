import { expect, test, type Page } from "@playwright/test";

import { expectLiveWorker, signIn } from "./helpers";

const DIR = "test-results/screenshots";
const WIDTHS = [1280, 390] as const;

async function shoot(page: Page, name: string, width: number): Promise<void> {
  await page.screenshot({ path: `${DIR}/${name}-${width}.png`, fullPage: true, animations: "disabled" });
}

/** Guarantees a finished task, so the tasks table and the chart have something to show. */
async function runDiagnostic(page: Page): Promise<void> {
  const sent = await page.request.post("/api/v1/system/diagnostics");
  expect(sent.status()).toBe(202);
  const { id } = (await sent.json()) as { id: string };
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/tasks/${id}`)).json()) as { status: string }).status, {
      timeout: 60_000,
    })
    .toBe("succeeded");
}

for (const width of WIDTHS) {
  test(`screenshots of every page at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });

    await page.goto("/login/");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await shoot(page, "login", width);

    await signIn(page);
    await runDiagnostic(page);
    await expectLiveWorker(page);
    await expect(page.getByRole("img", { name: /Tasks by status/ })).toBeVisible();
    await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
    await shoot(page, "overview", width);

    await page.goto("/tasks/");
    await expect(page.getByRole("table")).toBeVisible();
    await page.getByRole("button", { name: "Run worker diagnostic" }).click();
    await expect(page.getByTestId("diagnostic-answer")).toBeVisible({ timeout: 60_000 });
    await shoot(page, "tasks", width);

    // Dark mode follows the system setting (prefers-color-scheme).
    await page.emulateMedia({ colorScheme: "dark" });
    await shoot(page, "tasks-dark", width);
    await page.goto("/");
    await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
    await shoot(page, "overview-dark", width);
    await page.emulateMedia({ colorScheme: "light" });

    if (width < 1024) {
      await page.getByRole("button", { name: "Open navigation" }).click();
      await expect(page.locator("#mobile-menu")).toBeVisible();
      await shoot(page, "menu", width);
    }
  });
}
