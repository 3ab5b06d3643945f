"use client";

import type { FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Label } from "@/components/ui/Field";
import { Textarea } from "@/components/ui/Input";
import type { Schemas } from "@/lib/api/client";

type ChatMessage = Schemas["ChatMessage"];
export type Draft = ChatMessage[];

const ROLES: readonly ChatMessage["role"][] = ["system", "user", "assistant"];

/** The stored messages as editable ones; a training weight, which the editor does not show, is kept. */
export function toDraft(messages: Schemas["ExampleDetail"]["messages"]): Draft {
  return messages.map((m) => ({
    role: ROLES.find((r) => r === m.role) ?? "user",
    content: typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""),
    ...(m.weight === 0 || m.weight === 1 ? { weight: m.weight } : {}),
  }));
}

type Props = { draft: Draft; onChange: (draft: Draft) => void; onCancel: () => void; onSave: () => void; saving: boolean };

/** The row's messages as text fields; saving records an `edited` decision (the dataset changes on apply). */
export function MessagesEditor({ draft, onChange, onCancel, onSave, saving }: Props) {
  const empty = draft.some((m) => !m.content.trim());
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!empty) onSave();
  };
  return (
    <form onSubmit={submit} aria-label="Edit the row" className="space-y-3" onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      {draft.map((message, index) => (
        <div key={index} className="space-y-1">
          <Label htmlFor={`review-message-${index}`}>
            Message {index + 1} ({message.role})
          </Label>
          <Textarea
            id={`review-message-${index}`}
            rows={4}
            autoFocus={index === draft.length - 1}
            value={message.content}
            onChange={(e) => onChange(draft.map((m, i) => (i === index ? { ...m, content: e.target.value } : m)))}
          />
        </div>
      ))}
      {empty && <p className="text-xs text-danger">A message is empty; write it before saving.</p>}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={saving || empty}>
          {saving ? "Saving…" : "Save the edit"}
        </Button>
        <Button onClick={onCancel}>Cancel (Esc)</Button>
      </div>
    </form>
  );
}
