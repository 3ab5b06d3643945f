import type { Metadata } from "next";
import { Suspense } from "react";

import { ReviewView } from "@/components/reviews/ReviewView";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Review" };

export default function ReviewPage() {
  return (
    // The dataset is chosen by ?id=: a static export has no dynamic segments, and only the browser knows it.
    <Suspense fallback={<Skeleton className="h-96 w-full" />}>
      <ReviewView />
    </Suspense>
  );
}
