import { expect, test, type Page } from "@playwright/test";

import { uniqueName } from "./data";
import { signIn } from "./helpers";

/** Walks the wizard to its review step for a small question–answer dataset on the bundled model. */
async function fillWizard(page: Page, name: string, count: number): Promise<void> {
  await page.goto("/generate/");
  const form = () => page.locator("form");
  await form().getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.getByRole("heading", { level: 2, name: "Domain or examples" })).toBeFocused();
  await expect(form().getByRole("radio", { name: /Any domain/ })).toBeChecked();
  // An instruction of this job's own: no earlier job's answers in the response cache answer it at once.
  await page.getByLabel("Instruction (optional)").fill(`Short, plain answers for ${name}.`);
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.getByLabel("Teacher")).toHaveValue("local:smollm2-135m");
  await expect(page.getByLabel("Student")).toHaveValue("local:smollm2-135m");
  // A new installation has only the bundled model, and says what it is for.
  await expect(page.getByTestId("demo-model-notice")).toContainText("The bundled model is a demo.");
  await page.getByRole("button", { name: "Next" }).click();

  await page.getByLabel("Dataset name").fill(name);
  await page.getByLabel("Number of rows").fill(String(count));
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Review" })).toBeVisible();
}

test("the wizard refuses to go on without a data type, and checks the size and quality fields", async ({ page }) => {
  await signIn(page, "/generate/");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("Choose a data type.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Data type" })).toBeVisible();

  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  // Nothing is named yet, and a removal threshold above the fix threshold makes no sense.
  await page.getByLabel("Remove rows scoring below").fill("9");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("Give the dataset a name.")).toBeVisible();
  await expect(page.getByText("Must not be above the fix threshold.")).toBeVisible();
  await expect(page.getByLabel("Remove rows scoring below")).toHaveAttribute("aria-invalid", "true");
});

test("the review step names the data type and domain as the earlier steps did, and keeps the instruction", async ({ page }) => {
  await signIn(page, "/generate/");
  const form = page.locator("form");
  await form.getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await form.getByRole("radio", { name: /Customer Support/ }).check();
  await page.getByLabel("Subdomain").selectOption("billing");
  await page.getByLabel("Instruction (optional)").fill("Answer as a polite billing agent.");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(uniqueName("Review names"));
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Review" })).toBeVisible();
  const review = (label: string) => page.locator("dt", { hasText: label }).locator("xpath=following-sibling::dd[1]");
  await expect(review("Data type")).toHaveText(/^Question–answer/);
  await expect(review("Domain")).toHaveText("Customer Support / Billing");
  await expect(review("Instruction")).toHaveText("Answer as a polite billing agent.");
  await expect(page.getByText("customer_support")).toHaveCount(0);
});

test("the live estimate prices the job and follows the row count", async ({ page }) => {
  await signIn(page, "/generate/");
  await expect(page.getByText("Nothing to price yet")).toBeVisible();
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  const perStage = page.getByRole("table", { name: "Estimate per stage" });
  await expect(perStage).toBeVisible();
  // The bundled model is free: the job costs nothing, whatever its size.
  await expect(page.getByTestId("estimate-total")).toHaveText("$0");
  const bulkRows = perStage.getByRole("row", { name: /^bulk/ }).getByRole("cell").nth(1);
  await expect(bulkRows).toHaveText("90");

  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Number of rows").fill("1000");
  await expect(bulkRows).toHaveText("900");
});

test("a job started from the wizard shows live progress on its page and can be cancelled", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await fillWizard(page, uniqueName("Wizard run"), 3);
  await page.getByRole("button", { name: "Start generation" }).click();

  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Job: qa · 3 rows");
  await expect(page.getByTestId("demo-model-notice")).toContainText("Made with the demo model.");
  // Snapshots arrive over Server-Sent Events.
  await expect(page.getByTestId("live-mode")).toHaveText("Updates: live");
  await expect(page.getByTestId("stage-seed")).toBeVisible();
  const controls = page.getByRole("group", { name: "Job controls" });
  await expect(controls.getByRole("button", { name: "Resume" })).toBeDisabled();

  // Work starts: the worker takes the first seed item. (The bundled model needs minutes per row on a
  // small CI machine, so the test stops the job here rather than waiting for it to finish.)
  await expect(page.getByTestId("stage-seed")).toContainText(/[1-9]\d* (in flight|done)/, { timeout: 60_000 });
  await expect(page.getByRole("progressbar", { name: "Accepted rows" })).toHaveAttribute("aria-valuemax", "3");

  await controls.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByText("cancelled", { exact: true })).toBeVisible();
  await expect(controls.getByRole("button", { name: "Resume" })).toBeEnabled();
  await expect(controls.getByRole("button", { name: "Cancel" })).toBeDisabled();
  await expect(controls.getByRole("button", { name: "Pause" })).toBeDisabled();
  await expect(page.getByTestId("live-mode")).toHaveText("Updates: finished");

  const datasetLink = page.getByRole("link", { name: "Open the dataset" });
  await expect(datasetLink).toHaveAttribute("href", /\/datasets\/detail\/\?id=/);
});

test("an estimate over the budget is shown, and starting needs a confirmation; the judge policy is priced", async ({ page }) => {
  const policies: unknown[] = [];
  // The bundled model is free, so the estimate of a priced job is stood in for: the server's answer with
  // a total over the budget and the warning it gives then.
  await page.route("**/api/v1/jobs/estimate", async (route) => {
    policies.push((route.request().postDataJSON() as { judge_policy?: unknown }).judge_policy);
    let response;
    let body: Record<string, unknown>;
    try {
      response = await route.fetch();
      body = (await response.json()) as Record<string, unknown>;
    } catch {
      return; // the page dropped this estimate for a newer one (a field changed): nothing to answer
    }
    const over = { ...body, total_usd: "8.45", warnings: ["the estimate $8.45 exceeds the budget $5.00"] };
    await route.fulfill({ response, json: over }).catch(() => undefined);
  });
  await signIn(page, "/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(uniqueName("Over budget"));
  await page.getByLabel("Cheap judge share (%)").fill("50");
  await page.getByLabel("Escalation margin").fill("2");
  await page.getByLabel("Budget (US$, optional)").fill("5");
  await expect(page.getByTestId("estimate-warnings")).toHaveText("Warning: the estimate $8.45 exceeds the budget $5.00.");
  await expect(page.getByRole("table", { name: "Savings by lever" })).toContainText("judge policy");
  await expect(page.getByTestId("estimate-human")).toContainText("$50");
  // The estimate is asked for with the policy as set (after the debounce).
  await expect.poll(() => policies.at(-1)).toEqual({ cheap_judge: null, share: 0.5, escalate_margin: 2 });
  await page.getByRole("button", { name: "Next" }).click();

  const review = (label: string) => page.locator("dt", { hasText: label }).locator("xpath=following-sibling::dd[1]");
  await expect(review("Judge policy")).toContainText("the student judges 50% of its own rows, escalating scores below 9");
  const startButton = page.getByRole("button", { name: "Start generation" });
  await expect(startButton).toBeDisabled();
  const confirm = page.getByLabel(/Start anyway: the estimate \$8\.45 exceeds the budget \$5/);
  await confirm.check();
  await expect(startButton).toBeEnabled();
  await confirm.uncheck();
  await expect(startButton).toBeDisabled();
});
