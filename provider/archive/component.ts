/**
 * S3Archive: an erasure-coded S3 archive on the grid — 0-db namespaces as shards, a metadata
 * volume and the ThreeFold MinIO "zerostor" container on a private overlay network
 * (protocol.md#minio-environment, protocol.md#failure-domains).
 *
 * Everything that can be wrong with the arguments is checked in the constructor, all at once, so
 * `pulumi preview` fails before any child exists (rules.ts). What needs the grid (where explicit
 * shard nodes are, which nodes a placement request picks) is checked by the redundancy planner as
 * soon as it is known, still at preview (plan.ts); every reservation depends on that check, so
 * nothing is reserved when it fails.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_DEFAULTS } from "../config";
import { pausePromiseStacks } from "../promise-stacks";
import { Network } from "../resources/network";
import { Volume } from "../resources/volume";
import { ZdbNamespace } from "../resources/zdb";
import { DEFAULTS, MINIO_PORT, resolveArgs, type Resolved, type S3ArchiveArgs } from "./args";
import {
  ArchiveLayout,
  dataLossWarning,
  layoutKey,
  previousLayout,
  type LayoutSettings,
} from "./layout";
import { createTlog, overlayMembers, tlogLayoutSuffix } from "./metadata-replication";
import { StablePassword } from "./password";
import { startMinio, startStandby, standbyAt } from "./minio";
import { planGate, shardProperty, type Build, type Plan } from "./plan";
import { formatRedundancyReport, type RedundancyReport, type ShardLocation } from "./planner";
import { argsError } from "./problems";
import { subnetOf, validateS3ArchiveArgs } from "./rules";
import { resolveShards, stackConfigValue, type NodeLookup } from "./shards";

/** Resource options of {@link S3Archive}. */
export interface S3ArchiveOptions extends pulumi.ComponentResourceOptions {
  /**
   * How shard node ids are resolved to farm and location. Default: the explorer
   * (`tfgrid:explorerUrl`).
   */
  nodeLookup?: NodeLookup;
  /**
   * Names a setting in error messages, e.g. `dataShards` → `s3:dataShards` when the arguments
   * come from stack config. Default: the argument's own name.
   */
  settingName?: (property: string) => string;
}

/**
 * An erasure-coded S3 archive: `dataShards + parityShards` (or more) 0-db namespaces in `seq` mode
 * with one generated password, a metadata volume at `/data`, and the MinIO zerostor container on
 * an overlay network. Children: `<name>-password`, `<name>-placement` (with `placement`),
 * `<name>-zdb-<i>`, `<name>-layout`, `<name>-net` (unless joining), `<name>-meta`, `<name>-minio`;
 * with `tlog` also `<name>-tlog` (and `<name>-tlog-placement`), with `standby` also
 * `<name>-standby-meta` and `<name>-standby` (and `<name>-standby-placement`).
 *
 * A change of shard layout (shard nodes, sizes, disk type, data, parity) replaces the metadata
 * volume (it carries the layout as `replacementTrigger`) and the container (through its inputs);
 * the `<name>-layout` record is updated, and a preview of any change that replaces the shards or
 * the metadata volume warns on the archive that the new archive starts EMPTY.
 */
export class S3Archive extends pulumi.ComponentResource {
  /** `http://<minio ip>:9000`. */
  readonly endpoint: pulumi.Output<string>;
  /** `ns:password@[ip]:port` per shard, in shard order (secret). */
  readonly shards: pulumi.Output<string[]>;
  /** The planner's report of the resolved layout. */
  readonly redundancy: pulumi.Output<RedundancyReport>;
  /** The report as a readable table. */
  readonly redundancyReport: pulumi.Output<string>;
  /** Shard nodes with their farm and location, in shard order. */
  readonly shardNodes: pulumi.Output<ShardLocation[]>;
  /** The MinIO node. */
  readonly minioNode: pulumi.Output<string>;
  /** The overlay network's name. */
  readonly networkName: pulumi.Output<string>;
  /** The layout string (see {@link layoutKey}). */
  readonly layout: pulumi.Output<string>;
  /** The user's wg-quick file when `network.accessNodeId` is set (secret), else undefined. */
  readonly wireguardConfig: pulumi.Output<string | undefined>;
  /**
   * `http://<standby ip>:9000` of the read-only standby MinIO when `standby` is set, else
   * undefined.
   */
  readonly standbyEndpoint: pulumi.Output<string | undefined>;

  constructor(name: string, args: S3ArchiveArgs, opts: S3ArchiveOptions = {}) {
    const { nodeLookup, settingName, ...componentOpts } = opts;
    super("tfgrid:index:S3Archive", name, {}, componentOpts);
    const rename = settingName ?? ((p: string) => p);
    const r = checkArgs(name, args, rename);
    // The children are built without the SDK's per-promise stacks (promise-stacks.ts); the
    // argument checks above keep theirs.
    const resumeStacks = pausePromiseStacks();
    try {
      const located = resolveShards(name, args, r, this, nodeLookup);
      const plan = planGate(name, this, { args, r, rename }, located, nodeLookup);
      const b: Build = {
        name,
        args,
        r,
        archive: this,
        plan,
        minioNode: args.minioNode ? plan.apply(() => args.minioNode as string) : shardAt(plan, 0),
        duration: args.durationHours === undefined ? {} : { durationHours: args.durationHours },
      };
      const { password, zdbs } = reserveNamespaces(b);
      const { layout, record } = recordLayout(b, rename);
      const tlog = reserveTlog(b, password);
      const network = createNetwork(b);
      const networkName = network ? network.name : plan.apply(() => args.existingNetwork!.name);
      const volume = reserveMetadataVolume(b, layout, record);
      const shardList = pulumi.secret(pulumi.all(zdbs.map((z) => z.endpoint)));
      const deps = network ? [network, record] : [record];
      const minio = startMinio(b, { shardList, tlog, networkName, volume, deps });
      const standby = startStandby(b, { shardList, tlog, networkName, layout, deps });

      this.endpoint = minio.ipv4.apply((ip) => `http://${ip || r.minioIp}:${MINIO_PORT}`);
      this.standbyEndpoint = standby
        ? standby.container.ipv4.apply((ip) => `http://${ip || standby.ip}:${MINIO_PORT}`)
        : pulumi.output<string | undefined>(undefined);
      this.shards = shardList;
      this.redundancy = plan.apply((p) => p.report);
      this.redundancyReport = plan.apply((p) => formatRedundancyReport(p.report));
      this.shardNodes = plan.apply((p) => p.shards);
      this.minioNode = b.minioNode;
      this.networkName = networkName;
      this.layout = layout;
      this.wireguardConfig = network
        ? pulumi.secret(network.wireguardConfig)
        : pulumi.output<string | undefined>(undefined);
      this.registerOutputs({
        endpoint: this.endpoint,
        shards: this.shards,
        redundancy: this.redundancy,
        redundancyReport: this.redundancyReport,
        shardNodes: this.shardNodes,
        minioNode: this.minioNode,
        networkName: this.networkName,
        layout: this.layout,
        wireguardConfig: this.wireguardConfig,
        standbyEndpoint: this.standbyEndpoint,
      });
    } finally {
      resumeStacks();
    }
  }
}

/** Every rule at once; the settings with their defaults when none fails. */
function checkArgs(
  name: string,
  args: S3ArchiveArgs,
  rename: (property: string) => string,
): Resolved {
  const problems = validateS3ArchiveArgs(args, rename);
  if (problems.length > 0) throw argsError(name, problems, rename);
  return resolveArgs(args);
}

const shardAt = (plan: pulumi.Output<Plan>, i: number) => plan.apply((p) => p.shards[i].nodeId);

/** `<name>-password` and one `<name>-zdb-<i>` per shard, on the planned nodes. */
function reserveNamespaces(b: Build): { password: StablePassword; zdbs: ZdbNamespace[] } {
  const { name, r } = b;
  const parent = { parent: b.archive };
  const password = new StablePassword(
    `${name}-password`,
    { length: DEFAULTS.passwordLength },
    parent,
  );
  const zdbs = Array.from(
    { length: r.shardCount },
    (_, i) =>
      new ZdbNamespace(
        `${name}-zdb-${i}`,
        {
          nodeId: shardAt(b.plan, i),
          sizeGiB: r.zdbSizeGiB,
          mode: "seq",
          password: password.value,
          diskType: r.diskType,
          public: false,
          ...b.duration,
        },
        parent,
      ),
  );
  return { password, zdbs };
}

/**
 * The children's duration, also when it comes from the provider's default: a change of
 * tfgrid:durationHours replaces every child just the same.
 */
function effectiveDuration(args: S3ArchiveArgs): number | undefined {
  const configured = Number(
    stackConfigValue("tfgrid:durationHours") ??
      process.env.TFGRID_DURATION_HOURS ??
      CONFIG_DEFAULTS.durationHours,
  );
  return args.durationHours ?? (Number.isFinite(configured) ? configured : undefined);
}

/**
 * The layout string and `<name>-layout`, the record of what the data lives on; while a preview
 * shows a change of it, the warning that the new archive starts empty.
 */
function recordLayout(
  b: Build,
  rename: (property: string) => string,
): { layout: pulumi.Output<string>; record: ArchiveLayout } {
  const { name, r } = b;
  const layout = b.plan.apply(
    (p) =>
      layoutKey(
        r.dataShards,
        r.parityShards,
        r.zdbSizeGiB,
        r.diskType,
        p.shards.map((s) => s.nodeId),
      ) + tlogLayoutSuffix(p.report.metadata),
  );
  const duration = effectiveDuration(b.args);
  const settings = pulumi.all([b.plan, b.minioNode]).apply(([p, m]): LayoutSettings => ({
    dataShards: r.dataShards,
    parityShards: r.parityShards,
    zdbSizeGiB: r.zdbSizeGiB,
    diskType: r.diskType,
    shardNodes: p.shards.map((s) => s.nodeId),
    minioNode: m,
    metadataVolumeSizeGiB: r.metadataVolumeSizeGiB,
    ...(duration === undefined ? {} : { durationHours: duration }),
    ...(p.report.metadata?.tlog ? { tlogNode: p.report.metadata.tlog.nodeId } : {}),
  }));
  const record = new ArchiveLayout(`${name}-layout`, { settings, layout }, { parent: b.archive });
  // Known only while a preview (also `pulumi up`'s) shows a change of what the data lives on.
  const property = (k: string) => rename(k === "shardNodes" ? shardProperty(b.args) : k);
  pulumi.all([previousLayout(record), settings]).apply(([previous, now]) => {
    if (previous) {
      void pulumi.log.warn(dataLossWarning(name, previous, now, property, r.minioIp), b.archive);
    }
  });
  return { layout, record };
}

/** `<name>-tlog`, the TLOG namespace on the planned node, when `tlog` is set. */
function reserveTlog(b: Build, password: StablePassword): ZdbNamespace | undefined {
  if (!b.args.tlog) return undefined;
  return createTlog(
    b.name,
    b.archive,
    b.plan.apply((p) => p.report.metadata.tlog!.nodeId),
    b.args.tlog.sizeGiB ?? b.r.metadataVolumeSizeGiB,
    password,
    b.duration,
  );
}

/**
 * `<name>-net` with MinIO, the standby and the access node; none when joining `existingNetwork`.
 */
function createNetwork(b: Build): Network | undefined {
  const { name, args, r } = b;
  if (args.existingNetwork) return undefined;
  const net = args.network ?? {};
  const accessNode = net.accessNodeId;
  return new Network(
    `${name}-net`,
    {
      name: net.name ?? DEFAULTS.networkName(name),
      ipRange: r.networkIpRange,
      ...overlayMembers(b.minioNode, r.minioIp, accessNode, standbyAt(b), subnetOf),
      ...(accessNode ? { addAccess: { nodeId: accessNode } } : {}),
      ...b.duration,
    },
    { parent: b.archive },
  );
}

/** `<name>-meta`, MinIO's metadata volume, renewed with the layout. */
function reserveMetadataVolume(
  b: Build,
  layout: pulumi.Output<string>,
  record: ArchiveLayout,
): Volume {
  return new Volume(
    `${b.name}-meta`,
    {
      nodeId: b.minioNode,
      sizeGiB: b.r.metadataVolumeSizeGiB,
      diskType: "SSD",
      ...b.duration,
      // Names the trigger in the preview: `s3-meta replace [diff: ~layout]`.
      layout,
    },
    // MinIO keeps its layout in here: a new layout needs a fresh volume. Created before the old
    // one is deleted (a volume shares nothing with its predecessor).
    { parent: b.archive, replacementTrigger: layout, dependsOn: [record] },
  );
}
