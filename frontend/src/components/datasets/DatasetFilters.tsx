"use client";

import { CONTROL } from "@/components/ui/Field";
import { SearchBox } from "@/components/ui/SearchBox";

import { DATA_TYPES } from "./constants";
import { DomainSelect } from "./DomainSelect";
import type { DatasetListParams } from "./useDatasetListParams";

/** Search, data type and domain above the dataset table. */
export function DatasetFilters({ list }: { list: DatasetListParams }) {
  const { filters } = list;
  return (
    <div className="grid gap-3 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)]">
      <SearchBox
        id="dataset-search"
        label="Search"
        placeholder="Name or description"
        value={filters.search}
        onChange={list.setSearch}
      />
      <div className="flex min-w-0 flex-col gap-1">
        <label htmlFor="dataset-type" className="text-sm font-medium text-fg">
          Data type
        </label>
        <select
          id="dataset-type"
          value={filters.dataType ?? ""}
          onChange={(event) => list.setDataType(event.target.value || null)}
          className={CONTROL}
        >
          <option value="">All data types</option>
          {DATA_TYPES.map((type) => (
            <option key={type.id} value={type.id}>
              {type.label}
            </option>
          ))}
        </select>
      </div>
      <DomainSelect
        id="dataset-domain"
        label="Domain"
        emptyLabel="All domains"
        value={filters.domain ?? ""}
        onChange={list.setDomain}
      />
    </div>
  );
}
