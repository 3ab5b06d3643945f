import type { Metadata } from "next";
import { Suspense } from "react";

import { LoginForm } from "@/components/auth/LoginForm";
import { LogoMark } from "@/components/ui/icons";
import { Skeleton } from "@/components/ui/Skeleton";

export const metadata: Metadata = { title: "Sign in" };

export default function LoginPage() {
  return (
    <main id="main" className="grid min-h-dvh place-items-center px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center text-center">
          <span className="grid size-11 place-items-center rounded-xl bg-accent text-accent-fg shadow-sm">
            <LogoMark />
          </span>
          <h1 className="mt-4 text-xl font-semibold tracking-tight text-fg">Sign in to Distillery</h1>
          <p className="mt-1 text-sm text-muted">Turn a teacher model into fine-tuning data.</p>
        </div>
        <div className="rounded-xl border border-border bg-surface p-6 shadow-sm">
          {/* The form reads ?next= from the URL, which a static export only knows in the browser. */}
          <Suspense fallback={<Skeleton className="h-64 w-full" />}>
            <LoginForm />
          </Suspense>
        </div>
        <p className="mt-6 text-center text-xs text-muted">
          First start? The first admin&apos;s password is in{" "}
          <code className="whitespace-nowrap font-mono">$DATA_DIR/initial-admin-password</code>.
        </p>
      </div>
    </main>
  );
}
