import type { Metadata } from "next";

import { ProviderFinetuneView } from "@/components/provider-finetune/ProviderFinetuneView";

export const metadata: Metadata = { title: "Provider fine-tune" };

export default function ProviderFinetunePage() {
  return <ProviderFinetuneView />;
}
