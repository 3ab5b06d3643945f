import type { Metadata } from "next";
import { Suspense } from "react";

import { ProviderRunDetailView } from "@/components/provider-finetune/ProviderRunDetailView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Provider fine-tune run" };

export default function ProviderRunDetailPage() {
  return (
    // The run's id is a query parameter, which a static export only knows in the browser.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <ProviderRunDetailView />
    </Suspense>
  );
}
