import type { TaskSpecBody } from "@/hooks/queries/taskSpecs";
import { ApiError, errorMessage } from "@/lib/api/client";

export type Criterion = { name: string; description: string };
export type Form = {
  name: string;
  title: string;
  description: string;
  instruction: string;
  policy: string;
  rubric: Criterion[];
  schemaText: string;
  validatorsText: string;
  seed: string;
  bulk: string;
  judge: string;
};

export const NEW_SPEC: TaskSpecBody = {
  name: "",
  instruction: "",
  output_schema: { type: "object", required: ["answer"], properties: { answer: { type: "string" } } },
};

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function formOf(spec: TaskSpecBody): Form {
  const templates = (spec.templates ?? {}) as Record<string, unknown>;
  const rubric = Array.isArray(spec.rubric) ? (spec.rubric as Criterion[]) : [];
  return {
    name: text(spec.name),
    title: text(spec.title),
    description: text(spec.description),
    instruction: text(spec.instruction),
    policy: text(spec.policy),
    rubric: rubric.map((c) => ({ name: text(c.name), description: text(c.description) })),
    schemaText: JSON.stringify(spec.output_schema ?? {}, null, 2),
    validatorsText: JSON.stringify(spec.validators ?? [], null, 2),
    seed: text(templates.seed),
    bulk: text(templates.bulk),
    judge: text(templates.judge),
  };
}

function parseJson(value: string, what: string): { value: unknown; error: string | null } {
  try {
    return { value: JSON.parse(value) as unknown, error: null };
  } catch (cause) {
    return { value: null, error: `${what} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}` };
  }
}

/** The spec the form describes, over the loaded one (fields the form does not show are kept). */
export function specOf(base: TaskSpecBody, form: Form): { spec: TaskSpecBody | null; schemaError: string | null; validatorsError: string | null } {
  const schema = parseJson(form.schemaText, "The output schema");
  const validators = parseJson(form.validatorsText, "The validators");
  if (schema.error || validators.error) return { spec: null, schemaError: schema.error, validatorsError: validators.error };
  const templates = Object.fromEntries(
    (["seed", "bulk", "judge"] as const).filter((stage) => form[stage].trim()).map((stage) => [stage, form[stage]]),
  );
  const spec: TaskSpecBody = {
    ...base,
    name: form.name,
    title: form.title,
    description: form.description,
    instruction: form.instruction,
    policy: form.policy,
    rubric: form.rubric,
    output_schema: schema.value,
    validators: validators.value,
    templates,
  };
  delete spec.version;
  return { spec, schemaError: null, validatorsError: null };
}

export function problemsOf(error: unknown): string[] {
  if (error instanceof ApiError && Array.isArray(error.detail)) return error.detail.map(String);
  return error ? [errorMessage(error)] : [];
}
