"use client";

import { PageHeader } from "@/components/ui/PageHeader";
import { Skeleton } from "@/components/ui/Skeleton";
import { ErrorState } from "@/components/ui/StateViews";
import { useMe } from "@/hooks/queries/auth";

import { BudgetCard } from "./BudgetCard";
import { HubCard } from "./HubCard";
import { PasswordCard } from "./PasswordCard";
import { SettingsSections } from "./SettingsSections";
import { ProvidersCard } from "./ProvidersCard";
import { TokensCard } from "./TokensCard";
import { UsersCard } from "./UsersCard";

export function SettingsView() {
  const me = useMe();
  if (me.isPending) return <Skeleton className="h-96 w-full" />;
  if (me.isError) return <ErrorState title="Could not load your account" error={me.error} onRetry={() => void me.refetch()} />;
  const isAdmin = me.data.role === "admin";
  return (
    <>
      <PageHeader title="Settings" description="Provider keys, the Hugging Face token, spending limits, API tokens, your password and who can sign in." />
      <SettingsSections />
      <div className="space-y-4">
        <div className="grid gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
          <ProvidersCard isAdmin={isAdmin} />
          <BudgetCard isAdmin={isAdmin} />
        </div>
        <HubCard isAdmin={isAdmin} />
        <TokensCard role={me.data.role} />
        <PasswordCard />
        {isAdmin && <UsersCard selfId={me.data.id} />}
      </div>
    </>
  );
}
