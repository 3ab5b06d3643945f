"use client";

import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useDataTypes } from "@/hooks/queries/catalog";
import { useTaskSpecs } from "@/hooks/queries/taskSpecs";

import { ChoiceCards } from "./ChoiceCards";
import type { StepProps } from "./steps";

/** Your stored task specs: choosing one runs its newest version (schema, policy, rubric, validators). */
function TaskSpecPicker({ draft, change }: Pick<StepProps, "draft" | "change">) {
  const specs = useTaskSpecs();
  const stored = (specs.data ?? []).filter((spec) => !spec.builtin && spec.id);
  if (specs.isError) return <p className="text-sm text-danger">Could not load the task specs.</p>;
  if (stored.length === 0) return null;
  return (
    <Field label="Or run one of your task specs" htmlFor="task-spec" hint="Its newest version; the job records which one it used.">
      <Select
        value={draft.taskSpecId}
        onChange={(e) => {
          const spec = stored.find((s) => s.id === e.target.value);
          change(spec?.id ? { taskSpecId: spec.id, dataType: spec.name } : { taskSpecId: "", dataType: "" });
        }}
      >
        <option value="">No task spec</option>
        {stored.map((spec) => (
          <option key={spec.id} value={spec.id ?? ""}>
            {spec.title} (version {spec.version})
          </option>
        ))}
      </Select>
    </Field>
  );
}

export function DataTypeStep({ draft, change, errors }: StepProps) {
  const types = useDataTypes();
  if (types.isPending) return <Skeleton className="h-40 w-full" />;
  if (types.isError) return <ErrorState title="Could not load the data types" error={types.error} onRetry={() => void types.refetch()} />;
  if (types.data.length === 0) return <EmptyState title="The engine offers no data types" />;
  return (
    <div className="space-y-2">
      <ChoiceCards
        legend="What kind of training examples?"
        name="data-type"
        value={draft.dataType}
        onChange={(dataType) => change({ dataType, taskSpecId: "" })}
        choices={types.data.map((t) => ({ value: t.name, title: t.title, description: t.description }))}
      />
      {errors.dataType && <p className="text-sm text-danger">{errors.dataType}</p>}
      <TaskSpecPicker draft={draft} change={change} />
    </div>
  );
}
