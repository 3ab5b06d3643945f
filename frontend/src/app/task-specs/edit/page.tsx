import type { Metadata } from "next";
import { Suspense } from "react";

import { TaskSpecEditorView } from "@/components/taskspecs/TaskSpecEditorView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Task spec" };

export default function TaskSpecEditPage() {
  return (
    // The spec's id is a query parameter, which a static export only knows in the browser.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <TaskSpecEditorView />
    </Suspense>
  );
}
