/** The evaluation report of a run (distillation's EvaluationReport), read from the API's untyped JSON. */

import { parseComparisons, parseSideBySide, type Comparison, type SideBySideRow } from "./pairwise";

export type Role = "base" | "tuned" | "teacher";

export type Sample = { rowId: string; prompt: string; reference: string; answer: string; valid: boolean | null };

export type ModelScores = {
  role: Role;
  model: string;
  rows: number;
  metrics: Partial<Record<MetricKey, number>>;
  samples: Sample[];
};

export type Evaluation = {
  dataType: string | null;
  /** Rows evaluated: the run's held-out rows, or a gold set's. */
  heldout: number;
  source: "heldout" | "gold";
  models: ModelScores[];
  comparisons: Comparison[];
  sideBySide: SideBySideRow[];
  /** The same evaluation on the gold set chosen for the run, if any. */
  gold: Evaluation | null;
};

export type MetricKey =
  | "heldout_loss"
  | "perplexity"
  | "format_validity"
  | "exact_match"
  | "field_accuracy"
  | "rouge_l"
  | "judge_score"
  | "judge_win_rate"
  | "cost_per_1000"
  | "latency_median_s"
  | "latency_p90_s";

export type Metric = { key: MetricKey; label: string; better: "higher" | "lower"; format: (v: number) => string };

const share = (v: number) => `${(v * 100).toFixed(1)}%`;
const plain = (v: number) => v.toFixed(3);
const seconds = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} s`;

/** The scores shown, in order; a row appears only when some model has a value for it. */
export const METRICS: readonly Metric[] = [
  { key: "heldout_loss", label: "Held-out loss", better: "lower", format: plain },
  { key: "perplexity", label: "Perplexity", better: "lower", format: (v) => v.toFixed(2) },
  { key: "format_validity", label: "Format validity", better: "higher", format: share },
  { key: "exact_match", label: "Exact match", better: "higher", format: share },
  { key: "field_accuracy", label: "Field accuracy", better: "higher", format: share },
  { key: "rouge_l", label: "ROUGE-L", better: "higher", format: plain },
  { key: "judge_score", label: "Judge score (0–10)", better: "higher", format: (v) => v.toFixed(1) },
  { key: "judge_win_rate", label: "Judge score win rate vs base", better: "higher", format: share },
  { key: "cost_per_1000", label: "Cost per 1,000 answers", better: "lower", format: (v) => `$${v.toFixed(v < 1 ? 4 : 2)}` },
  { key: "latency_median_s", label: "Latency, median", better: "lower", format: seconds },
  { key: "latency_p90_s", label: "Latency, p90", better: "lower", format: seconds },
];

const ROLES: readonly Role[] = ["base", "tuned", "teacher"];

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function num(value: unknown): number | undefined {
  // Decimals (the cost) arrive as strings.
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function sample(value: unknown): Sample {
  const s = record(value);
  return {
    rowId: text(s.row_id),
    prompt: text(s.prompt),
    reference: text(s.reference),
    answer: text(s.answer),
    valid: typeof s.valid === "boolean" ? s.valid : null,
  };
}

function model(value: unknown): ModelScores | null {
  const m = record(value);
  const role = ROLES.find((r) => r === m.role);
  if (!role) return null;
  const metrics: Partial<Record<MetricKey, number>> = {};
  for (const { key } of METRICS) {
    const v = num(m[key]);
    if (v !== undefined) metrics[key] = v;
  }
  const samples = Array.isArray(m.samples) ? m.samples.map(sample) : [];
  return { role, model: text(m.model), rows: num(m.rows) ?? 0, metrics, samples };
}

/** The report in `value`, or null when there is none (the run was not evaluated, or not yet). */
export function parseEvaluation(value: unknown): Evaluation | null {
  const report = record(value);
  if (!Array.isArray(report.models)) return null;
  const models = report.models.map(model).filter((m): m is ModelScores => m !== null);
  models.sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  const heldout = Array.isArray(report.heldout_ids) ? report.heldout_ids.length : 0;
  return {
    dataType: typeof report.data_type === "string" ? report.data_type : null,
    heldout,
    source: report.rows_source === "gold" ? "gold" : "heldout",
    models,
    comparisons: parseComparisons(report),
    sideBySide: parseSideBySide(report),
    gold: report.rows_source === "gold" ? null : parseEvaluation(report.gold),
  };
}

/** The role with the best value of `metric`, or null when fewer than two models have one or they tie. */
export function bestRole(models: readonly ModelScores[], metric: Metric): Role | null {
  const scored = models.filter((m) => m.metrics[metric.key] !== undefined);
  if (scored.length < 2) return null;
  const values = scored.map((m) => m.metrics[metric.key] as number);
  const best = metric.better === "higher" ? Math.max(...values) : Math.min(...values);
  const winners = scored.filter((m) => m.metrics[metric.key] === best);
  return winners.length === 1 ? (winners[0]?.role ?? null) : null;
}
