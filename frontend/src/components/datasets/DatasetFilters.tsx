"use client";

import { Field } from "@/components/ui/Field";
import { SearchBox } from "@/components/ui/SearchBox";
import { Select } from "@/components/ui/Select";
import { QUERY_LIMITS } from "@/lib/limits";

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
        maxLength={QUERY_LIMITS.list_datasets_api_v1_datasets_get.search.maxLength}
        onChange={list.setSearch}
      />
      <Field label="Data type" htmlFor="dataset-type">
        <Select value={filters.dataType ?? ""} onChange={(event) => list.setDataType(event.target.value || null)}>
          <option value="">All data types</option>
          {DATA_TYPES.map((type) => (
            <option key={type.id} value={type.id}>
              {type.label}
            </option>
          ))}
        </Select>
      </Field>
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
