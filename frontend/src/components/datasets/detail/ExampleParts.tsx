import { StatusBadge, type Tone } from "@/components/ui/StatusBadge";

type Message = { role?: unknown; content?: unknown };

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? "");
}

/** The first user and assistant turns, clamped: enough to recognise a row. */
export function ConversationPreview({ messages }: { messages: Message[] }) {
  const dialogue = messages.filter((m) => m.role !== "system");
  const turns = dialogue.slice(0, 2);
  const rest = dialogue.length - turns.length;
  return (
    <div className="min-w-0 space-y-1">
      {turns.map((message, index) => (
        <p key={index} className="line-clamp-2 break-words text-sm">
          <span className="mr-1.5 text-xs font-medium uppercase tracking-wide text-muted">{text(message.role)}</span>
          <span className="text-fg">{text(message.content)}</span>
        </p>
      ))}
      {rest > 0 && (
        <p className="text-xs text-muted">
          + {rest} more message{rest === 1 ? "" : "s"}
        </p>
      )}
    </div>
  );
}

export function scoreTone(score: number): Tone {
  if (score >= 7) return "ok";
  if (score >= 5) return "warn";
  return "danger";
}

export function Score({ score }: { score: number | null }) {
  if (score === null) return <span className="text-muted">—</span>;
  return <StatusBadge tone={scoreTone(score)}>{score.toFixed(1)}</StatusBadge>;
}

/** A full conversation, every message with its role. */
export function Conversation({ messages }: { messages: Message[] }) {
  return (
    <ol className="space-y-2">
      {messages.map((message, index) => (
        <li key={index} className="rounded-lg border border-border bg-surface-muted/40 px-3 py-2">
          <p className="text-xs font-medium uppercase tracking-wide text-muted">{text(message.role)}</p>
          <p className="mt-0.5 whitespace-pre-wrap break-words text-sm text-fg">{text(message.content)}</p>
        </li>
      ))}
    </ol>
  );
}
