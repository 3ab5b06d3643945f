import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { AXE_TAGS_WCAG21_AA, expectAccessible, signIn } from "./helpers";
import { FAKE_MODEL, FAKE_TEACHER, addFakeProvider, removeFakeProvider } from "./jobs-data";

const DIR = "test-results/screenshots";
const PROMPTS = ["Name a colour.", "Say hello politely.", "What is the capital of France?"];

/**
 * Student first from the wizard, on the fake provider: its judge gives every answer the schema's lowest scores, so
 * every student answer is escalated to the teacher (kept, with "Remove rows scoring below" at 0); the job page
 * reports the share escalated, why, the cost against teacher-only and each path's outcome.
 */
test("the wizard runs a student-first cascade and the job page reports its escalations", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "/generate/");
  await addFakeProvider(page.request);
  try {
    const name = uniqueName("Cascade");
    await page.reload();
    await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
    await page.getByRole("button", { name: "Next" }).click();
    await page.locator("form").getByRole("radio", { name: /Your prompts/ }).check();
    const csv = ["prompt", ...PROMPTS.map((p) => `"${p}"`), ""].join("\n");
    await page.locator("#prompt-file").setInputFiles({ name: "prompts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect(page.getByRole("status").filter({ hasText: `${PROMPTS.length} prompts to answer` })).toBeVisible();
    await page.getByRole("button", { name: "Next" }).click();

    await page.locator("form").getByRole("radio", { name: /Student first/ }).check();
    await page.getByLabel("Teacher", { exact: true }).selectOption(FAKE_TEACHER);
    await page.getByLabel("Student", { exact: true }).selectOption(FAKE_MODEL);
    await page.getByLabel("Escalate to the teacher below").fill("11");
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByText("A score from 0 to 10.")).toBeVisible();
    await page.getByLabel("Escalate to the teacher below").fill("7");
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${DIR}/generate-cascade-models-1280.png`, fullPage: true });
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Dataset name").fill(name);
    await page.getByLabel("Remove rows scoring below").fill("0");
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByText(/student first: answers scoring below 7 are answered again by the teacher/)).toBeVisible();
    await page.getByRole("button", { name: "Start answering" }).click();

    await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
    await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 180_000 });
    const cascade = page.getByTestId("job-cascade");
    await expect(cascade).toContainText("Student first: e2e-fake:fake-model, escalated below 7");
    await expect(cascade).toContainText(`${PROMPTS.length} / ${PROMPTS.length} (100.0%)`);
    await expect(page.getByTestId("job-cascade-reasons")).toHaveText(`Why prompts went to the teacher: low score (${PROMPTS.length})`);
    await expect(cascade.getByRole("list", { name: "Quality of each path" })).toContainText(
      `Teacher (escalated): answered ${PROMPTS.length}, kept ${PROMPTS.length} (100.0%)`,
    );
    await expect(page.getByTestId("job-accepted")).toHaveText(`${PROMPTS.length} / ${PROMPTS.length}`);
    await expectAccessible(page, "a cascade job at 1280 px", AXE_TAGS_WCAG21_AA);
    await page.screenshot({ path: `${DIR}/cascade-job-1280.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page, "a cascade job at 390 px", AXE_TAGS_WCAG21_AA);
    await page.screenshot({ path: `${DIR}/cascade-job-390.png`, fullPage: true });
  } finally {
    await removeFakeProvider(page.request);
  }
});
