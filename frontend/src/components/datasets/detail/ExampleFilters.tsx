"use client";

import { useState } from "react";

import { CONTROL } from "@/components/ui/Field";
import { SearchBox } from "@/components/ui/SearchBox";
import { EXAMPLE_STATUSES } from "@/hooks/queries/examples";

import type { ExampleParams } from "./useExampleParams";

function ScoreInput({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: number | null;
  onChange: (v: string) => void;
}) {
  const [text, setText] = useState(value === null ? "" : String(value));
  const invalid = text.trim() !== "" && !(Number(text) >= 0 && Number(text) <= 10);
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-fg">
        {label}
      </label>
      <input
        id={id}
        type="number"
        min={0}
        max={10}
        step={0.5}
        value={text}
        aria-invalid={invalid ? true : undefined}
        onChange={(event) => setText(event.target.value)}
        // Applied when the field is left or Enter is pressed, not on every keystroke.
        onBlur={() => !invalid && onChange(text.trim())}
        onKeyDown={(event) => event.key === "Enter" && !invalid && onChange(text.trim())}
        className={`${CONTROL} tabular-nums`}
      />
    </div>
  );
}

/** Search, score range, stage, status and cluster filters of the examples table. */
export function ExampleFilters({ params, stages }: { params: ExampleParams; stages: string[] }) {
  const { filters, update } = params;
  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-6">
      <div className="col-span-2">
        <SearchBox
          id="example-search"
          label="Search"
          placeholder="Text in the messages"
          value={filters.q}
          onChange={(q) => update({ q })}
        />
      </div>
      <ScoreInput
        key={`min-${filters.scoreMin}`}
        id="example-min"
        label="Score from"
        value={filters.scoreMin}
        onChange={(min) => update({ min })}
      />
      <ScoreInput
        key={`max-${filters.scoreMax}`}
        id="example-max"
        label="Score to"
        value={filters.scoreMax}
        onChange={(max) => update({ max })}
      />
      <div className="flex min-w-0 flex-col gap-1">
        <label htmlFor="example-stage" className="text-sm font-medium text-fg">
          Stage
        </label>
        <select
          id="example-stage"
          value={filters.stage ?? ""}
          onChange={(e) => update({ stage: e.target.value })}
          className={CONTROL}
        >
          <option value="">All stages</option>
          {stages.map((stage) => (
            <option key={stage} value={stage}>
              {stage}
            </option>
          ))}
        </select>
      </div>
      <div className="flex min-w-0 flex-col gap-1">
        <label htmlFor="example-status" className="text-sm font-medium text-fg">
          Status
        </label>
        <select
          id="example-status"
          value={filters.status ?? ""}
          onChange={(e) => update({ status: e.target.value })}
          className={CONTROL}
        >
          <option value="">All statuses</option>
          {EXAMPLE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <div className="col-span-2 md:col-span-2">
        <SearchBox
          id="example-cluster"
          label="Near-duplicate cluster"
          placeholder="Cluster id"
          value={filters.cluster ?? ""}
          onChange={(cluster) => update({ cluster })}
        />
      </div>
    </div>
  );
}
