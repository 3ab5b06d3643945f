import { STEPS, type Step } from "./draft";

type StepListProps = { current: Step; reachable: (step: Step) => boolean; onGo: (step: Step) => void };

/** The wizard's steps; done and current ones can be clicked to go back to them. */
export function StepList({ current, reachable, onGo }: StepListProps) {
  return (
    <nav aria-label="Wizard steps" className="mb-5">
      <ol className="flex flex-wrap gap-2">
        {STEPS.map((label, index) => {
          const step = index as Step;
          const state = step === current ? "current" : step < current ? "done" : "todo";
          return (
            <li key={label}>
              <button
                type="button"
                onClick={() => onGo(step)}
                disabled={!reachable(step)}
                aria-current={state === "current" ? "step" : undefined}
                className={`rounded-full border px-3 py-1 text-xs font-medium transition disabled:cursor-not-allowed ${
                  state === "current"
                    ? "border-accent bg-accent text-accent-fg"
                    : state === "done"
                      ? "border-accent/50 text-fg hover:bg-surface-muted"
                      : "border-border text-muted"
                }`}
              >
                {index + 1}. {label}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
