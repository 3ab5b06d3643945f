import type { Metadata } from "next";
import { Suspense } from "react";

import { JobDetailView } from "@/components/jobs/JobDetailView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Job" };

export default function JobDetailPage() {
  return (
    // The job's id is a query parameter, which a static export only knows in the browser.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <JobDetailView />
    </Suspense>
  );
}
