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
type Props = { datasetId: string; example: Example; canDecide: boolean; onSkip: () => void };

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
export function ReviewCard({ datasetId, example, canDecide, onSkip }: Props) {
  const decide = useDecide(datasetId);
  const [comment, setComment] = useState("");
  const [rating, setRating] = useState("");
  const [draft, setDraft] = useState<Draft | null>(null);
  const busy = decide.isPending;

  const send = (status: "accepted" | "rejected" | "edited", messages?: Draft) =>
    decide.mutate({
      exampleId: example.id,
      body: { status, comment, rating: rating ? Number(rating) : null, ...(messages ? { messages } : {}) },
    });
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
              <option value="">No rating</option>
              {[1, 2, 3, 4, 5].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
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
