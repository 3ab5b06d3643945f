import { Card } from "@/components/ui/Card";
import type { SystemStatus } from "@/hooks/queries/system";

const MODES = { embedded: "Embedded (single machine)", server: "Server (distributed)" } as const;

/** Which build runs, in which mode, on which database and broker. */
export function PlatformCard({ status }: { status: SystemStatus }) {
  const rows: [string, string][] = [
    ["Mode", MODES[status.mode]],
    ["Version", status.version],
    ["Database", status.database_backend],
    ["Broker", status.broker_backend],
  ];
  return (
    <Card title="Platform" labelledBy="platform-title">
      <dl className="divide-y divide-border text-sm">
        {rows.map(([term, value]) => (
          <div key={term} className="flex justify-between gap-4 py-2 first:pt-0 last:pb-0">
            <dt className="text-muted">{term}</dt>
            <dd className="min-w-0 truncate text-right font-medium text-fg" title={value}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
