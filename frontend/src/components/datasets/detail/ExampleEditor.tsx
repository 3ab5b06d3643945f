"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { FieldError, FormError, Label } from "@/components/ui/Field";
import { Textarea } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { useEditExample, type ChatMessage, type Example } from "@/hooks/queries/examples";
import { errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

const ROLES: readonly ChatMessage["role"][] = ["system", "user", "assistant"];

/** The stored messages as editable ones; a training weight, which the editor does not show, is kept. */
function toDraft(messages: Example["messages"]): ChatMessage[] {
  return messages.map((m) => ({
    role: ROLES.find((r) => r === m.role) ?? "user",
    content: typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""),
    ...(m.weight === 0 || m.weight === 1 ? { weight: m.weight } : {}),
  }));
}

/** What must hold before the API is asked: at least one message, none empty. */
export function draftProblems(messages: readonly ChatMessage[]): Map<number, string> {
  const problems = new Map<number, string>();
  messages.forEach((m, i) => {
    if (!m.content.trim()) problems.set(i, `Message ${i + 1} is empty; write it or remove it.`);
  });
  return problems;
}

type ExampleEditorProps = { datasetId: string; example: Example; onDone: () => void };

/** Inline editing of one example's messages; saving makes a new dataset version. */
export function ExampleEditor({ datasetId, example, onDone }: ExampleEditorProps) {
  const edit = useEditExample(datasetId);
  const [messages, setMessages] = useState(() => toDraft(example.messages));
  const [tried, setTried] = useState(false);
  const problems = draftProblems(messages);
  const label = `example ${example.position + 1}`;

  const change = (index: number, patch: Partial<ChatMessage>) =>
    setMessages((all) => all.map((m, i) => (i === index ? { ...m, ...patch } : m)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (messages.length === 0 || problems.size > 0) return;
    edit.mutate({ exampleId: example.id, messages }, { onSuccess: onDone });
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={`Edit ${label}`}
      className="space-y-3 rounded-lg border border-accent/40 bg-surface p-3"
      onKeyDown={(e) => e.key === "Escape" && onDone()}
    >
      {messages.map((message, index) => {
        const problem = tried ? problems.get(index) : undefined;
        const id = `edit-${example.id}-${index}`;
        return (
          <div key={index} className="space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <Label htmlFor={id}>Message {index + 1}</Label>
              <Select
                aria-label={`Role of message ${index + 1}`}
                value={message.role}
                onChange={(e) => change(index, { role: ROLES.find((r) => r === e.target.value) ?? "user" })}
                className="min-h-0 w-auto px-2 py-1"
              >
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {role}
                  </option>
                ))}
              </Select>
              <Button
                variant="ghost"
                size="sm"
                className="ml-auto"
                onClick={() => setMessages((all) => all.filter((_, i) => i !== index))}
              >
                Remove<span className="sr-only"> message {index + 1}</span>
              </Button>
            </div>
            <Textarea
              id={id}
              limit={LIMITS.ChatMessage.content}
              rows={Math.min(8, Math.max(2, message.content.split("\n").length))}
              value={message.content}
              onChange={(e) => change(index, { content: e.target.value })}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-error` : undefined}
            />
            {problem && <FieldError id={`${id}-error`}>{problem}</FieldError>}
          </div>
        );
      })}
      {tried && messages.length === 0 && <FormError>An example needs at least one message.</FormError>}
      {edit.isError && <FormError>The API refused the change: {errorMessage(edit.error)}</FormError>}
      <div className="flex flex-wrap items-center gap-2">
        <Button onClick={() => setMessages((all) => [...all, { role: "assistant", content: "" }])}>Add message</Button>
        <span className="flex-1" />
        <Button onClick={onDone}>Cancel</Button>
        <Button variant="primary" type="submit" disabled={edit.isPending}>
          {edit.isPending ? "Saving…" : "Save as new version"}
        </Button>
      </div>
    </form>
  );
}
