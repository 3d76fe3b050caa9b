/** The planner's report as a readable table (planner.ts computes it). */
import { DOMAIN_LEVELS, plural, type DomainLoss, type NodePlace } from "./domains";
import type { RedundancyReport } from "./planner";

/** What losing a domain does, in words: shards first, then the index, then writes. */
function lossEffect(report: RedundancyReport, l: DomainLoss): string {
  const { dataShards: d, parityShards: p } = report;
  const shardsGone = Math.min(l.shards, d + p) > p;
  if (shardsGone || l.index === "lost") {
    return [
      ...(shardsGone ? [`DATA UNREADABLE (${l.shards} > parity ${p})`] : []),
      ...(l.index === "lost" ? ["INDEX LOST"] : []),
    ].join(", ");
  }
  const reads =
    l.index === "tlog"
      ? "reads after redeploying MinIO from the TLOG"
      : l.index === "standby"
        ? "reads OK on the standby"
        : "reads";
  if (l.writable) return "reads and writes OK";
  return l.index === "minio" ? "reads OK, writes blocked" : `${reads}, writes blocked`;
}

/**
 * A readable multi-line summary: the figures, then per failure-domain level the shards and
 * metadata per domain and what losing each one would do, how to recover, then the warnings. Used
 * by the demo, `tfgrid plan` and `pulumi stack output`.
 */
export function formatRedundancyReport(report: RedundancyReport): string {
  const r = report;
  const m = r.metadata;
  const lines: string[] = [
    `Erasure coding ${r.dataShards}+${r.parityShards} on ${plural(r.shardCount, "shard")} (${plural(r.spareShards, "spare")})`,
    `Capacity: raw ${r.rawGiB} GiB, usable ${r.usableGiB} GiB; parity ${r.paritySharePercent} % of raw, expansion ${r.expansionFactor}x`,
    `Shard losses tolerated: ${r.readLossTolerance} for reads, ${r.writeLossTolerance} for writes`,
    `Site (city) loss survivable: ${r.siteLossSurvivable ? "yes" : "NO"}`,
    `Metadata: MinIO on ${describePlace(m.minio)}; ${m.tlog ? `TLOG on ${describePlace(m.tlog)}` : "no TLOG"}; ${m.standby ? `standby on ${describePlace(m.standby)}` : "no standby"}`,
  ];
  const rows: string[][] = [["level", "domain", "shards", "metadata", "if lost"]];
  const recoveries = new Map<string, string[]>();
  for (const level of DOMAIN_LEVELS) {
    for (const [domain, loss] of Object.entries(r.domains[level].losses)) {
      rows.push([
        level,
        domain,
        String(loss.shards),
        loss.metadata.join("+") || "-",
        lossEffect(r, loss),
      ]);
      if (loss.recovery && (loss.metadata.length > 0 || loss.index === "lost")) {
        const where = recoveries.get(loss.recovery) ?? [];
        where.push(`${level} ${domain}`);
        recoveries.set(loss.recovery, where);
      }
    }
  }
  const width = (col: number) => Math.max(...rows.map((row) => row[col].length));
  const [w0, w1, w2, w3] = [width(0), width(1), width(2), width(3)];
  lines.push("");
  for (const [level, domain, count, meta, effect] of rows) {
    lines.push(
      `  ${level.padEnd(w0)}  ${domain.padEnd(w1)}  ${count.padStart(w2)}  ${meta.padEnd(w3)}  ${effect}`,
    );
  }
  if (recoveries.size > 0) {
    lines.push("", "Losing a domain with metadata:");
    for (const [recovery, where] of recoveries) {
      lines.push(`  - ${where.join(", ")}: ${recovery}`);
    }
  }
  if (r.warnings.length > 0) {
    lines.push("", "Warnings:", ...r.warnings.map((w) => `  - ${w}`));
  }
  return lines.join("\n");
}

function describePlace(n: NodePlace): string {
  const where = [n.city, n.country].filter(Boolean).join(", ");
  return where ? `${n.nodeId} (${where})` : n.nodeId;
}
