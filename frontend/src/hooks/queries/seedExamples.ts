import { useMutation } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";

export type SeedExample = Schemas["SeedExample"];
export type SeedExamplesRead = Schemas["SeedExamplesRead"];

/** Most examples one amplification job takes (the API refuses more). */
export const SEED_EXAMPLES_MAX = LIMITS.GenerationRequest.seed_examples.maxItems;

/** Reads pasted or uploaded examples on the server (JSONL, a JSON array or CSV): the usable ones and every bad line. */
export function useReadSeedExamples() {
  return useMutation({
    mutationFn: (text: string) => unwrap(api.POST("/api/v1/jobs/seed-examples", { body: { text } })),
  });
}
