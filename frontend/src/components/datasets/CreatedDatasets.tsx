import Link from "next/link";

import type { Dataset } from "@/hooks/queries/datasets";

import { datasetHref } from "./links";

/** What a merge, sample or split made: each new dataset with its size and a link to it. */
export function CreatedDatasets({ title, datasets }: { title: string; datasets: readonly Dataset[] }) {
  return (
    <div role="status" className="rounded-lg border border-ok/30 bg-ok-soft px-4 py-3 text-sm">
      <p className="font-medium text-fg">{title}</p>
      <ul className="mt-2 space-y-1">
        {datasets.map((dataset) => (
          <li key={dataset.id} className="flex flex-wrap items-baseline justify-between gap-x-3">
            <Link href={datasetHref(dataset.id)} className="font-medium text-accent hover:underline">
              {dataset.name}
            </Link>
            <span className="tabular-nums text-muted">{dataset.example_count.toLocaleString()} examples</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
