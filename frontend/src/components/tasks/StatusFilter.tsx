import { TASK_STATUSES, type TaskStatus } from "@/hooks/queries/tasks";

type StatusFilterProps = { value: TaskStatus | null; onChange: (status: TaskStatus | null) => void };

export function StatusFilter({ value, onChange }: StatusFilterProps) {
  return (
    <div className="flex items-center gap-2">
      <label htmlFor="task-status" className="text-sm text-muted">
        Status
      </label>
      <select
        id="task-status"
        value={value ?? ""}
        onChange={(e) => onChange(TASK_STATUSES.find((s) => s === e.target.value) ?? null)}
        className="rounded-md border border-border bg-surface py-1.5 pl-2.5 pr-8 text-sm text-fg shadow-sm"
      >
        <option value="">All statuses</option>
        {TASK_STATUSES.map((status) => (
          <option key={status} value={status}>
            {status}
          </option>
        ))}
      </select>
    </div>
  );
}
