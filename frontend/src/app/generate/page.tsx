import type { Metadata } from "next";

import { GenerateWizard } from "@/components/generate/GenerateWizard";

export const metadata: Metadata = { title: "Generate" };

export default function GeneratePage() {
  return <GenerateWizard />;
}
