import { expect, test, type Page } from "@playwright/test";

import { uniqueName } from "./data";
import { apiPost, apiPut, expectAccessible, signIn } from "./helpers";
import { FAKE_BASE_URL, FAKE_MODEL } from "./jobs-data";

const SHOTS = "test-results/screenshots";
const FIRST_POLICY = "Answer in one short sentence.";
const EDITED_POLICY = "Answer with one word.";

/** A full-page screenshot at `width` px, taken from the top (sticky bars stay where they belong). */
async function shot(page: Page, name: string, width: 1280 | 390): Promise<void> {
  await page.setViewportSize({ width, height: width === 1280 ? 900 : 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
}

/**
 * A task spec made and edited in the dashboard: a bad schema is named, the policy edit is saved as version 2
 * (version 1 stays in the history), and a job started from the wizard with the spec runs version 2's policy.
 */
test("a task spec is edited in the dashboard and a job runs its new version", async ({ page }) => {
  test.setTimeout(240_000);
  const specName = `spec-${Date.now()}`;
  await signIn(page, "/task-specs/");
  await expect(page.getByRole("heading", { level: 1, name: "Task specs" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Built-in task specs" })).toContainText("qa");
  await page.getByRole("link", { name: "New task spec" }).first().click();

  await page.getByLabel("Name", { exact: true }).fill(specName);
  await page.getByLabel("Title").fill("Brief answers");
  await page.getByLabel("Instruction").fill("Answer the user's question.");
  await page.getByLabel("Policy").fill(FIRST_POLICY);
  await page.getByRole("button", { name: "Add criterion" }).click();
  await page.getByLabel("Criterion 1 name").fill("brief");
  await page.getByLabel("Criterion 1 description").fill("The answer is as short as the policy says.");
  // A schema that is not JSON is named under the field, and nothing can be saved.
  const schema = page.getByLabel("Output JSON Schema");
  await schema.fill("{ not json");
  await expect(page.getByText(/The output schema is not valid JSON/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Save as a new spec" })).toBeDisabled();
  // A schema the server refuses (a remote $ref) is listed with the field.
  await schema.fill('{"type": "object", "$ref": "https://example.test/schema.json"}');
  await page.getByRole("button", { name: "Validate" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The spec has problems" })).toContainText("output_schema: the schema refers to");
  await schema.fill('{"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string"}}}');
  await page.getByRole("button", { name: "Validate" }).click();
  await expect(page.getByText("The spec is valid.")).toBeVisible();
  await page.getByRole("button", { name: "Save as a new spec" }).click();
  await expect(page).toHaveURL(/\/task-specs\/edit\/\?id=/);
  await expect(page.getByRole("heading", { level: 1, name: "Brief answers · version 1" })).toBeVisible();

  // The policy edit is version 2; version 1 stays readable.
  await page.getByLabel("Policy").fill(EDITED_POLICY);
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Brief answers · version 2" })).toBeVisible();
  const versions = page.getByRole("list", { name: "Versions" });
  await expect(versions.getByRole("link", { name: "Version 1" })).toBeVisible();
  await expectAccessible(page, "task spec editor");
  await shot(page, "task-spec-editor", 1280);
  await shot(page, "task-spec-editor", 390);
  await page.setViewportSize({ width: 1280, height: 900 });
  await versions.getByRole("link", { name: "Version 1" }).click();
  await expect(page.getByLabel("Policy")).toHaveValue(FIRST_POLICY);
  await page.getByRole("link", { name: "All task specs" }).click();
  await expect(page.getByRole("table", { name: "Your task specs" })).toContainText("Brief answers");
  await expectAccessible(page, "task spec list");
  await shot(page, "task-specs", 1280);
  await shot(page, "task-specs", 390);
  await page.setViewportSize({ width: 1280, height: 900 });

  // The wizard runs the spec on the user's prompts; the job holds version 2 and its policy.
  await page.goto("/generate/");
  await page.getByLabel("Or run one of your task specs").selectOption({ label: "Brief answers (version 2)" });
  await page.getByRole("button", { name: "Next" }).click();
  await page.locator("form").getByRole("radio", { name: /Your prompts/ }).check();
  const csv = ["prompt", "What is 2 + 2?", "Name a colour.", ""].join("\n");
  await page.locator("#prompt-file").setInputFiles({ name: "prompts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByRole("status").filter({ hasText: "2 prompts to answer" })).toBeVisible();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(uniqueName("Spec answers"));
  await page.getByLabel("Judged share (%)").fill("0");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Start answering" }).click();
  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
  const jobId = new URL(page.url()).searchParams.get("id") ?? "";
  const job = (await (await page.request.get(`/api/v1/jobs/${jobId}`)).json()) as { config: Record<string, unknown> };
  expect(job.config.task_spec_version).toBe(2);
  expect((job.config.task as { policy: string }).policy).toBe(EDITED_POLICY);
  await expect(page.getByTestId("job-accepted")).toBeVisible();
  await shot(page, "task-spec-job", 1280);
  // Stopped once looked at: the bundled model must not go on answering beside the tests that follow.
  expect([200, 409]).toContain((await apiPost(page.request, `/api/v1/jobs/${jobId}/cancel`)).status());
});

/**
 * "Draft the policy with the teacher": the fake provider's teacher writes a draft from the spec and the
 * examples, the draft fills the policy editor, the user edits it and saves it with the spec.
 */
test("the teacher drafts a spec's policy and the user edits and saves it", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, "/task-specs/");
  const saved = await apiPut(page.request, `/api/v1/providers/${FAKE_MODEL.split(":")[0]}`, { data: { base_url: FAKE_BASE_URL } });
  expect(saved.status(), await saved.text()).toBe(200);
  await page.goto("/task-specs/edit/");
  await page.getByLabel("Name", { exact: true }).fill(uniqueName("drafted").toLowerCase().replace(/[^a-z0-9_.-]/g, "-"));
  await page.getByLabel("Title").fill("Drafted policy");
  await page.getByLabel("Instruction").fill("Answer the customer's question about their order.");
  await page.getByText("Draft the policy with the teacher").click();
  const teacher = page.getByLabel("Teacher");
  await expect(teacher.locator("option", { hasText: FAKE_MODEL })).toHaveCount(1);
  await teacher.selectOption(FAKE_MODEL);
  await page.getByLabel("Examples").fill("Where is parcel 1234?\n\nI was charged twice for order 77.");
  await page.getByRole("button", { name: "Draft the policy" }).click();
  // The fake teacher echoes the last line of what it was asked: the request ends with the ask for the policy.
  await expect(page.getByRole("status").filter({ hasText: `Drafted by ${FAKE_MODEL} from 2 examples` })).toBeVisible();
  const policy = page.getByLabel("Policy");
  await expect(policy).toHaveValue("echo: Write the task policy.");
  await policy.fill("- Name the order number.\n- Answer in two sentences at most.");
  await expectAccessible(page, "task spec policy draft");
  await page.getByRole("button", { name: "Save as a new spec" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Drafted policy · version 1" })).toBeVisible();
  await expect(page.getByLabel("Policy")).toHaveValue("- Name the order number.\n- Answer in two sentences at most.");
});
