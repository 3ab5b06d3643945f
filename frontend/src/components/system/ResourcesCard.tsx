import { Card } from "@/components/ui/Card";
import { Meter } from "@/components/ui/Meter";
import type { Resources } from "@/hooks/queries/system";
import { formatBytes, formatPercent } from "@/lib/format";

/** The API host's CPU, memory and disk (the disk that holds DATA_DIR). */
export function ResourcesCard({ resources }: { resources: Resources }) {
  return (
    <Card title="Host resources" labelledBy="resources-title">
      <div className="space-y-4">
        <Meter label="CPU" percent={resources.cpu_percent} valueText={formatPercent(resources.cpu_percent)} />
        <Meter
          label="Memory"
          percent={resources.memory_percent}
          valueText={formatPercent(resources.memory_percent)}
          caption={`${formatBytes(resources.memory_used_bytes)} of ${formatBytes(resources.memory_total_bytes)} used`}
        />
        <Meter
          label="Disk"
          percent={resources.disk_percent}
          valueText={formatPercent(resources.disk_percent)}
          caption={`${formatBytes(resources.disk_free_bytes)} free for data`}
        />
      </div>
    </Card>
  );
}
