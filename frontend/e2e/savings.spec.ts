import { expect, test, type Page } from "@playwright/test";

import { uniqueName } from "./data";
import { apiPost, signIn } from "./helpers";

const TEACHER = "openai:gpt-4o";
const SHOTS = "test-results/screenshots";

/** An OpenAI key as if configured, offering the teacher; the advice itself is the real API's (priced offline). */
async function offerOpenAI(page: Page): Promise<void> {
  await page.route("**/api/v1/providers", async (route) => {
    const response = await route.fetch();
    const providers = (await response.json()) as { name: string; configured: boolean; source: string }[];
    const patched = providers.map((p) => (p.name === "openai" ? { ...p, configured: true, source: "settings" } : p));
    await route.fulfill({ response, json: patched });
  });
  await page.route("**/api/v1/providers/openai/models*", (route) =>
    route.fulfill({ json: { provider: "openai", reachable: null, models: [{ id: TEACHER, source: "price_table" }] } }),
  );
}

test("the models step suggests students and cheap judges with their savings, and a click takes one", async ({ page }) => {
  await offerOpenAI(page);
  await signIn(page, "/generate/");
  const estimates: unknown[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith("/api/v1/jobs/estimate")) estimates.push(request.postDataJSON());
  });
  await page.locator("form").getByRole("radio", { name: /Question–answer/ }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.getByText("Pick a hosted teacher to see cheaper students")).toBeVisible();
  await page.getByLabel("Teacher", { exact: true }).selectOption(TEACHER);
  const advice = page.getByTestId("model-advice");
  const students = advice.getByRole("region", { name: "Suggested students" });
  await expect(students.getByRole("listitem").first()).toContainText(/saves ~\$[\d.]+ \(\d+%\)/);
  await expect(students.getByRole("listitem").first()).toContainText("of the teacher's price");
  await page.screenshot({ path: `${SHOTS}/savings-advice-1280.png`, fullPage: true });

  const first = students.getByRole("button", { name: /^Use openai:.+ as the student$/ }).first();
  const model = ((await first.getAttribute("aria-label")) ?? "").replace(/^Use /, "").replace(/ as the student$/, "");
  await first.click();
  await expect(page.getByLabel("Student", { exact: true })).toHaveValue(model);
  await expect(students.getByRole("button", { name: `Use ${model} as the student` })).toHaveText("Chosen");

  const judges = advice.getByRole("region", { name: "Suggested cheap judges" });
  const judge = judges.getByRole("button", { name: /as the cheap judge$/ }).nth(1);
  const judgeModel = ((await judge.getAttribute("aria-label")) ?? "").replace(/^Use /, "").replace(/ as the cheap judge$/, "");
  await judge.click();
  await expect(page.getByTestId("cheap-judge")).toContainText(`Cheap judge: ${judgeModel}`);
  await page.screenshot({ path: `${SHOTS}/savings-advice-taken-1280.png`, fullPage: true });

  // The choices reach the job: the estimate of the next steps prices them.
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Dataset name").fill(uniqueName("Advice"));
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Review" })).toBeVisible();
  await expect
    .poll(() => estimates.at(-1) as { student?: string; judge_policy?: { cheap_judge?: string } } | undefined)
    .toMatchObject({ student: model, judge_policy: { cheap_judge: judgeModel } });
});

test("a finished job, its dataset and analytics tell the same savings, a free run as free", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page);
  // A seed of its own: another spec's job on the bundled model may have cached the answers of seed 0, and
  // a run answered from the cache is worded as such, not as a free run.
  const seed = 1 + Math.floor(Math.random() * 1_000_000);
  const body = { name: uniqueName("Savings"), data_type: "qa", count: 1, teacher_ratio: 1, judge_sample_rate: 0, seed };
  const created = await apiPost(page.request, "/api/v1/jobs/generate", { data: body });
  expect(created.status(), await created.text()).toBe(201);
  const job = (await created.json()) as { id: string; dataset_id: string };

  await page.goto(`/jobs/detail/?id=${job.id}`);
  await expect(page.getByText("completed", { exact: true })).toBeVisible({ timeout: 240_000 });
  const card = page.getByRole("region", { name: "Savings vs teacher only" });
  await expect(card.getByTestId("savings-headline")).toHaveText(
    "Free run: the models used cost nothing (local models), and so would the teacher alone.",
  );
  await expect(card.getByTestId("savings-amount")).toHaveText("$0");
  await expect(card.getByRole("table", { name: "The saving by lever" })).toHaveCount(0);
  await expect(card).not.toContainText("100%");
  await page.screenshot({ path: `${SHOTS}/savings-job-free-1280.png`, fullPage: true });

  const apiSavings = (await (await page.request.get(`/api/v1/jobs/${job.id}/savings`)).json()) as { headline: string };
  await page.goto(`/datasets/detail/?id=${job.dataset_id}`);
  const datasetCard = page.getByRole("region", { name: "Savings vs teacher only" });
  await expect(datasetCard.getByTestId("savings-headline")).toHaveText(apiSavings.headline);
  await page.screenshot({ path: `${SHOTS}/savings-dataset-1280.png`, fullPage: true });

  // Analytics words its period's jobs with the same function: the card says what the API says.
  const served = page.waitForResponse((r) => r.url().includes("/api/v1/analytics/savings"));
  await page.goto("/analytics/");
  const period = (await (await served).json()) as { headline: string };
  const analyticsCard = page.getByRole("region", { name: "Savings vs teacher only" });
  await expect(analyticsCard.getByTestId("savings-headline")).toHaveText(period.headline);
  await page.screenshot({ path: `${SHOTS}/savings-analytics-1280.png`, fullPage: true });

  // A paid run's page: the saving, the counterfactual and each lever's part (the API's figures, as served).
  await page.route(`**/api/v1/jobs/${job.id}/savings`, (route) =>
    route.fulfill({
      json: {
        kind: "saved",
        headline:
          "Saved $1.21 (83.00%): the run cost $0.25 where the teacher alone, writing and validating every row, would have cost $1.46.",
        actual_usd: "0.248",
        teacher_only_usd: "1.46",
        savings_usd: "1.212",
        savings_percent: "83.00",
        levers: [
          { lever: "student split", saved_usd: "0.52", percent: "35.62" },
          { lever: "judge policy", saved_usd: "0.692", percent: "47.40" },
          { lever: "batch", saved_usd: "0", percent: "0.00" },
          { lever: "prompt caching", saved_usd: "0", percent: "0.00" },
        ],
        jobs: 1,
        calls: 410,
        cached_rows: 0,
        unknown_models: [],
      },
    }),
  );
  await page.goto(`/jobs/detail/?id=${job.id}`);
  const paid = page.getByRole("region", { name: "Savings vs teacher only" });
  await expect(paid.getByTestId("savings-amount")).toHaveText("$1.21");
  const levers = paid.getByRole("table", { name: "The saving by lever" });
  await expect(levers.getByRole("row", { name: /judge policy/ })).toContainText("47.4%");
  await page.screenshot({ path: `${SHOTS}/savings-job-paid-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/savings-job-paid-390.png`, fullPage: true });
});
