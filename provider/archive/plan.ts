/**
 * The plan gate of an S3Archive: once the shards and the metadata nodes are located, the
 * redundancy planner checks the whole layout (still at preview). Every reservation depends on
 * the gate, so a bad layout or secret key reserves nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Resolved, S3ArchiveArgs } from "./args";
import { locateMetadata } from "./metadata-replication";
import {
  RedundancyError,
  planRedundancy,
  type MetadataLayout,
  type RedundancyReport,
  type ShardLocation,
} from "./planner";
import { argsError, SECRET_KEY_PROBLEM, secretKeyOk, type S3ArchiveProblem } from "./problems";
import { stackNodeLookup, type LocatedShards, type NodeLookup } from "./shards";

/** What the resolved layout gate carries. */
export interface Plan {
  shards: ShardLocation[];
  report: RedundancyReport;
}

/** What every construction step after the gate works from. */
export interface Build {
  name: string;
  args: S3ArchiveArgs;
  r: Resolved;
  /** The component: every child's parent. */
  archive: pulumi.ComponentResource;
  /** The checked plan: every reservation waits for it. */
  plan: pulumi.Output<Plan>;
  minioNode: pulumi.Output<string>;
  /** `{ durationHours }` of every child when the user set it. */
  duration: { durationHours?: number };
}

/** How {@link checkArchivePlan} runs the planner and names what it finds. */
export interface PlanSettings {
  dataShards: number;
  parityShards: number;
  allowSharedNodes: boolean;
  requireSiteFailureTolerance: boolean;
  /** The setting the user wrote the shards in: `shardNodes` or `placement.count`. */
  shardProperty: string;
  settingName?: (property: string) => string;
  /** Where MinIO, the TLOG and the standby are. Default: MinIO on the first shard's node. */
  metadata?: MetadataLayout;
}

/**
 * The check every reservation waits for: runs the planner on the located shards and throws one
 * `S3ArchiveArgsError` with the earlier problems (unknown nodes, secret key) and the
 * planner's, the planner's `shards` property renamed to the setting the user wrote.
 */
export function checkArchivePlan(
  name: string,
  shards: ShardLocation[],
  earlier: S3ArchiveProblem[],
  s: PlanSettings,
): Plan {
  const all = [...earlier];
  let report: RedundancyReport | undefined;
  try {
    report = planRedundancy({
      shards,
      dataShards: s.dataShards,
      parityShards: s.parityShards,
      allowSharedNodes: s.allowSharedNodes,
      requireSiteFailureTolerance: s.requireSiteFailureTolerance,
      ...(s.metadata ? { metadata: s.metadata } : {}),
    });
  } catch (e) {
    if (!(e instanceof RedundancyError)) throw e;
    all.push(
      ...e.problems.map((p) => ({
        ...p,
        // the planner's `metadata.tlog` is the archive's `tlog` option
        property: p.property.replace(/^shards/, s.shardProperty).replace(/^metadata\./, ""),
      })),
    );
  }
  if (all.length > 0 || !report) throw argsError(name, all, s.settingName);
  return { shards, report };
}

/** The setting the user wrote the shards in. */
export const shardProperty = (args: S3ArchiveArgs): string =>
  args.placement ? "placement.count" : "shardNodes";

/**
 * The construction step that gates every reservation: locates the metadata nodes (placing the
 * TLOG and the standby when asked), checks the secret key once it is known, runs the planner and
 * prints its warnings on the archive.
 */
export function planGate(
  name: string,
  archive: pulumi.Resource,
  a: { args: S3ArchiveArgs; r: Resolved; rename: (property: string) => string },
  located: pulumi.Output<LocatedShards>,
  nodeLookup: NodeLookup | undefined,
): pulumi.Output<Plan> {
  const { args, r } = a;
  const secretKeyProblems = pulumi.unsecret(
    pulumi.output(args.secretKey).apply((k) => (secretKeyOk(k) ? [] : [SECRET_KEY_PROBLEM])),
  );
  const settings: PlanSettings = {
    dataShards: r.dataShards,
    parityShards: r.parityShards,
    allowSharedNodes: r.allowSharedNodes,
    requireSiteFailureTolerance: r.requireSiteFailureTolerance,
    shardProperty: shardProperty(args),
    settingName: a.rename,
  };
  const metadata = locateMetadata(
    name,
    archive,
    args,
    located.apply((l) => l.shards),
    { tlogGiB: args.tlog?.sizeGiB ?? r.metadataVolumeSizeGiB, standbyGiB: r.metadataVolumeSizeGiB },
    nodeLookup ?? stackNodeLookup(),
  );
  return pulumi.all([located, secretKeyProblems, metadata]).apply(([loc, keyProblems, meta]) => {
    const earlier = [...loc.problems, ...meta.problems, ...keyProblems];
    const p = checkArchivePlan(name, loc.shards, earlier, { ...settings, metadata: meta.layout });
    for (const w of p.report.warnings) void pulumi.log.warn(w, archive);
    return p;
  });
}
