import { Field } from "@/components/ui/Field";
import { Select } from "@/components/ui/Select";
import { TASK_STATUSES, type TaskStatus } from "@/hooks/queries/tasks";

type StatusFilterProps = { value: TaskStatus | null; onChange: (status: TaskStatus | null) => void };

export function StatusFilter({ value, onChange }: StatusFilterProps) {
  return (
    <Field label="Status" htmlFor="task-status" orientation="horizontal" labelClassName="font-normal text-muted">
      <Select
        value={value ?? ""}
        onChange={(e) => onChange(TASK_STATUSES.find((s) => s === e.target.value) ?? null)}
        className="w-auto pr-8"
      >
        <option value="">All statuses</option>
        {TASK_STATUSES.map((status) => (
          <option key={status} value={status}>
            {status}
          </option>
        ))}
      </Select>
    </Field>
  );
}
