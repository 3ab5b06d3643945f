import type { Outcome, SideBySideRow } from "./pairwise";

const ROLE_NAMES: Record<string, string> = { base: "Base student", tuned: "Tuned student", teacher: "Teacher" };
const ORDER = ["base", "tuned", "teacher"];
const OUTCOME_STYLE: Record<Outcome, string> = {
  win: "bg-ok-soft text-ok",
  loss: "bg-danger-soft text-danger",
  tie: "bg-surface-muted text-muted",
  inconsistent: "bg-surface-muted text-muted",
  unjudged: "bg-surface-muted text-muted",
};
const SHOWN = 10;

/** Held-out prompts with the reference, every model's answer and the judge's verdicts with reasons. */
export function SideBySide({ rows }: { rows: SideBySideRow[] }) {
  return (
    <ol className="space-y-4" aria-label="Side by side">
      {rows.slice(0, SHOWN).map((row, i) => {
        const answers = [...row.answers].sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b));
        return (
          <li key={row.rowId || i} className="space-y-2 rounded-lg border border-border p-3" data-testid="side-by-side-row">
            <p className="text-sm">
              <span className="font-medium text-fg">Prompt: </span>
              <span className="whitespace-pre-wrap break-words text-fg">{row.prompt}</span>
            </p>
            <p className="text-sm">
              <span className="font-medium text-fg">Reference: </span>
              <span className="whitespace-pre-wrap break-words text-muted">{row.reference}</span>
            </p>
            <div className="grid gap-2 md:grid-cols-2 xl:grid-cols-3">
              {answers.map(([role, answer]) => (
                <div key={role} className="min-w-0 rounded-md bg-surface-muted p-2">
                  <p className="text-xs font-medium uppercase tracking-wide text-muted">{ROLE_NAMES[role] ?? role}</p>
                  <p className="mt-1 whitespace-pre-wrap break-words text-sm text-fg">{answer || "—"}</p>
                </div>
              ))}
            </div>
            {row.verdicts.map((v) => (
              <div key={v.opponent} className="text-sm">
                <p>
                  <span className="font-medium text-fg">Tuned vs {ROLE_NAMES[v.opponent]?.toLowerCase() ?? v.opponent}: </span>
                  <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${OUTCOME_STYLE[v.outcome]}`}>{v.outcome}</span>
                </p>
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-muted">
                  {v.reasons.map((reason, j) => (
                    <li key={j} className="break-words">
                      {reason}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </li>
        );
      })}
    </ol>
  );
}
