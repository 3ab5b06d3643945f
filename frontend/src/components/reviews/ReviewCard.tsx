"use client";

import { useState } from "react";

import { Conversation, Score } from "@/components/datasets/detail/ExampleParts";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field, FormError } from "@/components/ui/Field";
import { Textarea } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import type { Schemas } from "@/lib/api/client";
import { useDecide } from "@/hooks/queries/reviews";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { MessagesEditor, toDraft, type Draft } from "./MessagesEditor";
import { useReviewKeys, type ReviewKey } from "./useReviewKeys";

type Example = Schemas["ExampleDetail"];
type Props = {
  datasetId: string;
  example: Example;
  /** The row's label and the labels a reviewer may give it, for a row of a classification dataset. */
  label?: string | null;
  labels?: string[] | null;
  canDecide: boolean;
  onSkip: () => void;
};

const RATINGS = [1, 2, 3, 4, 5];

/** The criteria the judge scored the row on with a number: the ones a reviewer can rate too. */
function judgedCriteria(example: Example): string[] {
  return Object.entries(example.scores ?? {})
    .filter(([, value]) => typeof value === "number")
    .map(([name]) => name);
}

function RatingOptions() {
  return (
    <>
      <option value="">No rating</option>
      {RATINGS.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </>
  );
}

type CriteriaProps = { criteria: string[]; values: Record<string, string>; onChange: (name: string, value: string) => void };

/** One labelled 1-5 select per criterion the judge scored, grouped under a legend. */
function CriterionRatings({ criteria, values, onChange }: CriteriaProps) {
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-fg">Rating per criterion</legend>
      <p id="review-criteria-hint" className="text-xs text-muted">
        Optional, 1 (bad) to 5 (very good), on the criteria the judge scored.
      </p>
      <div className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-2">
        {criteria.map((name, i) => (
          <div key={name} className="contents">
            <label htmlFor={`review-criterion-${i}`} className="break-words text-sm text-fg">
              {name}
            </label>
            <Select
              id={`review-criterion-${i}`}
              className="w-32"
              aria-describedby="review-criteria-hint"
              value={values[name] ?? ""}
              onChange={(e) => onChange(name, e.target.value)}
            >
              <RatingOptions />
            </Select>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

function JudgeScores({ example }: { example: Example }) {
  const criteria = Object.entries(example.scores ?? {});
  return (
    <section aria-labelledby="review-judge" className="space-y-2">
      <h3 id="review-judge" className="flex items-center gap-2 text-sm font-semibold text-fg">
        Judge score <Score score={example.score} />
      </h3>
      {criteria.length === 0 ? (
        <p className="text-sm text-muted">The judge gave no reasons for this row.</p>
      ) : (
        <dl className="grid gap-1 text-sm sm:grid-cols-[auto_1fr] sm:gap-x-3">
          {criteria.map(([name, value]) => (
            <div key={name} className="contents">
              <dt className="font-medium text-muted">{name}</dt>
              <dd className="break-words text-fg">{typeof value === "string" ? value : JSON.stringify(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

// The keys of each button; "s" (skip) and "n" (next) both move on to the next row without a decision.
const SHORTCUTS: [ReviewKey, string, ReviewKey[]][] = [
  ["a", "Accept", ["a"]],
  ["r", "Reject", ["r"]],
  ["e", "Edit", ["e"]],
  ["s", "Skip to next", ["s", "n"]],
];

/** One row to review: its messages and the judge's verdict, decided with buttons or the keys a, r, e, s and n; 1 to 5 rate it. */
export function ReviewCard({ datasetId, example, label = null, labels = null, canDecide, onSkip }: Props) {
  const decide = useDecide(datasetId);
  const [comment, setComment] = useState("");
  const [rating, setRating] = useState("");
  const [criteria, setCriteria] = useState<Record<string, string>>({});
  const [newLabel, setNewLabel] = useState("");
  const [draft, setDraft] = useState<Draft | null>(null);
  const busy = decide.isPending;
  const judged = judgedCriteria(example);

  const send = (status: "accepted" | "rejected" | "edited", messages?: Draft) => {
    const rated = Object.fromEntries(
      Object.entries(criteria)
        .filter(([, value]) => value !== "")
        .map(([name, value]) => [name, Number(value)]),
    );
    decide.mutate({
      exampleId: example.id,
      body: {
        status,
        comment,
        rating: rating ? Number(rating) : null,
        criteria: Object.keys(rated).length ? rated : null,
        // An edit rewrites the answer itself: the label goes with an accepted or rejected row only.
        label: newLabel && status !== "edited" ? newLabel : null,
        ...(messages ? { messages } : {}),
      },
    });
  };
  const act = (key: ReviewKey) => {
    if (busy) return;
    if (key === "a") send("accepted");
    else if (key === "r") send("rejected");
    else if (key === "e") setDraft(toDraft(example.messages));
    else if (key === "s" || key === "n") onSkip();
    // A digit rates the row; the decision key that follows saves the rating with it.
    else setRating(key);
  };
  useReviewKeys(canDecide && draft === null, act);

  return (
    <Card title={`Row ${example.position + 1} · ${example.item_key}`} labelledBy="review-row-title">
      <div className="grid gap-5 lg:grid-cols-[2fr_1fr]">
        {draft ? (
          <MessagesEditor
            draft={draft}
            onChange={setDraft}
            onCancel={() => setDraft(null)}
            onSave={() => send("edited", draft)}
            saving={busy}
          />
        ) : (
          <Conversation messages={example.messages} />
        )}
        <div className="space-y-4">
          <JudgeScores example={example} />
          <Field label="Comment" htmlFor="review-comment" hint="Saved with your decision.">
            <Textarea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} limit={LIMITS.DecisionUpdate.comment} />
          </Field>
          <Field label="Your rating" htmlFor="review-rating" hint="Optional, 1 (bad) to 5 (very good): or press 1 to 5.">
            <Select value={rating} onChange={(e) => setRating(e.target.value)} aria-keyshortcuts="1 2 3 4 5">
              <RatingOptions />
            </Select>
          </Field>
          {judged.length > 0 && (
            <CriterionRatings
              criteria={judged}
              values={criteria}
              onChange={(name, value) => setCriteria((old) => ({ ...old, [name]: value }))}
            />
          )}
          {labels && labels.length > 0 && (
            <Field
              label="Correct label"
              htmlFor="review-label"
              hint={`The row's label: ${label ?? "none"}. Optional, saved with Accept or Reject; an accepted row gets a different label when the decisions are applied.`}
            >
              <Select value={newLabel} onChange={(e) => setNewLabel(e.target.value)}>
                <option value="">Not checked</option>
                {labels.map((name) => (
                  <option key={name} value={name}>
                    {name === label ? `${name} (the row's label)` : name}
                  </option>
                ))}
              </Select>
            </Field>
          )}
        </div>
      </div>
      {draft === null && (
        <div role="group" aria-label="Decide on this row" className="mt-5 flex flex-wrap gap-2">
          {SHORTCUTS.map(([key, label, keys]) => (
            <Button
              key={key}
              variant={key === "r" ? "danger" : key === "a" ? "primary" : "secondary"}
              disabled={busy || (!canDecide && key !== "s")}
              aria-keyshortcuts={keys.join(" ")}
              onClick={() => act(key)}
            >
              {label}
              {keys.map((k) => (
                <kbd key={k} className="ml-1.5 rounded border border-current/40 px-1 text-xs">
                  {k}
                </kbd>
              ))}
            </Button>
          ))}
        </div>
      )}
      {!canDecide && <p className="mt-2 text-sm text-muted">Viewers can read the rows but not decide on them.</p>}
      {decide.isError && <FormError>{errorMessage(decide.error)}</FormError>}
    </Card>
  );
}
