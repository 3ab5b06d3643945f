import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, unwrapWithResponse, type Schemas } from "@/lib/api/client";
import type { operations } from "@/lib/api/schema";

export type Dataset = Schemas["DatasetRead"];
export type DatasetDetail = Schemas["DatasetDetail"];
export type DatasetPage = Schemas["Page_DatasetRead_"];
export type UploadResult = Schemas["UploadResult"];
export type RowError = Schemas["RowError"];
export type Version = Schemas["VersionRead"];
export type VersionCompare = Schemas["VersionCompare"];
export type RowChange = Schemas["RowChange"];
export type ChangeKind = RowChange["kind"];

type ListQuery = NonNullable<operations["list_datasets_api_v1_datasets_get"]["parameters"]["query"]>;
type ExportQuery = NonNullable<
  operations["export_dataset_api_v1_datasets__dataset_id__export_get"]["parameters"]["query"]
>;
export type DatasetSort = NonNullable<ListQuery["sort"]>;
export type SortOrder = NonNullable<ListQuery["order"]>;
export type ExportFormat = NonNullable<ExportQuery["format"]>;

export type DatasetFilters = {
  page: number;
  pageSize: number;
  dataType: string | null;
  domain: string | null;
  search: string;
  sort: DatasetSort;
  order: SortOrder;
};

/** Every key of the datasets domain: lists, details and, under a detail, its examples and versions. */
export const datasetKeys = {
  all: ["datasets"] as const,
  lists: () => [...datasetKeys.all, "list"] as const,
  list: (filters: DatasetFilters) => [...datasetKeys.lists(), filters] as const,
  details: () => [...datasetKeys.all, "detail"] as const,
  detail: (id: string) => [...datasetKeys.details(), id] as const,
  examples: (id: string) => [...datasetKeys.detail(id), "examples"] as const,
  exampleList: (id: string, filters: object) => [...datasetKeys.examples(id), "list", filters] as const,
  example: (id: string, exampleId: string) => [...datasetKeys.examples(id), "one", exampleId] as const,
  versions: (id: string) => [...datasetKeys.detail(id), "versions"] as const,
  versionList: (id: string, page: number) => [...datasetKeys.versions(id), "list", page] as const,
  compare: (id: string, from: number, to: number) => [...datasetKeys.versions(id), "compare", from, to] as const,
  compareRows: (id: string, from: number, to: number, kind: ChangeKind, page: number) =>
    [...datasetKeys.compare(id, from, to), kind, page] as const,
  threshold: (id: string) => [...datasetKeys.detail(id), "threshold"] as const,
};

/** One page of datasets; the previous page stays on screen while the next loads. */
export function useDatasets(filters: DatasetFilters) {
  return useQuery({
    queryKey: datasetKeys.list(filters),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets", {
          params: {
            query: {
              page: filters.page,
              page_size: filters.pageSize,
              data_type: filters.dataType ?? undefined,
              domain: filters.domain ?? undefined,
              search: filters.search || undefined,
              sort: filters.sort,
              order: filters.order,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useDataset(id: string) {
  return useQuery({
    queryKey: datasetKeys.detail(id),
    queryFn: () => unwrap(api.GET("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: id } } })),
    enabled: id !== "",
  });
}

/** What the generation jobs that wrote the dataset saved against the teacher alone. */
export function useDatasetSavings(id: string) {
  return useQuery({
    queryKey: [...datasetKeys.detail(id), "savings"] as const,
    queryFn: () => unwrap(api.GET("/api/v1/datasets/{dataset_id}/savings", { params: { path: { dataset_id: id } } })),
    enabled: id !== "",
  });
}

export function useVersions(id: string, page: number, pageSize: number) {
  return useQuery({
    queryKey: datasetKeys.versionList(id, page),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/versions", {
          params: { path: { dataset_id: id }, query: { page, page_size: pageSize } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** What changed between two versions; asked for only once both are chosen. */
export function useVersionCompare(id: string, from: number | null, to: number | null) {
  return useQuery({
    queryKey: datasetKeys.compare(id, from ?? 0, to ?? 0),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/versions/compare", {
          params: { path: { dataset_id: id }, query: { from: from ?? 1, to: to ?? 1 } },
        }),
      ),
    enabled: from !== null && to !== null,
  });
}

/** One page of the rows of one change kind between two versions, with their messages before and after. */
export function useVersionRows(id: string, from: number, to: number, kind: ChangeKind, page: number, pageSize: number) {
  return useQuery({
    queryKey: datasetKeys.compareRows(id, from, to, kind, page),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/datasets/{dataset_id}/versions/compare/rows", {
          params: { path: { dataset_id: id }, query: { from, to, kind, page, page_size: pageSize } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export type UploadInput = {
  file: File;
  name: string;
  dataType: string;
  description: string;
  domain: string;
  skipBadLines: boolean;
};

function uploadForm(input: UploadInput): FormData {
  const form = new FormData();
  form.set("file", input.file, input.file.name);
  form.set("name", input.name);
  form.set("data_type", input.dataType);
  form.set("description", input.description);
  if (input.domain) form.set("domain", input.domain);
  return form;
}

/** Any change to datasets: every list and the changed dataset's detail are stale. */
function useInvalidateDatasets() {
  const queryClient = useQueryClient();
  return (id?: string) => {
    void queryClient.invalidateQueries({ queryKey: datasetKeys.lists() });
    if (id) void queryClient.invalidateQueries({ queryKey: datasetKeys.detail(id) });
  };
}

/** Streams a file to the API; a 422 carries the bad rows with their line numbers (see `rowErrors`). */
export function useUploadDataset() {
  const invalidate = useInvalidateDatasets();
  return useMutation({
    mutationFn: (input: UploadInput) =>
      unwrap(
        api.POST("/api/v1/datasets/upload", {
          params: { query: { on_error: input.skipBadLines ? "skip" : "fail" } },
          // The generated body types the file as a string (binary); the serializer sends the real File.
          body: { file: input.file.name, name: input.name, data_type: input.dataType, description: input.description },
          bodySerializer: () => uploadForm(input),
        }),
      ),
    onSuccess: () => invalidate(),
  });
}

export function useMergeDatasets() {
  const invalidate = useInvalidateDatasets();
  return useMutation({
    mutationFn: (body: Schemas["MergeRequest"]) => unwrap(api.POST("/api/v1/datasets/merge", { body })),
    onSuccess: () => invalidate(),
  });
}

export function useSampleDataset(id: string) {
  const invalidate = useInvalidateDatasets();
  return useMutation({
    mutationFn: (body: Schemas["SampleRequest"]) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/sample", { params: { path: { dataset_id: id } }, body })),
    onSuccess: () => invalidate(),
  });
}

/** A new dataset reshaped into another record view; the answer lists what the view could not keep. */
export function useConvertDataset(id: string) {
  const invalidate = useInvalidateDatasets();
  return useMutation({
    mutationFn: (body: Schemas["ConvertRequest"]) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/convert", { params: { path: { dataset_id: id } }, body })),
    onSuccess: () => invalidate(),
  });
}

export function useSplitDataset(id: string) {
  const invalidate = useInvalidateDatasets();
  return useMutation({
    mutationFn: (body: Schemas["SplitRequest"]) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/split", { params: { path: { dataset_id: id } }, body })),
    onSuccess: () => invalidate(),
  });
}

export function useDeleteDataset() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: id } } })),
    onSuccess: (_, id) => {
      queryClient.removeQueries({ queryKey: datasetKeys.detail(id) });
      void queryClient.invalidateQueries({ queryKey: datasetKeys.lists() });
    },
  });
}

export type ExportRequest = Omit<ExportQuery, "format"> & { format: ExportFormat };

/** Fetches an export as a file; the name is the one the server gives in Content-Disposition. */
export function useExportDataset(id: string) {
  return useMutation({
    mutationFn: async (query: ExportRequest) => {
      const { data, response } = await unwrapWithResponse(
        api.GET("/api/v1/datasets/{dataset_id}/export", {
          params: { path: { dataset_id: id }, query },
          parseAs: "blob",
        }),
      );
      return { blob: data, disposition: response.headers.get("content-disposition") ?? "" };
    },
  });
}
