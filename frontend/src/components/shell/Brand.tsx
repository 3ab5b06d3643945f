import Link from "next/link";

import { LogoMark } from "@/components/ui/icons";

export function Brand() {
  return (
    <Link href="/" className="flex items-center gap-2 rounded-md text-fg">
      <span className="grid size-8 place-items-center rounded-lg bg-accent text-accent-fg">
        <LogoMark width={18} height={18} />
      </span>
      <span className="text-base font-semibold tracking-tight">Distillery</span>
    </Link>
  );
}
