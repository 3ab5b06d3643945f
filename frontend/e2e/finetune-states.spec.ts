import { expect, test } from "@playwright/test";

import { signIn } from "./helpers";

// Training a run to completion with an evaluation takes minutes here, so the finished run's page is
// checked against an injected answer of the API (the shape distillation's EvaluationReport has).

const RUN_ID = "0b7f3c2e-5d1a-4c8e-9f60-2a4b6c8d0e1f";

function sample(answer: string) {
  return { row_id: "row-3", prompt: "How do I get a refund?", reference: "Open Orders, then Refund.", answer, valid: true };
}

const COMPLETED_RUN = {
  id: RUN_ID,
  name: "Support tune",
  dataset_id: "5e0a8a5e-51c9-4d0e-8a3e-0f0e4f1b2c3d",
  dataset_version: 2,
  owner_id: null,
  status: "completed",
  stop_requested: false,
  config: { max_steps: 4 },
  step: 4,
  total_steps: 4,
  train_loss: 1.21,
  eval_loss: 1.48,
  tokens_per_s: 812.4,
  curve: [
    [1, 2.4, null],
    [2, 1.9, 2.1],
    [3, 1.5, null],
    [4, 1.21, 1.48],
  ],
  result: { adapter_dir: "runs/x/adapter" },
  evaluation: {
    data_type: "qa",
    heldout_ids: ["row-3", "row-7"],
    models: [
      { role: "tuned", model: "run", rows: 2, heldout_loss: 1.48, perplexity: 4.39, rouge_l: 0.61, cost_per_1000: "0", samples: [sample("Go to Orders and press Refund.")] },
      { role: "base", model: "smollm2", rows: 2, heldout_loss: 2.3, perplexity: 9.97, rouge_l: 0.22, cost_per_1000: "0", samples: [sample("I am a language model.")] },
      { role: "teacher", model: "openai:gpt-4o", rows: 2, rouge_l: 0.74, cost_per_1000: "1.25", samples: [sample("Open Orders and choose Refund.")] },
    ],
  },
  error: null,
  created_at: "2026-11-20T10:00:00Z",
  started_at: "2026-11-20T10:00:05Z",
  finished_at: "2026-11-20T10:04:05Z",
};

test("a finished run shows its curve and marks the better model of each score", async ({ page }) => {
  await signIn(page, "/finetune/");
  await page.route(`**/api/v1/finetune/${RUN_ID}`, (route) => route.fulfill({ json: COMPLETED_RUN }));
  await page.goto(`/finetune/detail/?id=${RUN_ID}`);

  await expect(page.getByTestId("run-status")).toHaveText("completed");
  await expect(page.getByTestId("run-steps")).toHaveText("4 / 4 steps");
  await expect(page.getByTestId("run-speed")).toHaveText("812 tokens/s");
  await expect(page.getByRole("img", { name: /latest train loss 1\.210, latest held-out loss 1\.480/ })).toBeVisible();

  const table = page.getByRole("table", { name: "Evaluation" });
  // Base first, then tuned, then the teacher, whatever order the report had.
  await expect(table.getByRole("columnheader")).toHaveText(["Score", "Base student", "Tuned student", "Teacher"]);
  await expect(page.getByTestId("metric-heldout_loss").getByRole("cell")).toHaveText(["2.300", "1.480best", "—"]);
  await expect(page.getByTestId("metric-rouge_l").getByRole("cell")).toHaveText(["0.220", "0.610", "0.740best"]);
  // Two free local models tie on cost; a tie marks nothing.
  await expect(page.getByTestId("metric-cost_per_1000").getByRole("cell")).toHaveText(["$0.0000", "$0.0000", "$1.25"]);
  await expect(page.getByTestId("metric-exact_match")).toHaveCount(0);

  const samples = page.getByRole("region", { name: "Sample answers" });
  await expect(samples).toContainText("How do I get a refund?");
  await expect(samples).toContainText("Go to Orders and press Refund.");
  await expect(samples).toContainText("I am a language model.");
  await expect(page.getByRole("button", { name: "Cancel" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Resume" })).toBeDisabled();
  // A completed run opens the playground.
  await expect(page.getByRole("form", { name: "Playground" }).getByLabel("Prompt")).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/finetune-evaluated-1280.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screenshots/finetune-evaluated-dark-390.png", fullPage: true });
});

const PAIRWISE = [
  { candidate: "tuned", candidate_model: "run", opponent: "base", opponent_model: "smollm2", judge: "openai:gpt-4o-mini", rows: 4, wins: 3, ties: 1, losses: 0, position_inconsistent: 1, unjudged: 0, win_rate: 0.75, tie_rate: 0.25, loss_rate: 0, judge_cost_usd: "0.000216" },
  { candidate: "tuned", candidate_model: "run", opponent: "teacher", opponent_model: "openai:gpt-4o", judge: "openai:gpt-4o-mini", rows: 4, wins: 1, ties: 1, losses: 2, position_inconsistent: 0, unjudged: 0, win_rate: 0.25, tie_rate: 0.25, loss_rate: 0.5, judge_cost_usd: "0.000230" },
];

const SIDE_BY_SIDE = [
  {
    row_id: "row-3",
    prompt: "How do I get a refund?",
    reference: "Open Orders, then Refund.",
    answers: { teacher: "Open Orders and choose Refund.", base: "I am a language model.", tuned: "Go to Orders and press Refund." },
    verdicts: [
      { row_id: "row-3", opponent: "base", outcome: "win", reasons: ["base shown first: B names the menu", "candidate shown first: A names the menu"] },
      { row_id: "row-3", opponent: "teacher", outcome: "inconsistent", reasons: ["teacher shown first: A is clearer", "candidate shown first: A is clearer"] },
    ],
  },
];

const JUDGED_RUN = {
  ...COMPLETED_RUN,
  evaluation: {
    ...COMPLETED_RUN.evaluation,
    pairwise: PAIRWISE,
    side_by_side: SIDE_BY_SIDE,
    gold: { ...COMPLETED_RUN.evaluation, rows_source: "gold", heldout_ids: ["g1", "g2", "g3"], pairwise: PAIRWISE.slice(0, 1), side_by_side: SIDE_BY_SIDE },
  },
};

test("a judged run shows its pairwise win rates and the answers side by side with reasons", async ({ page }) => {
  await signIn(page, "/finetune/");
  await page.route(`**/api/v1/finetune/${RUN_ID}`, (route) => route.fulfill({ json: JUDGED_RUN }));
  await page.goto(`/finetune/detail/?id=${RUN_ID}`);

  const rates = page.getByRole("region", { name: "Judge win rates", exact: true });
  await expect(rates).toContainText("Judged by openai:gpt-4o-mini");
  await expect(page.getByTestId("winrate-base").first().getByRole("cell")).toHaveText(["75%", "25%", "0%", "", "1 of 4", "$0.0002"]);
  await expect(page.getByTestId("winrate-teacher").first().getByRole("cell")).toHaveText(["25%", "25%", "50%", "", "0 of 4", "$0.0002"]);
  await expect(page.getByRole("img", { name: "3 wins, 1 ties, 0 losses" }).first()).toBeVisible();

  const sideBySide = page.getByRole("region", { name: "Side by side", exact: true });
  await expect(sideBySide).toContainText("I am a language model.");
  await expect(sideBySide).toContainText("Tuned vs base student: win");
  await expect(sideBySide).toContainText("candidate shown first: A names the menu");
  await expect(sideBySide).toContainText("Tuned vs teacher: inconsistent");

  await expect(page.getByRole("region", { name: "Evaluation on the gold set: base vs tuned" })).toContainText("3 gold rows");
  await expect(page.getByRole("region", { name: "Judge win rates on the gold set" })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/finetune-judged-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId("winrate-base").first()).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/finetune-judged-390.png", fullPage: true });
});

test("the run list says when it cannot load, recovers on retry, and shows an empty state", async ({ page }) => {
  await signIn(page, "/tasks/");
  await page.route("**/api/v1/finetune?*", (route) =>
    route.fulfill({ status: 500, json: { error: "internal_error", detail: "database exploded" } }),
  );
  await page.getByRole("link", { name: "Fine-tune" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Could not load the runs" });
  await expect(alert).toContainText("database exploded");

  await page.unroute("**/api/v1/finetune?*");
  await page.route("**/api/v1/finetune?*", (route) => route.fulfill({ json: { items: [], total: 0, page: 1, page_size: 20 } }));
  await alert.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByText("No fine-tune runs yet")).toBeVisible();
});

test("a link to a run that does not exist says so", async ({ page }) => {
  await signIn(page, `/finetune/detail/?id=${RUN_ID}`);
  await expect(page.getByText("There is no such run")).toBeVisible();
  await page.getByRole("link", { name: "Back to the runs" }).click();
  await expect(page).toHaveURL(/\/finetune\/$/);
});
