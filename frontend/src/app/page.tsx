import type { Metadata } from "next";

import { OverviewView } from "@/components/system/OverviewView";

export const metadata: Metadata = { title: "Overview" };

export default function OverviewPage() {
  return <OverviewView />;
}
