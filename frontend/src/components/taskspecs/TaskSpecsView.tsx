"use client";

import Link from "next/link";

import { buttonVariants } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { PageHeader } from "@/components/ui/PageHeader";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { LoadingRegion, Skeleton } from "@/components/ui/Skeleton";
import { EmptyState, ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";
import { useTaskSpecs, type TaskSpecSummary } from "@/hooks/queries/taskSpecs";

import { taskSpecHref } from "./links";

const NEW_SPEC = buttonVariants({ variant: "primary" });

function SpecTable({ specs, label }: { specs: TaskSpecSummary[]; label: string }) {
  return (
    <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="w-full min-w-[20rem] text-left text-sm" aria-label={label}>
        <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium sm:px-2">Spec</th>
            <th scope="col" className="px-2 py-2 font-medium">Version</th>
            <th scope="col" className="px-2 py-2 font-medium">Saved</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {specs.map((spec) => (
            <tr key={spec.id ?? spec.name}>
              <td className="px-4 py-2.5 sm:px-2">
                <Link
                  href={taskSpecHref(spec.id ? { id: spec.id } : { builtin: spec.name })}
                  className="font-medium text-accent hover:underline"
                >
                  {spec.title}
                </Link>
                <div className="font-mono text-xs text-muted">{spec.name}</div>
              </td>
              <td className="px-2 py-2.5 tabular-nums">{spec.version}</td>
              <td className="px-2 py-2.5 text-muted">
                {spec.created_at ? <RelativeTime value={spec.created_at} /> : "built in"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TaskSpecsView() {
  const specs = useTaskSpecs();
  const me = useMe();
  const canWrite = me.data?.role === "admin" || me.data?.role === "editor";

  const body = () => {
    if (specs.isPending) {
      return (
        <LoadingRegion label="Loading task specs…">
          <div className="space-y-3">
            {Array.from({ length: 4 }, (_, i) => (
              <Skeleton key={i} className="h-12 w-full" />
            ))}
          </div>
        </LoadingRegion>
      );
    }
    if (specs.isError) {
      return <ErrorState title="Could not load the task specs" error={specs.error} onRetry={() => void specs.refetch()} />;
    }
    const stored = specs.data.filter((spec) => !spec.builtin);
    const builtin = specs.data.filter((spec) => spec.builtin);
    return (
      <div className="space-y-6">
        <Card title="Your specs" labelledBy="stored-specs-title">
          {stored.length === 0 ? (
            <EmptyState
              title="No task specs yet"
              action={canWrite ? <Link href={taskSpecHref("new")} className={NEW_SPEC}>New task spec</Link> : undefined}
            >
              A spec holds your task&apos;s instruction, output schema, policy, rubric and validators.
            </EmptyState>
          ) : (
            <SpecTable specs={stored} label="Your task specs" />
          )}
        </Card>
        <Card title="Built-in specs" labelledBy="builtin-specs-title">
          <SpecTable specs={builtin} label="Built-in task specs" />
        </Card>
      </div>
    );
  };

  return (
    <>
      <PageHeader
        title="Task specs"
        description="What a job writes: the instruction, the answer's JSON Schema, the policy, the judge's rubric, validators and prompts."
        actions={
          canWrite ? (
            <Link href={taskSpecHref("new")} className={NEW_SPEC}>
              New task spec
            </Link>
          ) : undefined
        }
      />
      {body()}
    </>
  );
}
