import type { Metadata } from "next";

import { FinetuneView } from "@/components/finetune/FinetuneView";

export const metadata: Metadata = { title: "Fine-tune" };

export default function FinetunePage() {
  return <FinetuneView />;
}
