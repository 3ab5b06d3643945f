"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { RelativeTime } from "@/components/ui/RelativeTime";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { useHub, type HubSettings } from "@/hooks/queries/hub";

import { ForgetHubTokenDialog } from "./ForgetHubTokenDialog";
import { HubTokenDialog } from "./HubTokenDialog";

function HubStatus({ hub }: { hub: HubSettings }) {
  return (
    <div className="min-w-0 space-y-1">
      <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-fg">
        Write token
        <StatusBadge tone={hub.configured ? "ok" : "neutral"}>{hub.configured ? "stored" : "none stored"}</StatusBadge>
      </p>
      <p className="text-xs text-muted">
        {hub.configured ? (
          <>
            <span data-testid="hub-key">key …{hub.key_last4}</span>
            {hub.updated_at && (
              <>
                {" "}
                · saved <RelativeTime value={hub.updated_at} />
              </>
            )}
          </>
        ) : (
          "Pushing a dataset to the Hub needs one."
        )}
      </p>
      <p className="text-xs text-muted">
        Hub: <span className="break-all font-mono" data-testid="hub-endpoint">{hub.endpoint}</span>
      </p>
    </div>
  );
}

/** The Hugging Face token that dataset pushes use; admins store, replace and forget it (write-only). */
export function HubCard({ isAdmin }: { isAdmin: boolean }) {
  const hub = useHub();
  const [dialog, setDialog] = useState<"store" | "forget" | null>(null);
  return (
    <Card title="Hugging Face Hub" labelledBy="hub-title">
      {hub.isPending ? (
        <Skeleton className="h-16 w-full" />
      ) : hub.isError ? (
        <ErrorState title="Could not load the Hub settings" error={hub.error} onRetry={() => void hub.refetch()} />
      ) : (
        <>
          <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <HubStatus hub={hub.data} />
            {isAdmin && (
              <div className="flex flex-wrap items-center gap-2">
                <Button onClick={() => setDialog("store")}>{hub.data.configured ? "Replace token" : "Store token"}</Button>
                {hub.data.configured && (
                  <Button variant="danger" onClick={() => setDialog("forget")}>
                    Forget token
                  </Button>
                )}
              </div>
            )}
          </div>
          <p className="mt-3 text-xs text-muted">
            Datasets are pushed from a dataset&apos;s Export dialog, as the user the token belongs to.
            {!isAdmin && " Only admins can store or forget the token: every push to the Hub is made with it."}
          </p>
          {dialog === "store" && <HubTokenDialog hub={hub.data} onClose={() => setDialog(null)} />}
          {dialog === "forget" && <ForgetHubTokenDialog hub={hub.data} onClose={() => setDialog(null)} />}
        </>
      )}
    </Card>
  );
}
