import type { PreferenceRequest, RelabelRequest } from "@/hooks/queries/promptSets";

import { problems, type Draft } from "./draft";

/** The relabel job's request of a draft whose source is the user's prompts (the prompt set's id comes after the upload). */
export function toRelabelRequest(draft: Draft): Omit<RelabelRequest, "prompt_set_id" | "prompt_set_version"> | null {
  if (draft.source !== "prompts" || draft.promptOutput === "preference") return null;
  if (!(draft.promptFile || draft.promptSet) || Object.keys(problems(draft, 3)).length > 0) return null;
  return {
    name: draft.name.trim(),
    description: draft.instruction.trim(),
    teacher: draft.teacher,
    task_spec_id: draft.taskSpecId || null,
    judge: draft.judge || null,
    cascade: draft.promptOutput === "cascade",
    student: draft.promptOutput === "cascade" ? draft.student : null,
    escalate_below: draft.promptOutput === "cascade" ? Number(draft.escalateBelow) : 7,
    judge_sample_rate: Number(draft.judgeShare) / 100,
    budget_usd: draft.budget.trim() ? draft.budget.trim() : null,
    thresholds: {
      fix_below: Number(draft.fixBelow),
      remove_below: Number(draft.removeBelow),
      auto_fix: false,
      auto_remove: true,
      max_fix_attempts: 1,
      on_judge_failure: "keep",
    },
    // The API's defaults, spelled out because the generated type lists every field.
    seed: 0,
    max_tokens: 512,
    temperature: 0.8,
    concurrency: 8,
  };
}

/** The preference job's request of a draft whose source is the user's prompts and whose output is preference pairs. */
export function toPreferenceRequest(draft: Draft): Omit<PreferenceRequest, "prompt_set_id" | "prompt_set_version"> | null {
  if (draft.source !== "prompts" || draft.promptOutput !== "preference") return null;
  if (!(draft.promptFile || draft.promptSet) || Object.keys(problems(draft, 3)).length > 0) return null;
  return {
    name: draft.name.trim(),
    description: draft.instruction.trim(),
    teacher: draft.teacher,
    student: draft.student,
    judge: draft.judge || null,
    min_margin: Number(draft.minMargin),
    budget_usd: draft.budget.trim() ? draft.budget.trim() : null,
    // The API's defaults, spelled out because the generated type lists every field.
    seed: 0,
    max_tokens: 512,
    temperature: 0.8,
    concurrency: 8,
  };
}
