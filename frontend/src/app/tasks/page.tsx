import type { Metadata } from "next";
import { Suspense } from "react";

import { TasksView } from "@/components/tasks/TasksView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Tasks" };

export default function TasksPage() {
  return (
    // The page and filter live in the URL's query string, which a static export only knows in the browser.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <TasksView />
    </Suspense>
  );
}
