import type { DatasetSort, SortOrder } from "@/hooks/queries/datasets";

type SortHeaderProps = {
  column: DatasetSort;
  label: string;
  sort: DatasetSort;
  order: SortOrder;
  onSort: (sort: DatasetSort, order: SortOrder) => void;
  className?: string;
};

/** A column header that sorts by its column; a second click reverses the order. */
export function SortHeader({ column, label, sort, order, onSort, className = "" }: SortHeaderProps) {
  const active = sort === column;
  const next: SortOrder = active && order === "desc" ? "asc" : active ? "desc" : column === "name" ? "asc" : "desc";
  return (
    <th scope="col" aria-sort={active ? (order === "asc" ? "ascending" : "descending") : "none"} className={className}>
      <button
        type="button"
        onClick={() => onSort(column, next)}
        className={`inline-flex items-center gap-1 rounded uppercase tracking-wide hover:text-fg ${active ? "text-fg" : ""}`}
      >
        {label}
        <span aria-hidden="true" className="text-[10px]">
          {active ? (order === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}
