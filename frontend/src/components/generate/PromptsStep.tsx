"use client";

import { ACCEPTED, DropZone } from "@/components/datasets/DropZone";
import { RowErrorList } from "@/components/datasets/RowErrors";
import { Field, FormError } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import {
  DETECTED_COLUMNS,
  usePreviewPromptFile,
  usePromptSets,
  type PromptColumns,
  type PromptFileRead,
  type PromptSetRead,
} from "@/hooks/queries/promptSets";
import { errorMessage } from "@/lib/api/client";

import { AMPLIFIED_DATA_TYPE } from "./draft";
import type { StepProps } from "./steps";

const PROMPT_FILES = `${ACCEPTED},.parquet`;
const COLUMNS: { key: keyof PromptColumns; label: string; detected: (read: PromptFileRead) => string | null | undefined }[] = [
  { key: "prompt", label: "Prompt column", detected: (read) => read.mapping.prompt_field },
  { key: "system", label: "System prompt column", detected: (read) => read.mapping.system_field },
  { key: "reference", label: "Reference answer column", detected: (read) => read.mapping.reference_field },
];

/** The user's own prompts: a file read by the server, its bad lines named, its columns mapped, its first prompts shown. */
export function PromptsStep({ draft, change, errors }: StepProps) {
  const preview = usePreviewPromptFile();
  const read = draft.promptRead;

  const check = (file: File, columns: PromptColumns) => {
    change({ promptFile: file, promptColumns: columns, promptRead: null, promptSet: null });
    preview.mutate({ file, columns }, { onSuccess: (found) => change({ promptRead: found }) });
  };
  const fileError = (read && read.prompts > 0) || draft.promptSet ? null : errors.promptFile;

  return (
    <div className="space-y-4">
      <StoredSets chosen={draft.promptSet} onChoose={(set) => change({ promptSet: set, promptFile: null, promptRead: null })} />
      <DropZone
        id="prompt-file"
        file={draft.promptFile}
        accept={PROMPT_FILES}
        onFile={(file) => (file ? check(file, DETECTED_COLUMNS) : change({ promptFile: null, promptRead: null }))}
        disabled={preview.isPending}
        hint="JSONL, JSON, CSV or Parquet: a prompt column (prompt, question, instruction…) or OpenAI chat requests (messages)."
      />
      {fileError && <FormError>{fileError}</FormError>}
      {preview.isPending && <p className="text-sm text-muted">Reading the prompts…</p>}
      {preview.isError && <FormError>Could not read the prompt file: {errorMessage(preview.error)}</FormError>}
      {read && draft.promptFile && (
        <>
          <p role="status" className="text-sm text-fg">
            {read.prompts} prompt{read.prompts === 1 ? "" : "s"} to answer ({read.file_format.toUpperCase()}
            {read.duplicate_count > 0 && `, ${read.duplicate_count} duplicate${read.duplicate_count === 1 ? "" : "s"} left out`}).
          </p>
          {read.error_count > 0 && (
            <div role="alert" className="text-sm text-fg">
              <p>
                {read.error_count} line{read.error_count === 1 ? " holds" : "s hold"} no usable prompt and will be left out; fix the file or
                choose other columns to keep {read.error_count === 1 ? "it" : "them"}.
              </p>
              <RowErrorList rows={read.errors} label="Lines that are not usable prompts" />
            </div>
          )}
          {read.columns.length > 0 && !read.columns.includes("messages") && (
            <div className="grid gap-4 sm:grid-cols-3">
              {COLUMNS.map(({ key, label, detected }) => (
                <Field key={key} label={label} htmlFor={`column-${key}`}>
                  <Select
                    value={draft.promptColumns[key]}
                    onChange={(e) => check(draft.promptFile as File, { ...draft.promptColumns, [key]: e.target.value })}
                    disabled={preview.isPending}
                  >
                    <option value="">Detected{detected(read) ? `: ${detected(read)}` : ": none"}</option>
                    {read.columns.map((column) => (
                      <option key={column} value={column}>
                        {column}
                      </option>
                    ))}
                  </Select>
                </Field>
              ))}
            </div>
          )}
          {read.sample.length > 0 && <PromptSample read={read} />}
        </>
      )}
      <p className="text-sm text-muted">
        The teacher answers every prompt; the answers become chats, so the dataset&apos;s data type is “{AMPLIFIED_DATA_TYPE}”. A prompt that
        offers tools (OpenAI function tools) is sent with them: the teacher may answer with tool calls, each checked against its tool&apos;s
        schema, and the dataset keeps the tools for the OpenAI fine-tuning export.
      </p>
    </div>
  );
}

function PromptSample({ read }: { read: PromptFileRead }) {
  return (
    <table className="w-full text-left text-sm" aria-label="The first prompts, as the teacher will get them">
      <thead className="text-muted">
        <tr>
          <th scope="col" className="py-1 pr-2 font-medium">Line</th>
          <th scope="col" className="py-1 pr-2 font-medium">System</th>
          <th scope="col" className="py-1 pr-2 font-medium">Prompt</th>
          <th scope="col" className="py-1 pr-2 font-medium">Reference</th>
          <th scope="col" className="py-1 font-medium">Tools offered</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-border">
        {read.sample.map((prompt) => {
          const system = prompt.messages.find((m) => m.role === "system")?.content;
          const users = prompt.messages.filter((m) => m.role === "user");
          return (
            <tr key={prompt.position} className="align-top">
              <td className="py-1 pr-2 tabular-nums text-muted">{prompt.line}</td>
              <td className="py-1 pr-2 break-words text-muted">{typeof system === "string" ? system : "—"}</td>
              <td className="py-1 pr-2 break-words text-fg">{String(users[users.length - 1]?.content ?? "")}</td>
              <td className="py-1 pr-2 break-words text-muted">{prompt.reference ?? "—"}</td>
              <td className="py-1 break-words text-muted">
                <ToolsOffered tools={prompt.tools ?? []} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

type Tool = { function?: { name?: unknown; description?: unknown } };

/** The tools a prompt offers: their names, and each one's schema on demand. */
function ToolsOffered({ tools }: { tools: Record<string, unknown>[] }) {
  if (tools.length === 0) return <>—</>;
  const names = tools.map((tool) => String((tool as Tool).function?.name ?? "?"));
  return (
    <details>
      <summary className="cursor-pointer text-fg">{names.join(", ")}</summary>
      <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap text-xs">{JSON.stringify(tools, null, 2)}</pre>
    </details>
  );
}

/** A stored prompt set to answer instead of a new file, at its current version. */
function StoredSets({ chosen, onChoose }: { chosen: PromptSetRead | null; onChoose: (set: PromptSetRead | null) => void }) {
  const sets = usePromptSets();
  const items = sets.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <div className="space-y-1">
      <Field label="Or answer a stored prompt set" htmlFor="stored-prompt-set">
        <Select
          value={chosen?.id ?? ""}
          onChange={(e) => onChoose(items.find((set) => set.id === e.target.value) ?? null)}
        >
          <option value="">None: upload a file</option>
          {items.map((set) => (
            <option key={set.id} value={set.id}>
              {set.name} (v{set.version}, {set.prompt_count} prompts)
            </option>
          ))}
        </Select>
      </Field>
      {chosen && (
        <p role="status" className="text-sm text-fg" data-testid="stored-prompt-set-summary">
          prompt set v{chosen.version}, {chosen.prompt_count} prompt{chosen.prompt_count === 1 ? "" : "s"}: the job answers exactly this
          version, whatever is added to the set later.
        </p>
      )}
    </div>
  );
}
