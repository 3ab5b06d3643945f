import { formatUsd } from "@/lib/money";

export type AnswerStats = {
  cost: string | null;
  ttftMs: number;
  totalMs: number;
  inputTokens: number;
  outputTokens: number;
  finish: string;
};

export type Turn = {
  role: "user" | "assistant";
  content: string;
  streaming?: boolean;
  stats?: AnswerStats;
  error?: string;
  /** Why an answer ended early: stopped by the user, or the stream was cut. */
  stopped?: string;
};

/** One model's column: its conversation, oldest first, and the options it ignores. */
export type Column = { model: string; turns: Turn[]; notes: string[] };

/** A playground answer's cost: tiny amounts keep two significant digits ("$0.0000044"), not "$0.00000". */
function cost(value: string | null): string {
  if (value === null) return "price unknown";
  const amount = Number(value);
  if (!(amount > 0 && amount < 0.001)) return formatUsd(value);
  return `$${amount.toFixed(Math.min(12, 1 - Math.floor(Math.log10(amount))))}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function Stats({ stats }: { stats: AnswerStats }) {
  return (
    <dl className="mt-2 flex flex-wrap gap-x-3 gap-y-1 text-xs text-muted" aria-label="Answer details">
      <div className="flex gap-1">
        <dt>Cost</dt>
        <dd className="font-medium text-fg" data-testid="answer-cost">
          {cost(stats.cost)}
        </dd>
      </div>
      <div className="flex gap-1">
        <dt>First token</dt>
        <dd className="font-medium text-fg">{seconds(stats.ttftMs)}</dd>
      </div>
      <div className="flex gap-1">
        <dt>Total</dt>
        <dd className="font-medium text-fg">{seconds(stats.totalMs)}</dd>
      </div>
      <div className="flex gap-1">
        <dt>Tokens</dt>
        <dd className="font-medium text-fg">
          {stats.inputTokens} in, {stats.outputTokens} out
        </dd>
      </div>
      {stats.finish === "length" && (
        <div className="flex gap-1">
          <dt>Ended</dt>
          <dd className="font-medium text-fg">cut at max tokens</dd>
        </div>
      )}
    </dl>
  );
}

function Answer({ turn }: { turn: Turn }) {
  return (
    <div className="min-w-0" data-testid="assistant-turn">
      {turn.content ? (
        <p className="whitespace-pre-wrap break-words text-sm text-fg">{turn.content}</p>
      ) : turn.streaming ? (
        <p className="text-sm text-muted">Waiting for the first token…</p>
      ) : null}
      {turn.error && (
        <p role="alert" className="mt-1 break-words text-sm text-danger">
          {turn.error}
        </p>
      )}
      {turn.stopped && <p className="mt-1 text-xs text-muted">{turn.stopped}</p>}
      {turn.stats && <Stats stats={turn.stats} />}
    </div>
  );
}

/** A model's conversation with the stats of each answer; errors stay in their column. */
export function AnswerColumn({ column }: { column: Column }) {
  const streaming = column.turns.some((turn) => turn.streaming);
  return (
    <section aria-label={`${column.model} conversation`} aria-busy={streaming} className="min-w-0 rounded-xl border border-border bg-surface p-3 shadow-sm">
      <h2 className="break-all text-sm font-semibold text-fg">{column.model}</h2>
      {column.notes.map((note) => (
        <p key={note} className="mt-1 text-xs text-muted">
          {note}
        </p>
      ))}
      {column.turns.length === 0 ? (
        <p className="mt-2 text-sm text-muted">No messages yet.</p>
      ) : (
        <ol className="mt-2 space-y-3">
          {column.turns.map((turn, index) => (
            <li key={index} className={turn.role === "user" ? "rounded-md bg-bg px-2 py-1.5" : ""}>
              <span className="sr-only">{turn.role === "user" ? "You:" : "Answer:"}</span>
              {turn.role === "user" ? <p className="whitespace-pre-wrap break-words text-sm text-muted">{turn.content}</p> : <Answer turn={turn} />}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
