/** The judge's pairwise comparisons and the side-by-side answers of an evaluation report (untyped JSON). */

export type Outcome = "win" | "tie" | "loss" | "inconsistent" | "unjudged";

export type Comparison = {
  candidate: string;
  opponent: string;
  opponentModel: string;
  judge: string;
  rows: number;
  wins: number;
  ties: number;
  losses: number;
  inconsistent: number;
  unjudged: number;
  winRate: number | null;
  tieRate: number | null;
  lossRate: number | null;
  judgeCost: number | null;
};

export type RowVerdict = { opponent: string; outcome: Outcome; reasons: string[] };

export type SideBySideRow = {
  rowId: string;
  prompt: string;
  reference: string;
  answers: [string, string][];
  verdicts: RowVerdict[];
};

const OUTCOMES: readonly Outcome[] = ["win", "tie", "loss", "inconsistent", "unjudged"];

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function num(value: unknown): number | null {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function comparison(value: unknown): Comparison {
  const c = record(value);
  return {
    candidate: text(c.candidate),
    opponent: text(c.opponent),
    opponentModel: text(c.opponent_model),
    judge: text(c.judge),
    rows: num(c.rows) ?? 0,
    wins: num(c.wins) ?? 0,
    ties: num(c.ties) ?? 0,
    losses: num(c.losses) ?? 0,
    inconsistent: num(c.position_inconsistent) ?? 0,
    unjudged: num(c.unjudged) ?? 0,
    winRate: num(c.win_rate),
    tieRate: num(c.tie_rate),
    lossRate: num(c.loss_rate),
    judgeCost: num(c.judge_cost_usd),
  };
}

function verdict(value: unknown): RowVerdict {
  const v = record(value);
  return {
    opponent: text(v.opponent),
    outcome: OUTCOMES.find((o) => o === v.outcome) ?? "unjudged",
    reasons: list(v.reasons).map(text),
  };
}

function row(value: unknown): SideBySideRow {
  const r = record(value);
  return {
    rowId: text(r.row_id),
    prompt: text(r.prompt),
    reference: text(r.reference),
    answers: Object.entries(record(r.answers)).map(([role, answer]) => [role, text(answer)]),
    verdicts: list(r.verdicts).map(verdict),
  };
}

/** The pairwise comparisons in a report (empty when no judge was set). */
export function parseComparisons(report: Record<string, unknown>): Comparison[] {
  return list(report.pairwise).map(comparison);
}

/** The side-by-side rows in a report (empty for reports made before they were kept). */
export function parseSideBySide(report: Record<string, unknown>): SideBySideRow[] {
  return list(report.side_by_side).map(row);
}
