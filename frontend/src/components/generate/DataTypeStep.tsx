"use client";

import { Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useDataTypes } from "@/hooks/queries/catalog";

import { ChoiceCards } from "./ChoiceCards";
import type { StepProps } from "./steps";

export function DataTypeStep({ draft, change, errors }: StepProps) {
  const types = useDataTypes();
  if (types.isPending) return <Skeleton className="h-40 w-full" />;
  if (types.isError) return <ErrorState title="Could not load the data types" error={types.error} onRetry={() => void types.refetch()} />;
  if (types.data.length === 0) return <EmptyState title="The engine offers no data types" />;
  return (
    <div className="space-y-2">
      <ChoiceCards
        legend="What kind of training examples?"
        name="data-type"
        value={draft.dataType}
        onChange={(dataType) => change({ dataType })}
        choices={types.data.map((t) => ({ value: t.name, title: t.title, description: t.description }))}
      />
      {errors.dataType && <p className="text-sm text-danger">{errors.dataType}</p>}
    </div>
  );
}
