import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { downloadFrom, signIn } from "./helpers";

const FIRST: [string, string, string, string, string] = ["What is 2 + 2?", "Name a colour.", "Say hello.", "What is the capital of France?", "Name a fruit."];
/** The 30-prompt set by default (about 2 s each on the bundled model); RELABEL_PROMPTS=5 runs a shorter one. */
const COUNT = Math.max(FIRST.length, Number(process.env.RELABEL_PROMPTS ?? 30));
const PROMPTS = [...FIRST, ...Array.from({ length: COUNT - FIRST.length }, (_, i) => `Name a number bigger than ${i + 10}.`)];

/**
 * Relabel from the wizard, on the bundled model: a CSV of the user's own prompts (one line holds no prompt and
 * is named by its number, one repeats an earlier prompt and is left out), its columns shown and mapped, then a
 * job in which the teacher answers each prompt; the dataset holds the answers and exports as OpenAI JSONL.
 */
test("the wizard answers the user's own prompts: bad line named, job done, dataset exported", async ({ page }) => {
  test.setTimeout(480_000);
  const name = uniqueName("Relabelled");
  await signIn(page, "/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.locator("form").getByRole("radio", { name: /Your prompts/ }).check();

  // Nothing uploaded yet: the step does not let the wizard go on.
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("Upload a prompt file with at least one usable prompt.")).toBeVisible();

  // Line 4 has no prompt; line 8 repeats line 2 (case and spaces do not matter).
  const rows = PROMPTS.map((prompt) => `"${prompt}",Answer in one short sentence.,math`);
  const csv = ["ask,system,topic", rows[0], rows[1], ",Answer in one short sentence.,none", ...rows.slice(2), '"what is 2 +  2?",Answer in one short sentence.,math', ""].join("\n");
  await page.locator("#prompt-file").setInputFiles({ name: "prompts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  // "ask" is no name the reader knows: every line is bad until the prompt column is chosen.
  await expect(page.getByRole("list", { name: "Lines that are not usable prompts" })).toContainText("Line 2");
  await page.getByLabel("Prompt column", { exact: true }).selectOption("ask");
  const problems = page.getByRole("list", { name: "Lines that are not usable prompts" });
  await expect(problems).toContainText("Line 4");
  await expect(problems).not.toContainText("Line 2");
  await expect(page.getByRole("status").filter({ hasText: `${COUNT} prompts to answer (CSV, 1 duplicate left out).` })).toBeVisible();
  await expect(page.getByLabel("System prompt column")).toContainText("Detected: system");
  const sample = page.getByRole("table", { name: "The first prompts, as the teacher will get them" });
  await expect(sample).toContainText(FIRST[0]);
  await expect(sample).toContainText("Answer in one short sentence.");
  await page.screenshot({ path: "test-results/screenshots/generate-prompts-1280.png", fullPage: true });
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.getByLabel("Teacher", { exact: true })).toHaveValue("local:smollm2-135m");
  await expect(page.getByLabel("Student", { exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(name);
  await expect(page.getByLabel("Number of rows")).toHaveCount(0);
  await page.getByLabel("Judged share (%)").fill("0");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText(`${COUNT} prompts of yours from prompts.csv, each answered by the teacher`)).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/generate-prompts-review-1280.png", fullPage: true });
  await page.getByRole("button", { name: "Start answering" }).click();

  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
  await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId("stage-relabel")).toContainText("Your prompts answered (teacher)");
  await expect(page.getByTestId("stage-relabel")).toContainText(`${COUNT} / ${COUNT} finished`);
  // The bundled model may leave an answer empty (a rejected prompt): every kept answer is a row of the dataset.
  const accepted = Number((await page.getByTestId("job-accepted").textContent())?.split(" / ")[0]);
  expect(accepted).toBeGreaterThan(0);
  await page.screenshot({ path: "test-results/screenshots/relabel-job-1280.png", fullPage: true });
  await page.getByRole("link", { name: "Open the dataset" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await page.getByRole("tab", { name: "Examples" }).click();
  await expect(page.getByText(FIRST[3]).first()).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/relabelled-dataset-1280.png", fullPage: true });

  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Export “${name}”` });
  await dialog.getByRole("radio", { name: /^OpenAI fine-tuning\s/ }).check();
  const file = await downloadFrom(page, dialog.getByRole("button", { name: "Download" }));
  const lines = file.body.toString("utf8").trim().split("\n").map((line) => JSON.parse(line) as { messages: { role: string; content: string }[] });
  expect(lines).toHaveLength(accepted);
  for (const line of lines) {
    expect(line.messages.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
    expect(PROMPTS).toContain(line.messages[1]?.content);
  }
});

/** A prompt file of chat logs that offer tools: the sample names each prompt's tools and shows their schemas. */
test("the prompt sample shows the tools a prompt offers", async ({ page }) => {
  const weather = {
    type: "function",
    function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
  };
  const lines = [
    { messages: [{ role: "user", content: "Weather in Oslo?" }], tools: [weather] },
    { messages: [{ role: "user", content: "Say hello." }] },
  ];
  await signIn(page, "/generate/");
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.locator("form").getByRole("radio", { name: /Your prompts/ }).check();
  const jsonl = lines.map((line) => JSON.stringify(line)).join("\n");
  await page.locator("#prompt-file").setInputFiles({ name: "tools.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(jsonl) });
  await expect(page.getByRole("status").filter({ hasText: "2 prompts to answer" })).toBeVisible();
  const sample = page.getByRole("table", { name: "The first prompts, as the teacher will get them" });
  const oslo = sample.getByRole("row").filter({ hasText: "Weather in Oslo?" });
  await oslo.getByText("get_weather", { exact: true }).click();
  await expect(oslo).toContainText('"required": [');
  await expect(sample.getByRole("row").filter({ hasText: "Say hello." })).toContainText("—");
  await page.screenshot({ path: "test-results/screenshots/generate-prompts-tools-1280.png", fullPage: true });
});
