import type { StepProps } from "./steps";

/** Everything the job will be started with, to read over before starting it. */
export function ReviewStep({ draft }: StepProps) {
  const rows: [string, string][] = [
    ["Data type", draft.dataType],
    ["Domain", draft.domain ? `${draft.domain}${draft.subdomain ? ` / ${draft.subdomain}` : ""}` : "any"],
    ["Teacher", draft.teacher],
    ["Student", draft.student],
    ["Judge", draft.judge || `${draft.teacher} (the teacher)`],
    ["Dataset name", draft.name],
    ["Number of rows", draft.count],
    ["Teacher share", `${draft.teacherRatio}%`],
    ["Language", draft.language || "any"],
    ["Quality", `fix below ${draft.fixBelow}, remove below ${draft.removeBelow}`],
    ["Judged", Number(draft.judgeShare) > 0 ? `${draft.judgeShare}% of the rows` : "no row (structure checks only)"],
    ["Budget", draft.budget ? `$${draft.budget}` : "no limit"],
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
