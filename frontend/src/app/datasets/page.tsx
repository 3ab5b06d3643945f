import type { Metadata } from "next";
import { Suspense } from "react";

import { DatasetsView } from "@/components/datasets/DatasetsView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Datasets" };

export default function DatasetsPage() {
  return (
    // Filters, sort and page live in the URL's query string, which a static export only knows in the browser.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <DatasetsView />
    </Suspense>
  );
}
