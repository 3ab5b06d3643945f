"use client";

import { useState } from "react";

import { PageHeader } from "@/components/ui/PageHeader";
import type { DateRange } from "@/hooks/queries/analytics";

import { CostTable } from "./CostTable";
import { DailyCostChart } from "./DailyCostChart";
import { DateRangeFilter, daysAgo } from "./DateRangeFilter";
import { QualityPanel } from "./QualityPanel";
import { SavingsCard } from "./SavingsCard";

export function AnalyticsView() {
  const [range, setRange] = useState<DateRange>(() => ({ since: daysAgo(30), until: null }));
  // The API refuses a reversed range; the filter marks it, and the reports keep the last valid one.
  const [valid, setValid] = useState<DateRange>(range);
  const change = (next: DateRange) => {
    setRange(next);
    if (next.since === null || next.until === null || next.since <= next.until) setValid(next);
  };
  return (
    <>
      <PageHeader
        title="Analytics"
        description="Where the money went, what distillation saved, and how good the rows were."
        actions={<DateRangeFilter value={range} onChange={change} />}
      />
      <div className="space-y-4">
        <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <DailyCostChart range={valid} />
          <SavingsCard range={valid} />
        </div>
        <QualityPanel range={valid} />
        <div className="grid gap-4 lg:grid-cols-2">
          <CostTable dimension="dataset" range={valid} />
          <CostTable dimension="model" range={valid} />
        </div>
      </div>
    </>
  );
}
