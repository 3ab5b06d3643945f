"use client";

import { Button } from "@/components/ui/Button";
import { Skeleton } from "@/components/ui/Skeleton";
import { LOCAL_MODEL } from "@/hooks/queries/providers";
import { useModelAdvice, type Suggestion } from "@/hooks/queries/savings";
import { ApiError } from "@/lib/api/client";
import { formatUsd } from "@/lib/money";

function facts(s: Suggestion): string {
  const context = s.context_window === null ? "context unknown" : `context ${s.context_window.toLocaleString()} tokens`;
  const schema =
    s.structured_output === null ? "schema mode unknown" : s.structured_output === "native" ? "schema mode" : "no schema mode";
  return `${(Number(s.price_ratio) * 100).toFixed(1)}% of the teacher's price · ${context} · ${schema}`;
}

function SuggestionList({
  title,
  role,
  suggestions,
  chosen,
  onTake,
}: {
  title: string;
  role: string;
  suggestions: Suggestion[];
  chosen: string;
  onTake: (model: string) => void;
}) {
  return (
    <section aria-label={title} className="space-y-2">
      <h3 className="text-sm font-medium text-fg">{title}</h3>
      {suggestions.length === 0 ? (
        <p className="text-sm text-muted">No priced model costs less than the teacher.</p>
      ) : (
        <ul className="space-y-2">
          {suggestions.map((s) => (
            <li key={s.model} className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-border bg-surface px-3 py-2 text-sm">
              <div className="min-w-0">
                <p className="break-all font-medium text-fg">{s.model}</p>
                <p className="text-xs text-muted">
                  saves ~{formatUsd(s.savings_usd)}
                  {s.savings_percent === null ? "" : ` (${Number(s.savings_percent).toFixed(0)}%)`}: job {formatUsd(s.estimated_cost_usd)}{" "}
                  against {formatUsd(s.teacher_only_usd)} for the teacher alone · {facts(s)}
                </p>
                {s.notes.length > 0 && <p className="text-xs text-muted">{s.notes.join("; ")}</p>}
              </div>
              <Button
                type="button"
                variant="secondary"
                onClick={() => onTake(s.model)}
                disabled={chosen === s.model}
                aria-label={`Use ${s.model} as the ${role}`}
              >
                {chosen === s.model ? "Chosen" : `Use as ${role}`}
              </Button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Students and cheap judges for the teacher from the price catalogue, each with the planned job's estimated saving. */
export function ModelAdvice({
  teacher,
  dataType,
  count,
  student,
  cheapJudge,
  onStudent,
  onCheapJudge,
}: {
  teacher: string;
  dataType: string;
  count: number;
  student: string;
  cheapJudge: string;
  onStudent: (model: string) => void;
  onCheapJudge: (model: string) => void;
}) {
  const priced = teacher !== LOCAL_MODEL && teacher !== "";
  const advice = useModelAdvice(priced ? teacher : null, dataType || "qa", count);
  if (!priced) {
    return <p className="text-sm text-muted">Pick a hosted teacher to see cheaper students and judges with their estimated savings.</p>;
  }
  if (advice.isPending) return <Skeleton className="h-24 w-full" />;
  if (!advice.data) {
    const reason = advice.error instanceof ApiError ? advice.error.message : "the advice could not be loaded";
    return <p className="text-sm text-muted">No suggestions: {reason}.</p>;
  }
  return (
    <div className="space-y-4 rounded-xl border border-border p-4" data-testid="model-advice">
      <p className="text-sm text-muted">
        Estimated for {count.toLocaleString()} rows at the default settings, as the cost estimate prices a job (no provider
        is asked); only models with a known price. Judges are priced as the cheap judge with{" "}
        {advice.data.students[0]?.model ?? "the student"}; the teacher stays the strong judge.
      </p>
      <SuggestionList title="Suggested students" role="student" suggestions={advice.data.students} chosen={student} onTake={onStudent} />
      <SuggestionList
        title="Suggested cheap judges"
        role="cheap judge"
        suggestions={advice.data.judges}
        chosen={cheapJudge}
        onTake={onCheapJudge}
      />
    </div>
  );
}
