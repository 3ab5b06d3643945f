import { expect, test } from "@playwright/test";

import { uniqueName } from "./data";
import { apiPost, signIn } from "./helpers";

const csv = (prompts: string[]) => Buffer.from(["prompt", ...prompts.map((p) => `"${p}"`), ""].join("\n"));

/**
 * A stored prompt set, grown to version 2 by an append, answered from the wizard: the prompts step names the
 * version and its prompt count, and the job records the version it answers.
 */
test("the wizard answers a stored prompt set at its version", async ({ page }) => {
  test.setTimeout(360_000);
  const setName = uniqueName("Stored prompts");
  await signIn(page, "/generate/");
  const stored = await apiPost(page.request, "/api/v1/prompt-sets", {
    multipart: { name: setName, file: { name: "first.csv", mimeType: "text/csv", buffer: csv(["Name a colour.", "Say hello."]) } },
  });
  expect(stored.status()).toBe(201);
  const setId = ((await stored.json()) as { prompt_set: { id: string } }).prompt_set.id;
  const appended = await apiPost(page.request, `/api/v1/prompt-sets/${setId}/prompts`, {
    multipart: { file: { name: "more.csv", mimeType: "text/csv", buffer: csv(["Name a fruit.", "Say hello."]) } },
  });
  expect(appended.status()).toBe(201);

  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.locator("form").getByRole("radio", { name: /Your prompts/ }).check();
  await page.getByLabel("Or answer a stored prompt set").selectOption({ label: `${setName} (v2, 3 prompts)` });
  await expect(page.getByTestId("stored-prompt-set-summary")).toContainText("prompt set v2, 3 prompts");
  await page.screenshot({ path: "test-results/screenshots/generate-stored-prompt-set-1280.png", fullPage: true });
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(uniqueName("Answered"));
  await page.getByLabel("Judged share (%)").fill("0");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText(`3 prompts of yours from prompt set “${setName}” v2, each answered by the teacher`)).toBeVisible();
  await page.getByRole("button", { name: "Start answering" }).click();

  await expect(page).toHaveURL(/\/jobs\/detail\/\?id=/);
  const jobId = new URL(page.url()).searchParams.get("id");
  const job = (await (await page.request.get(`/api/v1/jobs/${jobId}`)).json()) as {
    requested: number;
    config: { prompt_set_id: string; prompt_set_version: number };
  };
  expect(job.requested).toBe(3);
  expect(job.config).toMatchObject({ prompt_set_id: setId, prompt_set_version: 2 });
  await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 300_000 });
});
