import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { AXE_TAGS_WCAG21_AA, downloadFrom, expectAccessible, signIn } from "./helpers";
import { FAKE_MODEL, FAKE_TEACHER, addFakeProvider, removeFakeProvider } from "./jobs-data";

const DIR = "test-results/screenshots";
// The fake judge prefers the teacher 9 to 4 in both orders, except for the last three (see FAKE_TEACHER).
const CLEAR = ["Name a colour.", "Say hello politely.", "What is the capital of France?"];
const PROMPTS = [...CLEAR, "A tricky one: name a fruit.", "An even one: name a city.", "A close one: name a river."];

/**
 * Preference pairs from the wizard, on the fake provider: the user's prompts, "Preference pairs" as what the job
 * makes, the teacher against the student; the job page counts the kept pairs and why the others were not kept
 * (position-inconsistent, tie, below the margin), and the dataset exports as TRL DPO prompt / chosen / rejected.
 */
test("the wizard makes preference pairs: kept and rejected counts with reasons, TRL DPO export", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page, "/generate/");
  await addFakeProvider(page.request);
  try {
    const name = uniqueName("Pairs");
    await page.reload(); // the wizard's model pickers list the provider added after the page loaded
    await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
    await page.getByRole("button", { name: "Next" }).click();
    await page.locator("form").getByRole("radio", { name: /Your prompts/ }).check();
    const csv = ["prompt,system", ...PROMPTS.map((p) => `"${p}",Answer briefly.`), ""].join("\n");
    await page.locator("#prompt-file").setInputFiles({ name: "prompts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect(page.getByRole("status").filter({ hasText: `${PROMPTS.length} prompts to answer` })).toBeVisible();
    await page.getByRole("button", { name: "Next" }).click();

    await page.locator("form").getByRole("radio", { name: /Preference pairs/ }).check();
    await page.getByLabel("Teacher", { exact: true }).selectOption(FAKE_TEACHER);
    // The student starts as the bundled model; choosing the teacher for it is refused.
    await page.getByLabel("Student", { exact: true }).selectOption(FAKE_TEACHER);
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByTestId("student-error")).toHaveText("Choose a student other than the teacher.");
    await page.getByLabel("Student", { exact: true }).selectOption(FAKE_MODEL);
    await expect(page.getByLabel("Minimum margin")).toHaveValue("2");
    await expectAccessible(page, "the wizard's models step with preference pairs", AXE_TAGS_WCAG21_AA);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${DIR}/generate-preference-models-1280.png`, fullPage: true });
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Dataset name").fill(name);
    await expect(page.getByLabel("Remove rows scoring below")).toHaveCount(0);
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByText(/preference pairs: teacher against student, kept when both judge orders agree by at least 2/)).toBeVisible();
    await page.getByRole("button", { name: "Start answering" }).click();

    await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
    await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 180_000 });
    const pairs = page.getByTestId("job-pairs");
    await expect(pairs).toContainText(`Preference pairs: ${PROMPTS.length} decided`);
    await expect(page.getByTestId("job-accepted")).toHaveText(`${CLEAR.length} / ${PROMPTS.length}`);
    const reasons = pairs.getByRole("list", { name: "Why pairs were not kept" });
    await expect(reasons).toContainText("position-inconsistent: the two orders named different winners (1)");
    await expect(reasons).toContainText("tie: both orders judged the answers equal (1)");
    await expect(reasons).toContainText("below margin: the winner did not win by enough (1)");
    await expect(page.getByTestId("job-pairs-preferred")).toHaveText("Chosen answers: teacher 3");
    await expect(page.getByTestId("stage-preference")).toContainText("Pairs decided (teacher vs student, judged twice)");
    await expectAccessible(page, "a preference job at 1280 px", AXE_TAGS_WCAG21_AA);
    await page.screenshot({ path: `${DIR}/preference-job-1280.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page, "a preference job at 390 px", AXE_TAGS_WCAG21_AA);
    await page.screenshot({ path: `${DIR}/preference-job-390.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole("link", { name: "Open the dataset" }).click();
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await page.getByRole("button", { name: "Export", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: `Export “${name}”` });
    await dialog.getByRole("radio", { name: /^TRL DPO/ }).check();
    const file = await downloadFrom(page, dialog.getByRole("button", { name: "Download" }));
    type Message = { role: string; content: string };
    const lines = file.body
      .toString("utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { prompt: Message[]; chosen: Message[]; rejected: Message[] });
    expect(lines).toHaveLength(CLEAR.length);
    for (const line of lines) {
      const question = line.prompt.at(-1)?.content ?? "";
      expect(CLEAR).toContain(question);
      expect(line.prompt[0]).toEqual({ role: "system", content: "Answer briefly." });
      expect(line.chosen).toEqual([{ role: "assistant", content: `Teacher answer: ${question}` }]);
      expect(line.rejected[0]?.role).toBe("assistant");
    }
  } finally {
    await removeFakeProvider(page.request);
  }
});
