import { ROLE_LABELS } from "./EvaluationTable";
import type { Evaluation } from "./evaluation";

const SHOWN = 3;

/** The first few held-out prompts with the reference and each model's answer side by side. */
export function SampleAnswers({ evaluation }: { evaluation: Evaluation }) {
  const first = evaluation.models[0];
  if (!first || first.samples.length === 0) return <p className="text-sm text-muted">The evaluation kept no sample answers.</p>;
  return (
    <ol className="space-y-4">
      {first.samples.slice(0, SHOWN).map((sample, i) => (
        <li key={sample.rowId || i} className="space-y-2 rounded-lg border border-border p-3">
          <p className="text-sm">
            <span className="font-medium text-fg">Prompt: </span>
            <span className="whitespace-pre-wrap break-words text-fg">{sample.prompt}</span>
          </p>
          <p className="text-sm">
            <span className="font-medium text-fg">Reference: </span>
            <span className="whitespace-pre-wrap break-words text-muted">{sample.reference}</span>
          </p>
          <div className="grid gap-2 md:grid-cols-2 xl:grid-cols-3">
            {evaluation.models.map((m) => {
              const answer = m.samples.find((s) => s.rowId === sample.rowId) ?? m.samples[i];
              return (
                <div key={m.role} className="min-w-0 rounded-md bg-surface-muted p-2">
                  <p className="text-xs font-medium uppercase tracking-wide text-muted">
                    {ROLE_LABELS[m.role]}
                    {answer?.valid === false && <span className="ml-1 normal-case text-danger">(invalid)</span>}
                  </p>
                  <p className="mt-1 whitespace-pre-wrap break-words text-sm text-fg">{answer?.answer || "—"}</p>
                </div>
              );
            })}
          </div>
        </li>
      ))}
    </ol>
  );
}
