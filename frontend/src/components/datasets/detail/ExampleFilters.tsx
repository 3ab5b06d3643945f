"use client";

import { useState } from "react";

import { Field } from "@/components/ui/Field";
import { NumberInput } from "@/components/ui/NumberInput";
import { SearchBox } from "@/components/ui/SearchBox";
import { Select } from "@/components/ui/Select";
import { EXAMPLE_STATUSES } from "@/hooks/queries/examples";
import { QUERY_LIMITS, accepts } from "@/lib/limits";

import type { ExampleParams } from "./useExampleParams";

const QUERY = QUERY_LIMITS.list_examples_api_v1_datasets__dataset_id__examples_get;

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
  const invalid = text.trim() !== "" && !accepts(text, QUERY.score_min);
  return (
    <Field label={label} htmlFor={id}>
      <NumberInput
        limit={QUERY.score_min}
        step={0.5}
        value={text}
        aria-invalid={invalid ? true : undefined}
        onChange={(event) => setText(event.target.value)}
        // Applied when the field is left or Enter is pressed, not on every keystroke.
        onBlur={() => !invalid && onChange(text.trim())}
        onKeyDown={(event) => event.key === "Enter" && !invalid && onChange(text.trim())}
        className="tabular-nums"
      />
    </Field>
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
          maxLength={QUERY.q.maxLength}
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
      <Field label="Stage" htmlFor="example-stage">
        <Select value={filters.stage ?? ""} onChange={(e) => update({ stage: e.target.value })}>
          <option value="">All stages</option>
          {stages.map((stage) => (
            <option key={stage} value={stage}>
              {stage}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Status" htmlFor="example-status">
        <Select value={filters.status ?? ""} onChange={(e) => update({ status: e.target.value })}>
          <option value="">All statuses</option>
          {EXAMPLE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </Select>
      </Field>
      <div className="col-span-2 md:col-span-2">
        <SearchBox
          id="example-cluster"
          label="Near-duplicate cluster"
          placeholder="Cluster id"
          value={filters.cluster ?? ""}
          maxLength={QUERY.cluster.maxLength}
          onChange={(cluster) => update({ cluster })}
        />
      </div>
    </div>
  );
}
