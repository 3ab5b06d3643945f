"use client";

import { diffWords, type Change } from "diff";
import { useMemo } from "react";

// Long, very different texts can take the diff seconds; past this it shows the whole text as replaced.
const DIFF_TIMEOUT_MS = 300;

const MARK = "rounded-sm px-0.5 text-fg [text-decoration-thickness:2px]";

type Message = Record<string, unknown>;

function text(message: Message | undefined): string {
  const content = message?.content;
  return typeof content === "string" ? content : content === undefined ? "" : JSON.stringify(content);
}

function role(message: Message | undefined): string {
  return typeof message?.role === "string" ? message.role : "message";
}

/** Words of the older text (deletions struck through) or of the newer (insertions underlined). */
function Side({ parts, side }: { parts: Change[]; side: "before" | "after" }) {
  return (
    <p className="whitespace-pre-wrap break-words text-sm leading-6">
      {parts.map((part, i) => {
        if (part.added && side === "after")
          return (
            <ins key={i} className={`${MARK} bg-ok-soft underline decoration-ok`}>
              <span className="sr-only">[inserted: </span>
              {part.value}
              <span className="sr-only">]</span>
            </ins>
          );
        if (part.removed && side === "before")
          return (
            <del key={i} className={`${MARK} bg-danger-soft line-through decoration-danger`}>
              <span className="sr-only">[deleted: </span>
              {part.value}
              <span className="sr-only">]</span>
            </del>
          );
        if (part.added || part.removed) return null;
        return <span key={i}>{part.value}</span>;
      })}
    </p>
  );
}

function changes(before: string, after: string): Change[] {
  const parts = diffWords(before, after, { timeout: DIFF_TIMEOUT_MS });
  if (parts) return parts;
  return [
    { value: before, removed: true, added: false, count: 1 },
    { value: after, added: true, removed: false, count: 1 },
  ];
}

type MessageDiffProps = { index: number; before: Message | undefined; after: Message | undefined; from: number; to: number };

/** One message of a changed row: the old and new text side by side, word by word. */
function MessageDiff({ index, before, after, from, to }: MessageDiffProps) {
  const [old, now] = [text(before), text(after)];
  const parts = useMemo(() => changes(old, now), [old, now]);
  const roles = before && after && role(before) !== role(after) ? `${role(before)} → ${role(after)}` : role(after ?? before);
  const same = old === now && before !== undefined && after !== undefined;
  const note = before === undefined ? " · new message" : after === undefined ? " · message removed" : same ? " · unchanged" : "";
  return (
    <li className="space-y-1">
      <p className="text-xs font-medium text-muted">
        Message {index + 1} · {roles}
        {note}
      </p>
      {same ? (
        <p className="line-clamp-2 whitespace-pre-wrap break-words text-sm text-muted">{now}</p>
      ) : (
        <div className="grid gap-2 md:grid-cols-2">
          <div className="min-w-0 rounded-md border border-border p-2">
            <p className="mb-1 text-xs text-muted">v{from}</p>
            <Side parts={parts} side="before" />
          </div>
          <div className="min-w-0 rounded-md border border-border p-2">
            <p className="mb-1 text-xs text-muted">v{to}</p>
            <Side parts={parts} side="after" />
          </div>
        </div>
      )}
    </li>
  );
}

type RowDiffProps = { before: Message[]; after: Message[]; from: number; to: number };

/** Every message of a changed row, matched by position; the unchanged ones are shown shortened. */
export function RowDiff({ before, after, from, to }: RowDiffProps) {
  const count = Math.max(before.length, after.length);
  return (
    <ol className="space-y-3">
      {Array.from({ length: count }, (_, i) => (
        <MessageDiff key={i} index={i} before={before[i]} after={after[i]} from={from} to={to} />
      ))}
    </ol>
  );
}

/** The messages of a row that only one of the versions holds. */
export function RowMessages({ messages }: { messages: Message[] }) {
  return (
    <ol className="space-y-2">
      {messages.map((message, i) => (
        <li key={i}>
          <p className="text-xs font-medium text-muted">
            Message {i + 1} · {role(message)}
          </p>
          <p className="line-clamp-4 whitespace-pre-wrap break-words text-sm">{text(message)}</p>
        </li>
      ))}
    </ol>
  );
}
