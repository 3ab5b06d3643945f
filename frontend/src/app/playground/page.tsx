import type { Metadata } from "next";

import { PlaygroundView } from "@/components/playground/PlaygroundView";

export const metadata: Metadata = { title: "Playground" };

export default function PlaygroundPage() {
  return <PlaygroundView />;
}
