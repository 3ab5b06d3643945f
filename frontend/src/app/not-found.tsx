import Link from "next/link";

import { EmptyState } from "@/components/ui/StateViews";

export default function NotFound() {
  return (
    <EmptyState
      title="There is no page here"
      action={
        <Link href="/" className="text-sm font-medium text-accent hover:underline">
          Back to the overview
        </Link>
      }
    >
      The address may be mistyped, or the page belongs to a newer version of Distillery.
    </EmptyState>
  );
}
