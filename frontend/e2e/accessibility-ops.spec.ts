import { expect, test, type Page } from "@playwright/test";

import { uniqueName } from "./data";
import { expectAccessible, signIn } from "./helpers";
import { startJob, stopJob } from "./jobs-data";

const SCHEMES = ["light", "dark"] as const;

/** The estimate is re-priced (and faded while it is) after a change: check the page once it has settled. */
async function settledEstimate(page: Page): Promise<void> {
  await expect(page.getByTestId("estimate-body")).toHaveAttribute("aria-busy", "false");
}

for (const scheme of SCHEMES) {
  test(`generate, jobs, analytics and settings pass axe-core in ${scheme} mode`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await signIn(page, "/generate/");
    await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
    await expect(page.getByTestId("estimate-total")).toBeVisible();
    await settledEstimate(page);
    await expectAccessible(page, "generate: data type");
    // Structure does not change with the colour scheme: the remaining steps are checked once.
    if (scheme === "light") {
      await page.getByRole("button", { name: "Next" }).click();
      await settledEstimate(page);
      await expectAccessible(page, "generate: domain");
      await page.locator("form").getByRole("radio", { name: /Your examples/ }).check();
      await page.getByRole("textbox", { name: "Your examples" }).fill('{"input": "Hi"}');
      await page.getByRole("button", { name: "Check examples" }).click();
      await expect(page.getByRole("list", { name: "Lines that are not usable examples" })).toBeVisible();
      await page.getByRole("button", { name: "Next" }).click();
      await expect(page.getByText("Say what task the examples show.")).toBeVisible();
      await settledEstimate(page);
      await expectAccessible(page, "generate: examples with errors");
      await page.locator("form").getByRole("radio", { name: /A domain/ }).check();
      await page.getByRole("button", { name: "Next" }).click();
      await expect(page.getByLabel("Teacher")).toBeVisible();
      await settledEstimate(page);
      await expectAccessible(page, "generate: models");
      await page.getByRole("button", { name: "Next" }).click();
      await page.getByRole("button", { name: "Next" }).click();
      await expect(page.getByText("Give the dataset a name.")).toBeVisible();
      await settledEstimate(page);
      await expectAccessible(page, "generate: size and quality with errors");
    }

    const job = await startJob(page.request, uniqueName("Accessible job"), 40);
    try {
      await page.goto("/jobs/");
      await expect(page.getByRole("table", { name: "Jobs" })).toBeVisible();
      await expectAccessible(page, "jobs");
      await page.goto(`/jobs/detail/?id=${job.id}`);
      await expect(page.getByTestId("stage-seed")).toBeVisible();
      await expectAccessible(page, "job detail");
    } finally {
      await stopJob(page.request, job.id);
    }

    await page.goto("/analytics/");
    await expect(page.getByTestId("savings-amount")).toBeVisible();
    await expectAccessible(page, "analytics");

    await page.goto("/settings/");
    await expect(page.getByRole("list", { name: "Users" })).toBeVisible();
    await expectAccessible(page, "settings");
    await page.getByRole("button", { name: "Set the key of openai" }).click();
    await expect(page.getByRole("dialog", { name: "Key for openai" })).toBeVisible();
    await expectAccessible(page, "provider key dialog");
  });
}
