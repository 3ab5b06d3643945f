import {
  AnalyticsIcon,
  DatasetsIcon,
  DocsIcon,
  FinetuneIcon,
  GenerateIcon,
  JobsIcon,
  OverviewIcon,
  PlayIcon,
  SettingsIcon,
  TasksIcon,
  type IconComponent,
} from "@/components/ui/icons";
import { API_BASE_URL } from "@/lib/api/client";

export type NavItem = {
  label: string;
  href: string;
  icon: IconComponent;
  /** Served by the API rather than the dashboard: opens in a new tab. */
  external?: boolean;
  /** Other pages that belong to this entry (Settings holds the Tasks page, which lives at /tasks/). */
  also?: readonly string[];
};

/**
 * The dashboard's navigation, in order. A new page adds its entry here and nowhere else;
 * external entries are listed after the pages, under "Resources".
 */
export const NAV_ITEMS: readonly NavItem[] = [
  { label: "Overview", href: "/", icon: OverviewIcon },
  { label: "Generate", href: "/generate/", icon: GenerateIcon },
  { label: "Task specs", href: "/task-specs/", icon: TasksIcon },
  { label: "Jobs", href: "/jobs/", icon: JobsIcon },
  { label: "Datasets", href: "/datasets/", icon: DatasetsIcon },
  { label: "Fine-tune", href: "/finetune/", icon: FinetuneIcon },
  { label: "Playground", href: "/playground/", icon: PlayIcon },
  { label: "Analytics", href: "/analytics/", icon: AnalyticsIcon },
  { label: "Settings", href: "/settings/", icon: SettingsIcon, also: ["/tasks/"] },
  { label: "API docs", href: `${API_BASE_URL}/docs`, icon: DocsIcon, external: true },
];

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** Whether `item` is the page at `pathname` (or one of its sub-pages). */
export function isActive(item: NavItem, pathname: string): boolean {
  if (item.external) return false;
  const here = trimSlash(pathname);
  return [item.href, ...(item.also ?? [])].some((href) => {
    const target = trimSlash(href);
    return target === "/" ? here === "/" : here === target || here.startsWith(`${target}/`);
  });
}
