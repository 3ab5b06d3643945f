import type { Metadata } from "next";
import { Suspense } from "react";

import { RunDetailView } from "@/components/finetune/RunDetailView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Fine-tune run" };

export default function RunDetailPage() {
  return (
    // The run's id is a query parameter, which a static export only knows in the browser.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <RunDetailView />
    </Suspense>
  );
}
