import { expect, type APIRequestContext } from "@playwright/test";

import { apiPost } from "./helpers";

/** Test data: files as people upload them, and datasets made through the API. */

const TOPICS = [
  "password reset",
  "refund request",
  "billing dispute",
  "shipping delay",
  "locked account",
  "plan upgrade",
];

/** A row as `distillery generate` writes it: messages, with score, stage and provenance under metadata. */
function generatedRow(i: number, count: number): Record<string, unknown> {
  const topic = TOPICS[i % TOPICS.length] ?? "billing";
  const stage = i < Math.max(1, Math.round(count / 10)) ? "seed" : "bulk";
  // Judge scores spread from 4.0 to 9.9, as a kept dataset's are.
  const score = Math.round(40 + ((i * 37) % 60)) / 10;
  return {
    messages: [
      { role: "system", content: "You are a helpful support agent." },
      { role: "user", content: `Question ${i + 1}: how do I handle a ${topic}?` },
      { role: "assistant", content: `Answer ${i + 1}: here is how a ${topic} is handled, step by step.` },
    ],
    metadata: {
      id: `row-${i}`,
      score,
      provenance: {
        stage,
        model: stage === "seed" ? "openai:gpt-4o" : "local:smollm2-135m",
        template_hash: "9f2c1ab4",
        scenario: { topic, tone: i % 2 ? "calm" : "frustrated", complexity: i % 3 ? "simple" : "multi-step" },
        exemplar_ids: stage === "bulk" ? ["row-0", "row-1"] : [],
        calls: [
          {
            stage,
            model: stage === "seed" ? "openai:gpt-4o" : "local:smollm2-135m",
            fingerprint: `c0ffee${String(i).padStart(4, "0")}deadbeefcafe`,
            template_hash: "9f2c1ab4",
            input_tokens: 420,
            output_tokens: 96,
            cost_usd: "0.0012",
            attempts: 1,
            cached: false,
          },
          { stage: "judge", model: "openai:gpt-4o", fingerprint: "feedface0000", template_hash: "77aa", input_tokens: 610, output_tokens: 40, cost_usd: "0.0019", attempts: 2, cached: true },
        ],
        judge_scores: { content_quality: score, alignment: Math.min(10, score + 0.5), formatting: 8 },
        decision: "kept",
      },
    },
  };
}

/** JSON Lines of `count` generated rows. */
export function generatedJsonl(count: number): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify(generatedRow(i, count))).join("\n") + "\n";
}

/** A file with good rows and two bad ones, on lines 2 and 4. */
export const BAD_JSONL = [
  JSON.stringify({
    messages: [
      { role: "user", content: "ok" },
      { role: "assistant", content: "fine" },
    ],
  }),
  "this is not json",
  JSON.stringify({ instruction: "Add", input: "1+1", output: "2" }),
  JSON.stringify({ messages: [{ role: "robot", content: "beep" }] }),
  JSON.stringify({ prompt: "Capital of France?", completion: "Paris" }),
].join("\n");

export type CreatedDataset = { id: string; name: string; example_count: number };

/** Uploads `content` as a new dataset through the API (test setup; the UI upload has its own tests). */
export async function createDataset(
  request: APIRequestContext,
  name: string,
  content: string,
  extra: Record<string, string> = {},
): Promise<CreatedDataset> {
  const response = await apiPost(request, "/api/v1/datasets/upload", {
    multipart: {
      file: { name: `${name}.jsonl`, mimeType: "application/x-ndjson", buffer: Buffer.from(content) },
      name,
      data_type: "qa",
      ...extra,
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { dataset: CreatedDataset }).dataset;
}

/** A name no other test run has used, so tests never see each other's datasets. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}
