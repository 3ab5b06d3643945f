"use client";

import { SettingsSections } from "@/components/settings/SettingsSections";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { PageHeader } from "@/components/ui/PageHeader";
import { Pagination } from "@/components/ui/Pagination";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useTasks, type TaskFilters, type TaskPage } from "@/hooks/queries/tasks";

import { DiagnosticPanel } from "./DiagnosticPanel";
import { StatusFilter } from "./StatusFilter";
import { TasksTable } from "./TasksTable";
import { useTaskListParams } from "./useTaskListParams";

function TableSkeleton() {
  return (
    <LoadingRegion label="Loading tasks…">
      <div className="space-y-3">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-10 w-full" />
        ))}
      </div>
    </LoadingRegion>
  );
}

type TaskListBodyProps = {
  data: TaskPage;
  filters: TaskFilters;
  setPage: (page: number) => void;
  setStatus: (status: TaskFilters["status"]) => void;
};

function TaskListBody({ data, filters, setPage, setStatus }: TaskListBodyProps) {
  if (data.total === 0) {
    return filters.status ? (
      <EmptyState
        title={`No ${filters.status} tasks`}
        action={<Button onClick={() => setStatus(null)}>Show all statuses</Button>}
      />
    ) : (
      <EmptyState title="No background tasks yet">
        Work sent to the workers is listed here. Run the worker diagnostic above to send the first task.
      </EmptyState>
    );
  }
  if (data.items.length === 0) {
    return (
      <EmptyState
        title={`Page ${filters.page} is empty`}
        action={<Button onClick={() => setPage(1)}>Go to the first page</Button>}
      />
    );
  }
  return (
    <div className="space-y-4">
      <TasksTable tasks={data.items} />
      <Pagination page={filters.page} pageSize={filters.pageSize} total={data.total} onPage={setPage} label="Task pages" />
    </div>
  );
}

export function TasksView() {
  const { filters, setPage, setStatus } = useTaskListParams();
  const tasks = useTasks(filters);

  return (
    <>
      <PageHeader title="Tasks" description="Background work sent to the Celery workers, newest first." />
      <SettingsSections />
      <div className="space-y-4">
        <DiagnosticPanel />
        <Card
          title="Background tasks"
          labelledBy="task-list-title"
          aside={<StatusFilter value={filters.status} onChange={setStatus} />}
        >
          {tasks.isPending ? (
            <TableSkeleton />
          ) : tasks.isError && !tasks.data ? (
            <ErrorState
              title="Could not load the tasks"
              error={tasks.error}
              onRetry={() => void tasks.refetch()}
              retrying={tasks.isFetching}
            />
          ) : (
            <div className={tasks.isPlaceholderData ? "opacity-60 transition-opacity" : ""}>
              <TaskListBody data={tasks.data} filters={filters} setPage={setPage} setStatus={setStatus} />
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
