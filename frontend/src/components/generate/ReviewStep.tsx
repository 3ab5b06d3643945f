import { useDataTypes, useDomains } from "@/hooks/queries/catalog";

import { AMPLIFIED_DATA_TYPE, promptCount, type Draft, type PromptOutput } from "./draft";
import type { StepProps } from "./steps";

/** The data type and domain by the names the earlier steps showed (the catalog is cached by then). */
function useNames(draft: Draft): { dataType: string; domain: string } {
  const types = useDataTypes();
  const domains = useDomains();
  const dataType = types.data?.find((t) => t.name === draft.dataType)?.title ?? draft.dataType;
  const domain = domains.data?.find((d) => d.id === draft.domain);
  const subdomain = domain && draft.subdomain ? (domain.subdomains[draft.subdomain]?.name ?? draft.subdomain) : "";
  const domainName = domain?.name ?? draft.domain;
  return { dataType, domain: domainName ? `${domainName}${subdomain ? ` / ${subdomain}` : ""}` : "any" };
}

/** Everything the job will be started with, to read over before starting it. */
const PROMPT_OUTPUT_TEXT: Record<PromptOutput, (draft: Draft) => string> = {
  answers: () => "each answered by the teacher",
  cascade: (draft) => `student first: answers scoring below ${draft.escalateBelow} are answered again by the teacher`,
  preference: (draft) => `preference pairs: teacher against student, kept when both judge orders agree by at least ${draft.minMargin}`,
};

export function ReviewStep({ draft }: StepProps) {
  const names = useNames(draft);
  const amplify = draft.source === "examples";
  const prompts = promptCount(draft);
  const from = draft.promptSet ? `prompt set “${draft.promptSet.name}” v${draft.promptSet.version}` : (draft.promptFile?.name ?? "a file");
  const source: [string, string][] = draft.source === "prompts"
    ? [
        ["Data type", `${AMPLIFIED_DATA_TYPE} (single-turn chats)`],
        [
          "Source",
          `${prompts} prompt${prompts === 1 ? "" : "s"} of yours from ${from}${
            draft.promptOutput === "answers" ? ", each answered by the teacher" : ""
          }`,
        ],
        ...(draft.promptOutput === "answers" ? [] : ([["Output", PROMPT_OUTPUT_TEXT[draft.promptOutput](draft)]] as [string, string][])),
      ]
    : amplify
    ? [
        ["Data type", `${AMPLIFIED_DATA_TYPE} (single-turn chats)`],
        ["Source", `${draft.examples.length} example${draft.examples.length === 1 ? "" : "s"} of yours, traced by the teacher`],
        ["Instruction", draft.instruction.trim()],
        ["New rows", draft.count],
      ]
    : [
        ["Data type", names.dataType],
        ["Domain", names.domain],
        ...(draft.instruction.trim() ? ([["Instruction", draft.instruction.trim()]] as [string, string][]) : []),
        ["Number of rows", draft.count],
        ["Teacher share", `${draft.teacherRatio}%`],
      ];
  const rows: [string, string][] = [
    ...source,
    ["Teacher", draft.teacher],
    ...(draft.source === "prompts" && draft.promptOutput === "answers" ? [] : ([["Student", draft.student]] as [string, string][])),
    ["Judge", draft.judge || `${draft.teacher} (the teacher)`],
    ["Dataset name", draft.name],
    ...(draft.source === "prompts" ? [] : ([["Language", draft.language || "any"]] as [string, string][])),
    [
      "Quality",
      draft.source === "prompts"
        ? draft.promptOutput === "preference"
          ? `pairs kept at a margin of ${draft.minMargin} or more`
          : `remove below ${draft.removeBelow}`
        : `fix below ${draft.fixBelow}, remove below ${draft.removeBelow}`,
    ],
    [
      "Judged",
      draft.source === "prompts" && draft.promptOutput === "preference"
        ? "every pair, twice (the answers' order swapped)"
        : Number(draft.judgeShare) > 0
          ? `${draft.judgeShare}% of the rows`
          : "no row (structure checks only)",
    ],
    [
      "Judge policy",
      `strong judge on the teacher's rows; the student judges ${draft.cheapShare}% of its own rows, escalating scores below ${
        Number(draft.fixBelow) + Number(draft.escalateMargin)
      } to the strong judge`,
    ],
    ["Budget", draft.budget ? `$${draft.budget}` : "no limit"],
    ...(draft.source === "prompts"
      ? []
      : ([["Delivery", deliveryText(draft)]] as [string, string][])),
  ];
  return (
    <dl className="grid grid-cols-[minmax(0,auto)_minmax(0,1fr)] gap-x-4 gap-y-2 text-sm">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-muted">{label}</dt>
          <dd className="break-words text-fg">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function deliveryText(draft: Draft): string {
  if (draft.delivery === "batch") return "batch: 50% off, answers within hours";
  if (draft.delivery === "auto") return `auto: batch until the deadline (in ${draft.deadlineHours} hours) is within the 24-hour batch window`;
  return "online";
}
