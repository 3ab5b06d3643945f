import { RelativeTime } from "@/components/ui/RelativeTime";
import { StatusBadge, taskTone } from "@/components/ui/StatusBadge";
import type { TaskRecord } from "@/hooks/queries/tasks";
import { formatDuration } from "@/lib/format";

const TH = "px-4 py-2.5 text-left text-xs font-medium uppercase tracking-wide text-muted";
const TD = "px-4 py-3 align-top";
/** Columns a phone can do without: the row stays readable at 390 px. */
const WIDE = "hidden md:table-cell";

function Duration({ task }: { task: TaskRecord }) {
  if (!task.started_at) return <span className="text-muted">—</span>;
  if (!task.finished_at) return <span className="text-info">running</span>;
  return <span className="tabular-nums">{formatDuration(task.started_at, task.finished_at)}</span>;
}

function TaskRow({ task }: { task: TaskRecord }) {
  return (
    <tr className="hover:bg-surface-muted/60">
      <td className={TD}>
        <div className="font-mono text-sm text-fg">{task.name}</div>
        <div className="font-mono text-xs text-muted" title={task.id}>
          {task.id.slice(0, 8)} · {task.queue}
        </div>
        <div className="text-xs text-muted md:hidden">
          created <RelativeTime value={task.created_at} />
        </div>
        {task.error && (
          <p className="mt-1 line-clamp-2 max-w-md break-words text-xs text-danger" title={task.error}>
            {task.error}
          </p>
        )}
      </td>
      <td className={TD}>
        <StatusBadge tone={taskTone(task.status)} pulse={task.status === "running"}>
          {task.status}
        </StatusBadge>
      </td>
      <td className={`${TD} ${WIDE} max-w-48 truncate font-mono text-xs text-muted`} title={task.worker ?? ""}>
        {task.worker ?? "—"}
      </td>
      <td className={`${TD} ${WIDE} tabular-nums text-muted`}>{task.attempts}</td>
      <td className={`${TD} ${WIDE} whitespace-nowrap text-muted`}>
        <RelativeTime value={task.created_at} />
      </td>
      <td className={`${TD} ${WIDE} whitespace-nowrap text-muted`}>
        <Duration task={task} />
      </td>
    </tr>
  );
}

/** Background tasks, one row each; the caller handles loading, empty and error states. */
export function TasksTable({ tasks }: { tasks: TaskRecord[] }) {
  return (
    <div className="-mx-4 overflow-x-auto sm:-mx-5">
      <table className="w-full border-collapse text-sm">
        <caption className="sr-only">Background tasks, newest first</caption>
        <thead className="border-y border-border bg-surface-muted/50">
          <tr>
            <th scope="col" className={TH}>
              Task
            </th>
            <th scope="col" className={TH}>
              Status
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              Worker
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              Attempts
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              Created
            </th>
            <th scope="col" className={`${TH} ${WIDE}`}>
              Duration
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {tasks.map((task) => (
            <TaskRow key={task.id} task={task} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
