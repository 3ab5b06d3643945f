"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field, FormError } from "@/components/ui/Field";
import { Textarea } from "@/components/ui/Input";
import { PageHeader } from "@/components/ui/PageHeader";
import { CloseIcon } from "@/components/ui/icons";
import { useMe } from "@/hooks/queries/auth";
import { usePlaygroundModels } from "@/hooks/queries/playground";
import { LOCAL_MODEL } from "@/hooks/queries/providers";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

import { AnswerColumn, type Column, type Turn } from "./AnswerColumn";
import { DEFAULT_KNOBS, DecodingFields, decodingOptions, knobErrors, type Knobs } from "./DecodingFields";
import { ModelPicker } from "./ModelPicker";
import { streamPlayground, type PlaygroundEvent } from "./stream";

const CHAT = LIMITS.PlaygroundChat;

/** The turns a column sends: its conversation without answers that failed or never came. */
function history(turns: Turn[]): { role: "user" | "assistant"; content: string }[] {
  return turns
    .filter((turn) => turn.role === "user" || (!turn.error && turn.content !== ""))
    .map((turn) => ({ role: turn.role, content: turn.content }));
}

/** The playground: one prompt to several models, answers streamed side by side, conversation per column. */
export function PlaygroundView() {
  const me = useMe();
  const models = usePlaygroundModels();
  const canUse = me.data?.role === "admin" || me.data?.role === "editor";
  const [columns, setColumns] = useState<Column[]>([{ model: LOCAL_MODEL, turns: [], notes: [] }]);
  const [system, setSystem] = useState("");
  const [prompt, setPrompt] = useState("");
  const [knobs, setKnobs] = useState<Knobs>(DEFAULT_KNOBS);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const errors = knobErrors(knobs);
  const started = columns.some((column) => column.turns.length > 0);

  const onEvent = (event: PlaygroundEvent) => {
    if (event.type === "end") return;
    setColumns((current) =>
      current.map((column, index) => {
        if (index !== event.column) return column;
        if (event.type === "start") return { ...column, notes: event.notes };
        const turns = [...column.turns];
        const previous = turns[turns.length - 1];
        if (!previous) return column;
        const last: Turn = { ...previous };
        if (event.type === "delta") last.content += event.text;
        if (event.type === "done") {
          last.content = event.text;
          last.stats = {
            cost: event.cost_usd,
            ttftMs: event.ttft_ms,
            totalMs: event.total_ms,
            inputTokens: event.input_tokens,
            outputTokens: event.output_tokens,
            finish: event.finish_reason,
          };
          last.streaming = false;
        }
        if (event.type === "error") {
          last.error = event.status ? `${event.message} (HTTP ${event.status})` : event.message;
          last.streaming = false;
        }
        turns[turns.length - 1] = last;
        return { ...column, turns };
      }),
    );
  };

  const stopStreaming = (why: string) =>
    setColumns((current) =>
      current.map((column) => ({
        ...column,
        turns: column.turns.map((turn) => (turn.streaming ? { ...turn, streaming: false, stopped: why } : turn)),
      })),
    );

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const text = prompt.trim();
    if (!text || running || Object.keys(errors).length > 0 || columns.length === 0) return;
    const asked = columns.map((column) => ({
      model: column.model,
      messages: [...history(column.turns), { role: "user" as const, content: text }],
    }));
    setColumns((current) =>
      current.map((column) => ({
        ...column,
        turns: [
          ...column.turns,
          { role: "user", content: text },
          { role: "assistant", content: "", streaming: true },
        ],
      })),
    );
    setPrompt("");
    setError(null);
    setRunning(true);
    const controller = new AbortController();
    abort.current = controller;
    try {
      await streamPlayground({ system: system.trim() || null, columns: asked, options: decodingOptions(knobs) }, controller.signal, onEvent);
      stopStreaming(controller.signal.aborted ? "Stopped" : "The stream ended before this answer did");
    } catch (cause) {
      setError(errorMessage(cause));
      setColumns((current) =>
        current.map((column) => ({ ...column, turns: column.turns.filter((turn) => !turn.streaming) })),
      );
    } finally {
      setRunning(false);
      abort.current = null;
    }
  };

  const stop = () => abort.current?.abort();

  return (
    <>
      <PageHeader
        title="Playground"
        description="One prompt to several models at once: answers stream side by side, with the cost and latency of each."
        actions={
          started && (
            <Button variant="secondary" disabled={running} onClick={() => setColumns((c) => c.map((col) => ({ ...col, turns: [], notes: [] })))}>
              New conversation
            </Button>
          )
        }
      />
      <div className="space-y-4">
        <Card title="Models">
          <div className="space-y-3">
            <ul aria-label="Chosen models" className="flex flex-wrap gap-2">
              {columns.map((column) => (
                <li key={column.model} className="flex items-center gap-1 rounded-full border border-border bg-bg py-0.5 pl-3 pr-1 text-sm">
                  <span className="break-all">{column.model}</span>
                  <button
                    type="button"
                    aria-label={`Remove ${column.model}`}
                    disabled={running}
                    onClick={() => setColumns((c) => c.filter((col) => col.model !== column.model))}
                    className="rounded-full p-1 text-muted hover:bg-surface-muted hover:text-fg disabled:opacity-50"
                  >
                    <CloseIcon width={14} height={14} aria-hidden />
                  </button>
                </li>
              ))}
            </ul>
            {models.isError && <FormError>Could not list the models: {errorMessage(models.error)}. Type a model id instead.</FormError>}
            <ModelPicker
              offered={models.data ?? []}
              chosen={columns.map((c) => c.model)}
              disabled={running}
              onAdd={(model) => setColumns((c) => [...c, { model, turns: [], notes: [] }])}
            />
          </div>
        </Card>

        <form onSubmit={onSubmit} aria-label="Prompt" className="space-y-4">
          <Card title="Prompt">
            <div className="space-y-3">
              <Field label="System message (optional)" htmlFor="pg-system">
                <Textarea limit={CHAT.system} rows={2} value={system} onChange={(e) => setSystem(e.target.value)} />
              </Field>
              <Field label={started ? "Your next message" : "Prompt"} htmlFor="pg-prompt">
                <Textarea
                  limit={LIMITS.PlaygroundTurn.content}
                  rows={3}
                  value={prompt}
                  onChange={(e) => setPrompt(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) e.currentTarget.form?.requestSubmit();
                  }}
                />
              </Field>
              <DecodingFields knobs={knobs} errors={errors} onChange={setKnobs} />
              {!canUse && me.data && <p className="text-sm text-muted">Viewers can look but not send: sending spends money.</p>}
              {error && <FormError>{error}</FormError>}
              <div className="flex flex-wrap gap-2">
                <Button type="submit" variant="primary" disabled={!canUse || running || !prompt.trim() || columns.length === 0 || Object.keys(errors).length > 0}>
                  {running ? "Answering…" : started ? "Send" : "Send to all"}
                </Button>
                {running && (
                  <Button variant="secondary" onClick={stop}>
                    Stop
                  </Button>
                )}
              </div>
            </div>
          </Card>
        </form>

        {columns.length === 0 ? (
          <p className="text-sm text-muted">Add a model to start.</p>
        ) : (
          <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-3" data-testid="playground-columns">
            {columns.map((column) => (
              <AnswerColumn key={column.model} column={column} />
            ))}
          </div>
        )}
      </div>
    </>
  );
}
