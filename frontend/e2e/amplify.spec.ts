import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { signIn } from "./helpers";

const EXAMPLE = { input: "My parcel is three days late.", output: "Sorry about that! Could you share the order number?" };
const INSTRUCTION = "You are a friendly support agent. Answer in one or two sentences.";

/**
 * Seed amplification from the wizard, on the bundled model: the examples come from a CSV file (its bad
 * row is named by line), are fixed in place, checked, and amplified by a job that keeps them and writes
 * one new pair; then every row is regenerated into the next version.
 */
test("the wizard amplifies the user's own examples: bad lines named, then a job keeps them and writes more", async ({ page }) => {
  test.setTimeout(540_000);
  const name = uniqueName("Amplified");
  await signIn(page, "/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.locator("form").getByRole("radio", { name: /Your examples/ }).check();

  // Nothing checked yet: the step does not let the wizard go on.
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("Paste or load your examples, then check them.")).toBeVisible();
  await expect(page.getByText("Say what task the examples show.")).toBeVisible();

  // A file with a row that has no output: the good row is read, the bad one named by its line.
  const csv = `input,output\n"${EXAMPLE.input}","${EXAMPLE.output}"\n"Where is my refund?",\n`;
  await page.locator("#seed-file").setInputFiles({ name: "seeds.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  const problems = page.getByRole("list", { name: "Lines that are not usable examples" });
  await expect(problems).toContainText("Line 3");
  await expect(page.getByText("1 line is not usable (1 good)")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Your examples" })).toHaveValue(csv);
  await page.screenshot({ path: "test-results/screenshots/generate-examples-errors-1280.png", fullPage: true });

  // Fixed in place (one JSON object per line now) and checked again.
  await page.getByRole("textbox", { name: "Your examples" }).fill(JSON.stringify(EXAMPLE));
  await page.getByRole("button", { name: "Check examples" }).click();
  await expect(page.getByRole("status").filter({ hasText: "1 example ready to amplify." })).toBeVisible();
  await page.getByRole("textbox", { name: "Instruction" }).fill(INSTRUCTION);
  await expect(page.getByText("the dataset's data type is “generation”")).toBeVisible();
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.getByLabel("Teacher")).toHaveValue("local:smollm2-135m");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(name);
  await expect(page.getByLabel("Teacher share (%)")).toHaveCount(0);
  await page.getByLabel("New rows").fill("1");
  await page.getByLabel("Judged share (%)").fill("0");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("1 example of yours, traced by the teacher")).toBeVisible();
  await expect(page.getByText("generation (single-turn chats)")).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/generate-examples-review-1280.png", fullPage: true });
  await page.getByRole("button", { name: "Start generation" }).click();

  // The job keeps the example (traced) and writes one new pair; the small model may repeat the
  // example, and a repeat is rejected as a near-duplicate, so one or two rows are accepted.
  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
  await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId("job-accepted")).toHaveText(/^[12] \/ 2$/);
  await expect(page.getByTestId("stage-seed")).toContainText("Your examples (traced by the teacher)");
  await expect(page.getByTestId("stage-seed")).toContainText("1 / 1 finished");
  await page.getByRole("link", { name: "Open the dataset" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await page.getByRole("tab", { name: "Examples" }).click();
  await expect(page.getByText(EXAMPLE.input).first()).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/amplified-dataset-examples-1280.png", fullPage: true });

  // Regenerate every row: the user's example stays as it is, a written row is written anew (or kept
  // when no new row is acceptable), and the outcome is the dataset's next version.
  await page.getByRole("checkbox", { name: "Select every example on this page" }).check();
  await page.getByRole("button", { name: "Regenerate selected" }).click();
  const dialog = page.getByRole("dialog", { name: /^Regenerate [12] selected rows?$/ });
  await expect(dialog).toContainText("replaces the old one in v2");
  await dialog.getByRole("button", { name: "Regenerate", exact: true }).click();
  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
  await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 240_000 });
  const verdicts = page.getByTestId("job-verdicts");
  await expect(verdicts).toContainText("Regenerated");
  await expect(verdicts).toContainText("Kept as they were");
  await page.screenshot({ path: "test-results/screenshots/regenerate-job-1280.png", fullPage: true });
  await page.getByRole("link", { name: "Open the dataset" }).click();
  await page.getByRole("tab", { name: "Versions" }).click();
  await expect(page.getByRole("table", { name: "Versions, newest first" })).toContainText(/regenerate job: \d regenerated, [12] kept/);
});
