import { expect, test } from "@playwright/test";

import { createDataset, uniqueName } from "./data";
import { AXE_TAGS_WCAG21_AA, expectAccessible, signIn } from "./helpers";

const DIR = "test-results/screenshots";
const LABELS = ["billing", "shipping", "technical"];

// Row i: (the dataset's label, judge score, the judge's accuracy score).
const ROWS: [string, number, number][] = [
  ["billing", 9.0, 9.0],
  ["billing", 8.0, 8.0],
  ["technical", 7.0, 7.0],
  ["technical", 6.0, 6.0],
  ["shipping", 5.0, 3.0],
  ["shipping", 4.0, 5.0],
];

/** A classification dataset as `distillery generate` writes it: the answer is the label. */
function classificationJsonl(): string {
  return (
    ROWS.map(([label, score, accuracy], i) =>
      JSON.stringify({
        messages: [
          { role: "user", content: `Classify the following text.\nLabels: ${LABELS.join(", ")}\n\nText: Ticket ${i + 1} about my account.` },
          { role: "assistant", content: label },
        ],
        metadata: { score, provenance: { stage: "bulk", judge_scores: { accuracy, clarity: 6, reason: "plausible" } } },
      }),
    ).join("\n") + "\n"
  );
}

test("a classification dataset reviewed with labels and criterion ratings is relabeled and calibrated", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Labels"), classificationJsonl(), { data_type: "classification" });
  await page.goto(`/datasets/review/?id=${dataset.id}`);
  const row = page.getByRole("region", { name: /^Row \d/ });
  const criteria = row.getByRole("group", { name: "Rating per criterion" });
  const accuracy = criteria.getByLabel("accuracy");
  const label = row.getByLabel("Correct label");
  await expect(row).toContainText("Ticket 1 about");
  // One labelled select per numeric criterion the judge scored; its reasons in words have none.
  await expect(criteria.getByRole("combobox")).toHaveCount(2);
  await expect(criteria.getByLabel("clarity")).toBeVisible();
  await expect(criteria.getByLabel("reason")).toHaveCount(0);
  await expect(label.getByRole("option")).toHaveText(["Not checked", "billing (the row's label)", "shipping", "technical"]);
  await expectAccessible(page, "review of a classification row", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/review-labels-1280.png`, fullPage: true });

  // The keyboard works in the selects, and a letter typed there picks an option: it skips no row.
  await accuracy.focus();
  await page.keyboard.press("5");
  await expect(accuracy).toHaveValue("5");
  await label.focus();
  await page.keyboard.press("s");
  await expect(label).toHaveValue("shipping");
  await expect(row).toContainText("Ticket 1 about");
  await label.selectOption("billing");
  await row.getByRole("button", { name: /Accept/ }).click();

  // (accuracy rating, label) of rows 2 to 6; row 4 keeps its label unchecked.
  const decisions: [string, string][] = [
    ["4", "technical"],
    ["2", "technical"],
    ["3", ""],
    ["1", "billing"],
    ["", "shipping"],
  ];
  for (const [i, [rating, given]] of decisions.entries()) {
    await expect(row).toContainText(`Ticket ${i + 2} about`);
    if (rating) await accuracy.selectOption(rating);
    if (given) await label.selectOption(given);
    await row.getByRole("button", { name: /Accept/ }).click();
  }
  await expect(page.getByText("Every row of this version is decided")).toBeVisible();
  // Rows 2 and 5 get another label: two rows to change.
  await page.getByRole("button", { name: "Apply 2 decisions as v2" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved v2" })).toHaveText("Saved v2: 2 rows changed, 6 rows now.");

  await page.goto(`/datasets/detail/?id=${dataset.id}&tab=threshold`);
  const panel = page.getByRole("region", { name: "Calibrate the judge" });
  // Accuracy ratings 5, 4, 2, 3, 1 against the judge's 9, 8, 7, 6, 3: rho = 1 - 6 * 2 / 120 = 0.90.
  const perCriterion = panel.getByRole("table", { name: /per criterion/ });
  await expect(perCriterion.getByRole("row", { name: /accuracy/ })).toHaveText(/accuracy\s*5\s*0\.90/);
  await expect(perCriterion.getByRole("row", { name: /clarity/ })).toHaveCount(0);
  // 5 labelled rows, 3 labels kept; rows by the dataset's label, columns by the reviewer's.
  const labels = panel.getByRole("region", { name: "Labels" });
  await expect(labels).toContainText("The reviewers kept the dataset's label on 60% of 5 rows.");
  const confusion = labels.getByRole("table");
  await expect(confusion.getByRole("row", { name: /Dataset: billing/ })).toHaveText(/Dataset: billing\s*1\s*0\s*1$/);
  await expect(confusion.getByRole("row", { name: /Dataset: shipping/ })).toHaveText(/Dataset: shipping\s*1\s*1\s*0$/);
  await expect(confusion.getByRole("row", { name: /Dataset: technical/ })).toHaveText(/Dataset: technical\s*0\s*0\s*1$/);
  await expectAccessible(page, "calibration with labels", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/calibration-labels-1280.png`, fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await expect(confusion).toBeVisible();
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAccessible(page, "calibration with labels at 390 px", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/calibration-labels-390.png`, fullPage: true });

  // The applied labels are the answers of v2's rows: rows 2 and 5 relabeled, the others as they were.
  const listed = await page.request.get(`/api/v1/datasets/${dataset.id}/examples`);
  expect(listed.status()).toBe(200);
  const items = ((await listed.json()) as { items: { position: number; messages: { content: string }[] }[] }).items;
  const answers = [...items].sort((a, b) => a.position - b.position).map((e) => e.messages.at(-1)?.content);
  expect(answers).toEqual(["billing", "technical", "technical", "technical", "billing", "shipping"]);

  // A fresh classification dataset shows its review controls on a phone.
  const phone = await createDataset(page.request, uniqueName("Labels phone"), classificationJsonl(), { data_type: "classification" });
  await page.goto(`/datasets/review/?id=${phone.id}`);
  await expect(row.getByLabel("Correct label")).toBeVisible();
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAccessible(page, "review of a classification row at 390 px", AXE_TAGS_WCAG21_AA);
  await page.screenshot({ path: `${DIR}/review-labels-390.png`, fullPage: true });
});
