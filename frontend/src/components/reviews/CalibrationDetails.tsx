import type { Calibration } from "@/hooks/queries/reviews";

/** A number at `digits` decimals, or a dash for none. */
export const fixed = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? "—" : n.toFixed(digits));
export const percent = (n: number) => `${Math.round(n * 100)}%`;
export const rows = (n: number) => `${n.toLocaleString()} row${n === 1 ? "" : "s"}`;

/** The reviewers' ratings of each judge criterion against its scores: rated rows and Spearman's rho. */
export function CriteriaTable({ data }: { data: Calibration }) {
  const criteria = data.criteria ?? [];
  if (criteria.length === 0)
    return <p className="text-sm text-muted">No reviewer has rated the judge&apos;s criteria yet: the review queue rates each one, 1 to 5.</p>;
  const cell = "border border-border px-3 py-2 text-right tabular-nums";
  const head = "border border-border px-3 py-2 text-left font-medium";
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[18rem] border-collapse text-sm">
        <caption className="mb-1 text-left text-xs text-muted">Reviewers&apos; 1–5 rating vs the judge&apos;s score, per criterion</caption>
        <thead>
          <tr className="bg-surface-muted">
            <th scope="col" className={head}>
              Criterion
            </th>
            <th scope="col" className={head}>
              Rated rows
            </th>
            <th scope="col" className={head}>
              Spearman&apos;s rho
            </th>
          </tr>
        </thead>
        <tbody>
          {criteria.map((c) => (
            <tr key={c.criterion}>
              <th scope="row" className={`${head} break-words`}>
                {c.criterion}
              </th>
              <td className={cell}>{c.rated}</td>
              <td className={cell}>
                {fixed(c.spearman)}
                {c.spearman === null && <span className="sr-only"> (needs 3 rated rows that vary)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The dataset's labels against the reviewers': the share kept and the confusion of labels. */
export function LabelsTable({ labels }: { labels: NonNullable<Calibration["labels"]> }) {
  if (labels.labelled === 0)
    return <p className="text-sm text-muted">No reviewer has given a row a label yet: the review queue offers the dataset&apos;s labels.</p>;
  const given = [...new Set(labels.confusion.map((p) => p.reviewer_label))].sort();
  const had = [...new Set(labels.confusion.map((p) => p.dataset_label ?? "—"))].sort();
  const count = (was: string, now: string) =>
    labels.confusion.filter((p) => (p.dataset_label ?? "—") === was && p.reviewer_label === now).reduce((n, p) => n + p.rows, 0);
  const cell = "border border-border px-3 py-2 text-right tabular-nums";
  const head = "border border-border px-3 py-2 text-left font-medium";
  return (
    <div className="space-y-2">
      <p className="text-sm text-fg">
        The reviewers kept the dataset&apos;s label on <strong>{percent(labels.agreement ?? 0)}</strong> of {rows(labels.labelled)}.
      </p>
      {/* Focusable: with many labels the table scrolls sideways, and the keyboard must reach it. */}
      <div tabIndex={0} className="overflow-x-auto">
        <table className="w-full min-w-[18rem] border-collapse text-sm">
          <caption className="mb-1 text-left text-xs text-muted">Labelled rows by the dataset&apos;s label (rows) and the reviewer&apos;s (columns)</caption>
          <thead>
            <tr className="bg-surface-muted">
              <td className="border border-border" />
              {given.map((name) => (
                <th key={name} scope="col" className={`${head} break-words`}>
                  Reviewer: {name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {had.map((was) => (
              <tr key={was}>
                <th scope="row" className={`${head} break-words`}>
                  Dataset: {was}
                </th>
                {given.map((now) => (
                  <td key={now} className={`${cell} ${was === now ? "text-ok" : count(was, now) ? "text-danger" : ""}`}>
                    {count(was, now)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
