import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/lib/api/client";

import { jobKeys } from "./jobs";

export type PromptFileRead = Schemas["PromptFileRead"];
export type PromptRead = Schemas["PromptRead"];
export type PromptSetUpload = Schemas["PromptSetUpload"];
export type PromptSetRead = Schemas["PromptSetRead"];
export type RelabelRequest = Schemas["RelabelRequest"];
export type PreferenceRequest = Schemas["PreferenceRequest"];

/** Which columns hold the prompt, the system prompt and the reference answer ("" = detected by the server). */
export type PromptColumns = { prompt: string; system: string; reference: string };

export const DETECTED_COLUMNS: PromptColumns = { prompt: "", system: "", reference: "" };

function promptForm(file: File, columns: PromptColumns, name?: string): FormData {
  const form = new FormData();
  form.set("file", file, file.name);
  if (name !== undefined) form.set("name", name);
  if (columns.prompt) form.set("prompt_field", columns.prompt);
  if (columns.system) form.set("system_field", columns.system);
  if (columns.reference) form.set("reference_field", columns.reference);
  return form;
}

/** What a prompt file holds under a column mapping: columns, detected mapping, bad lines, duplicates, first prompts. */
export function usePreviewPromptFile() {
  return useMutation({
    mutationFn: ({ file, columns }: { file: File; columns: PromptColumns }) =>
      unwrap(
        api.POST("/api/v1/prompt-sets/preview", {
          // The generated body types the file as a string (binary); the serializer sends the real File.
          body: { file: file.name },
          bodySerializer: () => promptForm(file, columns),
        }),
      ),
  });
}

/** The user's stored prompt sets (an admin's: everyone's), newest first, each at its current version. */
export function usePromptSets() {
  return useQuery({
    queryKey: ["prompt-sets", "list"],
    queryFn: () => unwrap(api.GET("/api/v1/prompt-sets", { params: { query: { page_size: 100 } } })),
  });
}

/** The prompts a job answers: a file stored as a new prompt set, or a version of a stored set. */
export type PromptSource = { file: File; columns: PromptColumns } | { stored: PromptSetRead };

async function promptSetOf(source: PromptSource, name: string): Promise<{ prompt_set_id: string; prompt_set_version: number | null }> {
  if ("stored" in source) return { prompt_set_id: source.stored.id, prompt_set_version: source.stored.version };
  return { prompt_set_id: await storePrompts(source.file, source.columns, name), prompt_set_version: null };
}

/** Stores the file's prompts as a prompt set (the bad lines the preview named are left out); its id. */
async function storePrompts(file: File, columns: PromptColumns, name: string): Promise<string> {
  const stored = await unwrap(
    api.POST("/api/v1/prompt-sets", {
      params: { query: { on_error: "skip" } },
      body: { file: file.name, name },
      bodySerializer: () => promptForm(file, columns, name),
    }),
  );
  return stored.prompt_set.id;
}

/** Stores the file's prompts as a prompt set (or takes a stored set's current version), then starts the relabel job
 * that has the teacher answer them into a new dataset. */
export function useStartRelabel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ source, request }: { source: PromptSource; request: Omit<RelabelRequest, "prompt_set_id" | "prompt_set_version"> }) => {
      const body: RelabelRequest = { ...request, ...(await promptSetOf(source, request.name)) };
      return unwrap(api.POST("/api/v1/jobs/relabel", { body }));
    },
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(job.id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}

/** Stores the file's prompts as a prompt set (or takes a stored set's current version), then starts the preference job: teacher and student answer each
 * prompt, a judge compares them in both orders, the clear pairs become prompt / chosen / rejected rows. */
export function useStartPreference() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ source, request }: { source: PromptSource; request: Omit<PreferenceRequest, "prompt_set_id" | "prompt_set_version"> }) => {
      const body: PreferenceRequest = { ...request, ...(await promptSetOf(source, request.name)) };
      return unwrap(api.POST("/api/v1/jobs/preference", { body }));
    },
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(job.id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}
