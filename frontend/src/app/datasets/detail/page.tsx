import type { Metadata } from "next";
import { Suspense } from "react";

import { DatasetDetailView } from "@/components/datasets/detail/DatasetDetailView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Dataset" };

export default function DatasetDetailPage() {
  return (
    // The dataset is chosen by ?id=: a static export has no dynamic segments, and only the browser knows it.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <DatasetDetailView />
    </Suspense>
  );
}
