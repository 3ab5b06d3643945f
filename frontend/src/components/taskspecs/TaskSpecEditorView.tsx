"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { TextInput, Textarea } from "@/components/ui/Input";
import { PageHeader } from "@/components/ui/PageHeader";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import {
  useBuiltinTaskSpec,
  useDeleteTaskSpec,
  useSaveTaskSpec,
  useTaskSpec,
  useValidateTaskSpec,
  type TaskSpecRead,
} from "@/hooks/queries/taskSpecs";
import { errorMessage } from "@/lib/api/client";

import { taskSpecHref } from "./links";
import { PolicyField } from "./PolicyDrafter";
import { History } from "./SpecHistory";
import { formOf, NEW_SPEC, problemsOf, specOf, type Form } from "./specForm";

function Editor({ loaded, id, builtin, canWrite }: { loaded: TaskSpecRead | null; id: string | null; builtin: boolean; canWrite: boolean }) {
  const router = useRouter();
  const base = loaded?.spec ?? NEW_SPEC;
  const [form, setForm] = useState<Form>(() => formOf(base));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const save = useSaveTaskSpec();
  const check = useValidateTaskSpec();
  const remove = useDeleteTaskSpec();
  const { spec, schemaError, validatorsError } = specOf(base, form);
  const readOnly = !canWrite;
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((old) => ({ ...old, [key]: value }));
  const problems = save.isError ? problemsOf(save.error) : check.data && !check.data.valid ? check.data.problems : [];

  const onSave = () => {
    if (!spec) return;
    save.mutate(
      { id: builtin ? null : id, spec },
      { onSuccess: (saved) => router.replace(taskSpecHref({ id: saved.id ?? "" })) },
    );
  };

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
      <form
        className="space-y-6"
        aria-label="Task spec"
        onSubmit={(e) => {
          e.preventDefault();
          onSave();
        }}
      >
        <Card title="Task" labelledBy="spec-task-title">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Name" htmlFor="spec-name" hint="Lower case, digits, _ . - (recorded on every row)">
              <TextInput value={form.name} onChange={(e) => set("name", e.target.value)} readOnly={readOnly} required />
            </Field>
            <Field label="Title" htmlFor="spec-title">
              <TextInput value={form.title} onChange={(e) => set("title", e.target.value)} readOnly={readOnly} />
            </Field>
          </div>
          <div className="mt-4 space-y-4">
            <Field label="Description" htmlFor="spec-description">
              <TextInput value={form.description} onChange={(e) => set("description", e.target.value)} readOnly={readOnly} />
            </Field>
            <Field label="Instruction" htmlFor="spec-instruction">
              <Textarea rows={3} value={form.instruction} onChange={(e) => set("instruction", e.target.value)} readOnly={readOnly} />
            </Field>
            <PolicyField value={form.policy} onChange={(policy) => set("policy", policy)} readOnly={readOnly} spec={spec} />
          </div>
        </Card>

        <Card title="Rubric" labelledBy="spec-rubric-title">
          <p className="mb-3 text-sm text-muted">Criteria the judge checks, shown to it word for word.</p>
          <ul className="space-y-3">
            {form.rubric.map((criterion, i) => (
              <li key={i} className="grid gap-2 sm:grid-cols-[12rem_minmax(0,1fr)_auto] sm:items-end">
                <Field label={`Criterion ${i + 1} name`} htmlFor={`criterion-${i}-name`}>
                  <TextInput
                    value={criterion.name}
                    readOnly={readOnly}
                    onChange={(e) => set("rubric", form.rubric.map((c, j) => (j === i ? { ...c, name: e.target.value } : c)))}
                  />
                </Field>
                <Field label={`Criterion ${i + 1} description`} htmlFor={`criterion-${i}-description`}>
                  <TextInput
                    value={criterion.description}
                    readOnly={readOnly}
                    onChange={(e) => set("rubric", form.rubric.map((c, j) => (j === i ? { ...c, description: e.target.value } : c)))}
                  />
                </Field>
                {!readOnly && (
                  <Button onClick={() => set("rubric", form.rubric.filter((_, j) => j !== i))} aria-label={`Remove criterion ${i + 1}`}>
                    Remove
                  </Button>
                )}
              </li>
            ))}
          </ul>
          {!readOnly && (
            <Button className="mt-3" onClick={() => set("rubric", [...form.rubric, { name: "", description: "" }])}>
              Add criterion
            </Button>
          )}
        </Card>

        <Card title="Output and checks" labelledBy="spec-output-title">
          <div className="space-y-4">
            <Field label="Output JSON Schema" htmlFor="spec-schema" error={schemaError} hint="The root is an object; only local $ref (#/...) are allowed.">
              <Textarea rows={10} className="font-mono text-xs" value={form.schemaText} onChange={(e) => set("schemaText", e.target.value)} readOnly={readOnly} spellCheck={false} />
            </Field>
            <Field
              label="Validators (JSON list)"
              htmlFor="spec-validators"
              error={validatorsError}
              hint='e.g. [{"type": "length", "field": "answer", "min": 10, "max": 300}]: json_schema, regex, length, label_set'
            >
              <Textarea rows={5} className="font-mono text-xs" value={form.validatorsText} onChange={(e) => set("validatorsText", e.target.value)} readOnly={readOnly} spellCheck={false} />
            </Field>
          </div>
        </Card>

        <Card title="Prompt templates" labelledBy="spec-templates-title">
          <p className="mb-3 text-sm text-muted">Jinja, rendered in a sandbox; empty keeps the built-in prompt of that stage.</p>
          <div className="space-y-4">
            {(["seed", "bulk", "judge"] as const).map((stage) => (
              <Field key={stage} label={`${stage.charAt(0).toUpperCase()}${stage.slice(1)} template`} htmlFor={`spec-template-${stage}`}>
                <Textarea rows={4} className="font-mono text-xs" value={form[stage]} onChange={(e) => set(stage, e.target.value)} readOnly={readOnly} spellCheck={false} />
              </Field>
            ))}
          </div>
        </Card>

        {problems.length > 0 && (
          <div role="alert" className="rounded-md border border-danger p-3 text-sm">
            <p className="font-medium">The spec has problems:</p>
            <ul className="mt-1 list-disc pl-5">
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        )}
        {check.data?.valid && !save.isError && (
          <p role="status" className="text-sm text-muted">
            The spec is valid.
          </p>
        )}

        {canWrite && (
          <div className="flex flex-wrap gap-2">
            <Button type="submit" variant="primary" disabled={!spec || save.isPending}>
              {save.isPending ? "Saving…" : builtin || !id ? "Save as a new spec" : "Save as a new version"}
            </Button>
            <Button onClick={() => spec && check.mutate(spec)} disabled={!spec || check.isPending}>
              Validate
            </Button>
            {id && !builtin && (
              <Button
                variant={confirmDelete ? "danger" : "secondary"}
                onClick={() => (confirmDelete ? remove.mutate(id, { onSuccess: () => router.push("/task-specs/") }) : setConfirmDelete(true))}
              >
                {confirmDelete ? "Delete every version" : "Delete"}
              </Button>
            )}
          </div>
        )}
        {remove.isError && (
          <p role="alert" className="text-sm text-danger">
            {errorMessage(remove.error)}
          </p>
        )}
      </form>
      <aside className="space-y-6">
        {id && !builtin && loaded ? (
          <Card title="Versions" labelledBy="spec-versions-title">
            <History id={id} shown={loaded.version} />
          </Card>
        ) : (
          <Card title={builtin ? "Built-in spec" : "New spec"} labelledBy="spec-kind-title">
            <p className="text-sm text-muted">
              {builtin
                ? "Built-in specs are read-only. Saving stores a copy under a new name."
                : "Saving stores version 1; every later save is a new version."}
            </p>
          </Card>
        )}
      </aside>
    </div>
  );
}

export function TaskSpecEditorView() {
  const params = useSearchParams();
  const id = params.get("id");
  const builtinName = params.get("builtin");
  const versionParam = Number(params.get("version"));
  const version = Number.isInteger(versionParam) && versionParam > 0 ? versionParam : null;
  const stored = useTaskSpec(id, version);
  const builtin = useBuiltinTaskSpec(id ? null : builtinName);
  const me = useMe();
  const canWrite = me.data?.role === "admin" || me.data?.role === "editor";
  const query = id ? stored : builtinName ? builtin : null;
  // A new load (another spec or version, or a save) starts the form again from what the server holds.
  const key = `${id ?? builtinName ?? "new"}:${query?.dataUpdatedAt ?? 0}`;

  const title = id
    ? `${stored.data?.spec.title || stored.data?.spec.name || "Task spec"}${stored.data ? ` · version ${stored.data.version}` : ""}`
    : builtinName
      ? `Built-in spec: ${builtinName}`
      : "New task spec";

  const body = () => {
    if (query?.isPending) {
      return (
        <LoadingRegion label="Loading the task spec…">
          <Skeleton className="h-96 w-full" />
        </LoadingRegion>
      );
    }
    if (query?.isError) {
      return <ErrorState title="Could not load the task spec" error={query.error} onRetry={() => void query.refetch()} />;
    }
    return <Editor key={key} loaded={query?.data ?? null} id={id} builtin={!id && Boolean(builtinName)} canWrite={canWrite} />;
  };

  return (
    <>
      <PageHeader
        title={title}
        description={
          <Link href="/task-specs/" className="text-accent hover:underline">
            All task specs
          </Link>
        }
      />
      {body()}
    </>
  );
}
