"use client";

import Link from "next/link";

import { RelativeTime } from "@/components/ui/RelativeTime";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useTaskSpecVersions } from "@/hooks/queries/taskSpecs";

import { taskSpecHref } from "./links";

/** A stored spec's versions, newest first; each links to the editor at that version. */
export function History({ id, shown }: { id: string; shown: number }) {
  const versions = useTaskSpecVersions(id);
  if (versions.isPending) return <Skeleton className="h-24 w-full" />;
  if (versions.isError) return <ErrorState title="Could not load the versions" error={versions.error} onRetry={() => void versions.refetch()} />;
  return (
    <ol className="space-y-2 text-sm" aria-label="Versions">
      {versions.data.map((v) => (
        <li key={v.version} className="flex flex-wrap items-baseline justify-between gap-2">
          {v.version === shown ? (
            <span className="font-medium" aria-current="true">
              Version {v.version} (shown)
            </span>
          ) : (
            <Link href={`${taskSpecHref({ id })}&version=${v.version}`} className="text-accent hover:underline">
              Version {v.version}
            </Link>
          )}
          <span className="text-xs text-muted">
            <RelativeTime value={v.created_at} />
          </span>
          {v.policy && <p className="w-full truncate text-xs text-muted">Policy: {v.policy}</p>}
        </li>
      ))}
    </ol>
  );
}
