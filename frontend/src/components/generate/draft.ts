import type { GenerationRequest } from "@/hooks/queries/jobs";
import { LOCAL_MODEL } from "@/hooks/queries/providers";
import { DETECTED_COLUMNS, type PromptColumns, type PromptFileRead, type PromptSetRead } from "@/hooks/queries/promptSets";
import type { SeedExample } from "@/hooks/queries/seedExamples";
import { LIMITS, accepts, rangeText } from "@/lib/limits";

/** Where the rows come from: the teacher writing for a domain's scenarios, the user's own examples (amplified),
 * or the user's own prompts (each answered by the teacher: a relabel job). */
export type Source = "domain" | "examples" | "prompts";

/** Amplified examples become single-turn chats: the data type of every seed-amplification job. */
export const AMPLIFIED_DATA_TYPE = "generation";

/** What a job on the user's prompts makes: the teacher's answers, the student's answers with the low scorers
 * re-answered by the teacher (student first), or preference pairs (teacher vs student, judged pairwise). */
export type PromptOutput = "answers" | "cascade" | "preference";

/** How the requests that can wait are sent: one by one, or in provider batches (half the price, within hours). */
export type Delivery = GenerationRequest["delivery"];

/** What the wizard has collected so far, as the form holds it (numbers still as typed). */
export type Draft = {
  dataType: string;
  /** A stored task spec the job runs (its newest version); "" for none. */
  taskSpecId: string;
  source: Source;
  /** The examples as pasted or loaded; `examples` holds them once the server has read them without error. */
  examplesText: string;
  examples: SeedExample[];
  /** The prompt file, the columns chosen for it, and what the server read from it under them. */
  promptFile: File | null;
  promptColumns: PromptColumns;
  promptRead: PromptFileRead | null;
  /** Or a stored prompt set, answered at its current version (no file then). */
  promptSet: PromptSetRead | null;
  promptOutput: PromptOutput;
  /** Student first: a student answer scoring below this goes to the teacher. */
  escalateBelow: string;
  /** Preference pairs: how much better (0–10) the chosen answer must score in both orders. */
  minMargin: string;
  domain: string;
  subdomain: string;
  instruction: string;
  teacher: string;
  student: string;
  judge: string;
  name: string;
  count: string;
  teacherRatio: string;
  language: string;
  fixBelow: string;
  removeBelow: string;
  judgeShare: string;
  /** The judge policy's cheap judge ("" = the student)... */
  cheapJudge: string;
  /** ...the share (%) of student rows it scores... */
  cheapShare: string;
  /** ...and how far above the fix threshold its scores go on to the strong judge. */
  escalateMargin: string;
  budget: string;
  delivery: Delivery;
  /** Hours from now the rows are due, for delivery "auto". */
  deadlineHours: string;
};

export const STEPS = ["Data type", "Domain or examples", "Models", "Size & quality", "Review"] as const;
export type Step = 0 | 1 | 2 | 3 | 4;

export const DEFAULT_DRAFT: Draft = {
  dataType: "",
  taskSpecId: "",
  source: "domain",
  examplesText: "",
  examples: [],
  promptFile: null,
  promptColumns: DETECTED_COLUMNS,
  promptRead: null,
  promptSet: null,
  promptOutput: "answers",
  escalateBelow: "7",
  minMargin: "2",
  domain: "",
  subdomain: "",
  instruction: "",
  teacher: LOCAL_MODEL,
  student: LOCAL_MODEL,
  judge: "",
  cheapJudge: "",
  name: "",
  count: "100",
  teacherRatio: "10",
  language: "",
  fixBelow: "7",
  removeBelow: "4",
  judgeShare: "100",
  cheapShare: "25",
  escalateMargin: "1",
  budget: "",
  delivery: "online",
  deadlineHours: "48",
};

/** The API's limits on the fields the wizard asks for; the shares are percentages of 0–1 fractions. */
export const DRAFT_LIMITS = {
  name: LIMITS.GenerationRequest.name,
  language: LIMITS.GenerationRequest.language,
  instruction: LIMITS.GenerationRequest.instruction,
  count: LIMITS.GenerationRequest.count,
  teacherRatio: LIMITS.GenerationRequest.teacher_ratio,
  fixBelow: LIMITS.QualityThresholds.fix_below,
  removeBelow: LIMITS.QualityThresholds.remove_below,
  judgeShare: LIMITS.GenerationRequest.judge_sample_rate,
  cheapShare: LIMITS.JudgePolicy.share,
  escalateMargin: LIMITS.JudgePolicy.escalate_margin,
  budget: LIMITS.GenerationRequest.budget_usd,
  // A deadline is a time, not a bounded number in the API: the wizard asks for 1 hour to 90 days.
  deadlineHours: { minimum: 1, maximum: 2160 },
  escalateBelow: LIMITS.RelabelRequest.escalate_below,
  minMargin: LIMITS.PreferenceRequest.min_margin,
} as const;
const L = DRAFT_LIMITS;

/** Field → message for what is wrong with the draft, for the fields of the steps up to `step`. */
export function problems(draft: Draft, step: Step): Partial<Record<keyof Draft, string>> {
  const found: Partial<Record<keyof Draft, string>> = {};
  if (!draft.dataType) found.dataType = "Choose a data type.";
  if (step < 1) return found;
  if (draft.source === "examples") {
    if (draft.examples.length === 0) found.examplesText = "Paste or load your examples, then check them.";
    if (!draft.instruction.trim()) found.instruction = "Say what task the examples show.";
  }
  if (draft.source === "prompts" && promptCount(draft) === 0)
    found.promptFile = "Upload a prompt file with at least one usable prompt.";
  if (draft.source === "prompts" && draft.promptOutput !== "answers" && step >= 2) {
    if (draft.student === draft.teacher) found.student = "Choose a student other than the teacher.";
    if (draft.promptOutput === "cascade" && !accepts(draft.escalateBelow, L.escalateBelow))
      found.escalateBelow = `A score ${rangeText(L.escalateBelow)}.`;
    if (draft.promptOutput === "preference" && !accepts(draft.minMargin, L.minMargin))
      found.minMargin = `A score margin ${rangeText(L.minMargin)}.`;
  }
  if (step < 3) return found;
  if (!draft.name.trim()) found.name = "Give the dataset a name.";
  if (draft.source !== "prompts" && !accepts(draft.count, L.count, { integer: true })) found.count = `A whole number ${rangeText(L.count)}.`;
  if (draft.source === "domain" && !accepts(draft.teacherRatio, L.teacherRatio, { scale: 100 }))
    found.teacherRatio = `A percentage ${rangeText(L.teacherRatio, 100)}.`;
  if (!accepts(draft.fixBelow, L.fixBelow)) found.fixBelow = `A score ${rangeText(L.fixBelow)}.`;
  if (!accepts(draft.removeBelow, L.removeBelow)) found.removeBelow = `A score ${rangeText(L.removeBelow)}.`;
  else if (Number(draft.removeBelow) > Number(draft.fixBelow)) found.removeBelow = "Must not be above the fix threshold.";
  if (!accepts(draft.judgeShare, L.judgeShare, { scale: 100 })) found.judgeShare = `A percentage ${rangeText(L.judgeShare, 100)}.`;
  if (!accepts(draft.cheapShare, L.cheapShare, { scale: 100 })) found.cheapShare = `A percentage ${rangeText(L.cheapShare, 100)}.`;
  if (!accepts(draft.escalateMargin, L.escalateMargin)) found.escalateMargin = `A score margin ${rangeText(L.escalateMargin)}.`;
  if (draft.budget.trim() && !accepts(draft.budget, L.budget)) found.budget = "An amount in US dollars, or empty.";
  if (draft.delivery === "auto" && !accepts(draft.deadlineHours, L.deadlineHours))
    found.deadlineHours = `Hours from now ${rangeText(L.deadlineHours)}.`;
  return found;
}

/** The API request of a draft; null while it is not complete enough to price or start (or is a relabel job). */
export function toRequest(draft: Draft): GenerationRequest | null {
  if (draft.source === "prompts" || Object.keys(problems(draft, 3)).length > 0) return null;
  const amplify = draft.source === "examples";
  const domain = amplify ? "" : draft.domain;
  return {
    name: draft.name.trim(),
    description: draft.instruction.trim(),
    data_type: amplify ? AMPLIFIED_DATA_TYPE : draft.dataType,
    task_spec_id: draft.taskSpecId || null,
    count: Number(draft.count),
    domains: domain ? [domain] : [],
    subdomain: domain && draft.subdomain ? draft.subdomain : null,
    seed_examples: amplify ? draft.examples : null,
    instruction: draft.instruction.trim() || null,
    language: draft.language.trim() || null,
    teacher: draft.teacher,
    student: draft.student,
    judge: draft.judge || null,
    teacher_ratio: amplify ? 0.1 : Number(draft.teacherRatio) / 100,
    budget_usd: draft.budget.trim() ? draft.budget.trim() : null,
    delivery: draft.delivery,
    deadline: draft.delivery === "auto" ? new Date(Date.now() + Number(draft.deadlineHours) * 3_600_000).toISOString() : null,
    thresholds: {
      fix_below: Number(draft.fixBelow),
      remove_below: Number(draft.removeBelow),
      auto_fix: true,
      auto_remove: true,
      max_fix_attempts: 1,
      on_judge_failure: "keep",
    },
    // The API's defaults, spelled out because the generated type lists every field.
    seed: 0,
    judge_sample_rate: Number(draft.judgeShare) / 100,
    judge_policy: { cheap_judge: draft.cheapJudge || null, share: Number(draft.cheapShare) / 100, escalate_margin: Number(draft.escalateMargin) },
    near_duplicate_threshold: 0.7,
    exemplars: 3,
    max_tokens: 512,
    temperature: 0.8,
    concurrency: 8,
  };
}

/** The prompts the job answers: the chosen stored set's (at its current version), else the uploaded file's. */
export function promptCount(draft: Draft): number {
  return draft.promptSet ? draft.promptSet.prompt_count : (draft.promptRead?.prompts ?? 0);
}
