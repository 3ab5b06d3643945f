import type { Dataset, ExportFormat } from "@/hooks/queries/datasets";
import type { User } from "@/hooks/queries/auth";

/** The data types the engine generates; uploads and filters offer these. */
export const DATA_TYPES = [
  { id: "qa", label: "Question answering" },
  { id: "classification", label: "Classification" },
  { id: "generation", label: "Text generation" },
  { id: "code", label: "Code" },
  { id: "translation", label: "Translation" },
  { id: "ner", label: "Named entities" },
] as const;

export function dataTypeLabel(id: string): string {
  return DATA_TYPES.find((t) => t.id === id)?.label ?? id;
}

/** Every export format of the API, with what a trainer expects of it. */
export const EXPORT_FORMATS: readonly { id: ExportFormat; label: string; hint: string }[] = [
  { id: "jsonl", label: "JSONL (chat)", hint: "One messages record a line, with its metadata." },
  {
    id: "openai",
    label: "OpenAI fine-tuning",
    hint: "Chat JSONL checked against OpenAI's rules; rows that fail are left out.",
  },
  { id: "json", label: "JSON", hint: "One JSON array of chat records, with their metadata." },
  {
    id: "csv",
    label: "CSV",
    hint: "system, user, assistant and metadata columns; multi-turn chats flattened; formula-safe.",
  },
  { id: "parquet", label: "Parquet", hint: "Columnar file for pandas and Hugging Face datasets." },
  { id: "alpaca", label: "Alpaca", hint: "instruction / input / output array; earlier turns kept in history." },
  { id: "sharegpt", label: "ShareGPT", hint: "Array of conversations with from / value turns." },
  {
    id: "trl-dpo",
    label: "TRL DPO (preference pairs)",
    hint: "prompt / chosen / rejected JSONL for DPOTrainer; datasets made by a preference job only.",
  },
  {
    id: "openai-preference",
    label: "OpenAI preference fine-tuning",
    hint: "input / preferred_output / non_preferred_output JSONL; datasets made by a preference job only.",
  },
];

/** Creating datasets: admins and editors. */
export function canCreate(user: User | undefined): boolean {
  return user !== undefined && user.role !== "viewer";
}

/** Changing a dataset: admins, and editors who own it (the API's rule). */
export function canChange(user: User | undefined, dataset: Pick<Dataset, "owner_id">): boolean {
  if (!user) return false;
  return user.role === "admin" || (user.role === "editor" && dataset.owner_id === user.id);
}
