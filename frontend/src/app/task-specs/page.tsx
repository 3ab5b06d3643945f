import type { Metadata } from "next";

import { TaskSpecsView } from "@/components/taskspecs/TaskSpecsView";

export const metadata: Metadata = { title: "Task specs" };

export default function TaskSpecsPage() {
  return <TaskSpecsView />;
}
