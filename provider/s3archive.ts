/**
 * S3Archive: an erasure-coded S3 archive on the grid — 0-db namespaces as shards, a metadata
 * volume and the ThreeFold MinIO "zerostor" container on a private overlay network (GUIDE §2,
 * reference/workloads.md §1, §4).
 *
 * Everything that can be wrong with the arguments is checked in the constructor, all at once, so
 * `pulumi preview` fails before any child exists. What needs the grid (where explicit shard nodes
 * are, which nodes a placement request picks) is checked by the redundancy planner as soon as it
 * is known, still at preview; every reservation depends on that check, so nothing is reserved when
 * it fails.
 */
import * as pulumi from "@pulumi/pulumi";
import { ExplorerClient } from "./client/explorer";
import { ExplorerNotFoundError } from "./client/errors";
import { CONFIG_DEFAULTS } from "./config";
import { TfgridError } from "./errors";
import {
  contains,
  formatIpv4,
  isPrivateRange,
  networkOf,
  parseCidr,
  parseIpv4,
} from "./network/subnets";
import {
  ArchiveLayout,
  previousLayout,
  type LayoutSettings,
  type PreviousLayout,
} from "./placement-layout";
import {
  ShardPlacement,
  StablePassword,
  explorerUrlFrom,
  type PlacedNode,
  type PlacementRequest,
} from "./placement";
import {
  RedundancyError,
  describeProblem,
  formatRedundancyReport,
  planRedundancy,
  type MetadataLayout,
  type RedundancyProblem,
  type RedundancyReport,
  type ShardLocation,
} from "./planner";
import {
  createStandby,
  createTlog,
  locateMetadata,
  minioImage,
  overlayMembers,
  replicationProblems,
  tlogLayoutSuffix,
  DEFAULT_STANDBY_IP,
  type S3ArchiveStandbyArgs,
  type S3ArchiveTlogArgs,
} from "./metadata-replication";
import { Container } from "./resources/container";
import { Network } from "./resources/network";
import { Volume } from "./resources/volume";
import { ZdbNamespace } from "./resources/zdb";

/** A full stack config key such as `"tfgrid:explorerUrl"`, read in the program. */
function stackConfigValue(key: string): string | undefined {
  const [namespace, name] = key.split(":");
  return new pulumi.Config(namespace).get(name);
}

/** The MinIO build ThreeFold's S3 notebook used (workloads.md §1.1). */
export const MINIO_FLIST = "https://hub.grid.tf/azmy.3bot/minio.flist";
/** Its entrypoint, which turns the env into a zerostor config and execs MinIO. */
export const MINIO_ENTRYPOINT = "/bin/entrypoint";
/** S3 API and web browser port. */
export const MINIO_PORT = 9000;
/** Where the metadata volume is mounted, and MINIO_ZEROSTOR_META_DIR. */
export const METADATA_MOUNTPOINT = "/data";

/** Every default of {@link S3ArchiveArgs}, in one place. */
export const DEFAULTS = {
  /** D: data parts per block (MinIO `DATA`). */
  dataShards: 4,
  /** P: parity parts per block (MinIO `PARITY`); reads survive P lost shards. */
  parityShards: 2,
  /** Size of each 0-db namespace. */
  zdbSizeGiB: 10,
  /** Disk of the 0-db namespaces (the metadata volume is always SSD: the explorer refuses HDD volumes). */
  diskType: "SSD" as "SSD" | "HDD",
  /** Two shards on one node are refused unless allowed. */
  allowSharedNodes: false,
  /** A layout that loses data with one city is a warning, not an error, unless required. */
  requireSiteFailureTolerance: false,
  /** MinIO's address in the overlay network (the reference scenario's). */
  minioIp: "172.20.15.16",
  /** vCPUs of the MinIO container: ThreeFold's guidance is 2 vCPU / 4 GiB. */
  minioCpu: 2,
  /** Memory of the MinIO container in MiB. */
  minioMemoryMiB: 4096,
  /** Root filesystem of the MinIO container in MiB. */
  minioDiskSizeMiB: 256,
  /** Give the MinIO container a public IPv6. */
  publicIp6: false,
  /** The metadata volume mounted at /data. */
  metadataVolumeSizeGiB: 10,
  /** Private /16 of a network the archive creates. */
  networkIpRange: "172.20.0.0/16",
  /** Name of a network the archive creates: `<archive name>-net`. */
  networkName: (archiveName: string): string => `${archiveName}-net`,
  /** A placement request's minimum free SSD per node: the shard size. */
  minFreeSsdGiB: (zdbSizeGiB: number): number => zdbSizeGiB,
  /** Length of the generated 0-db password (hex characters). */
  passwordLength: 32,
} as const;

/** A shard node given by the user; with farm, city and country the explorer is not asked. */
export interface ShardNodeInfo {
  nodeId: string;
  farmId?: number;
  city?: string;
  country?: string;
}

/** Ask the archive to choose the shard nodes (see {@link ShardPlacement}: sticky across runs). */
export interface ShardPlacementArgs {
  /** Number of shards, one node each. */
  count: number;
  /** Only these farms (ids). */
  farms?: number[];
  /** Only these cities. */
  cities?: string[];
  /** Only these countries. */
  countries?: string[];
  /** Minimum free SSD per node in GiB. Default: `zdbSizeGiB`. */
  minFreeSsdGiB?: number;
  /** Never these nodes. */
  excludeNodes?: string[];
}

/** A network the archive creates. */
export interface S3ArchiveNetworkArgs {
  /** Network name. Default `<archive name>-net`. */
  name?: string;
  /** Private /16. Default `172.20.0.0/16`. */
  ipRange?: string;
  /** Give the user WireGuard access through this node (it needs a public endpoint); adds the `wireguardConfig` output. */
  accessNodeId?: string;
}

/** An existing network to join; the MinIO node must already be a member. */
export interface S3ArchiveExistingNetworkArgs {
  name: string;
  /** The MinIO node's /24 in that network, e.g. `172.20.15.0/24`. */
  nodeSubnet: string;
}

/**
 * Arguments of {@link S3Archive}. Shard layout settings are plain values, not Inputs: they decide
 * how many children exist and are validated before any is created.
 */
export interface S3ArchiveArgs {
  /** Shard nodes in shard order: ids (looked up on the explorer) or full locations. Exclusive with `placement`. */
  shardNodes?: (string | ShardNodeInfo)[];
  /** Let the archive choose the shard nodes. Exclusive with `shardNodes`. */
  placement?: ShardPlacementArgs;
  /** Default {@link DEFAULTS.dataShards}. */
  dataShards?: number;
  /** Default {@link DEFAULTS.parityShards}. */
  parityShards?: number;
  /** Default {@link DEFAULTS.zdbSizeGiB}. */
  zdbSizeGiB?: number;
  /** Default {@link DEFAULTS.diskType}. */
  diskType?: "SSD" | "HDD";
  /** Allow two shards on one node. Default false. */
  allowSharedNodes?: boolean;
  /** Refuse a layout where losing one city loses data. Default false (a warning). */
  requireSiteFailureTolerance?: boolean;
  /** Node of the MinIO container and its metadata volume. Default: the first shard's node. */
  minioNode?: string;
  /** MinIO's IPv4 in the network (`.2`–`.254` of its node's /24). Default {@link DEFAULTS.minioIp}. */
  minioIp?: string;
  /** Default {@link DEFAULTS.minioCpu}. */
  minioCpu?: number;
  /** Default {@link DEFAULTS.minioMemoryMiB}. */
  minioMemoryMiB?: number;
  /** Default {@link DEFAULTS.minioDiskSizeMiB}. */
  minioDiskSizeMiB?: number;
  /** Default {@link DEFAULTS.metadataVolumeSizeGiB}. */
  metadataVolumeSizeGiB?: number;
  /** Default false. */
  publicIp6?: boolean;
  /** Create a network (the default, with defaults). Exclusive with `existingNetwork`. */
  network?: S3ArchiveNetworkArgs;
  /** Join an existing network instead of creating one. */
  existingNetwork?: S3ArchiveExistingNetworkArgs;
  /** S3 access key (MinIO: at least 3 characters). Not secret. */
  accessKey: string;
  /** S3 secret key (MinIO: at least 8 characters). Secret. */
  secretKey: pulumi.Input<string>;
  /** Reservation length of every child. Default: config `tfgrid:durationHours` (24). */
  durationHours?: number;
  /**
   * Log every metadata write to a TLOG 0-db namespace on another site, so a lost MinIO can be
   * redeployed and rebuild its index (`{}`: the archive chooses the node). Adding, moving or
   * removing it starts a new, EMPTY archive. See metadata-replication.ts.
   */
  tlog?: S3ArchiveTlogArgs;
  /** A read-only standby MinIO on another site replaying the TLOG (needs `tlog`). */
  standby?: S3ArchiveStandbyArgs;
}

/** One problem with the arguments: the setting, its value, why, and the fix. */
export type S3ArchiveProblem = RedundancyProblem;

/** Every problem with an archive's arguments (or its resolved layout) at once. */
export class S3ArchiveArgsError extends TfgridError {
  /** Marks it as a Pulumi RunError: the CLI prints the message without a stack trace. */
  readonly __pulumiRunError = true;

  constructor(
    readonly archive: string,
    readonly problems: S3ArchiveProblem[],
  ) {
    super(
      "s3archive.invalid_args",
      `S3Archive "${archive}": ${problems.length} problem${problems.length === 1 ? "" : "s"} in its settings:\n` +
        problems.map((p) => `  - ${describeProblem(p)}`).join("\n"),
    );
    // Thrown inside the layout gate, this one error rejects every input that waits for the gate,
    // and the SDK prefixes `error serializing property "<input>": ` to the same object's message at
    // each of them (24 times for the reference archive). The message stays as written: the
    // problems, once.
    const text = this.message;
    Object.defineProperty(this, "message", {
      get: () => text,
      set: () => undefined,
      enumerable: false,
      configurable: true,
    });
  }
}

/** Resolves shard nodes given as ids to their farm and location. Injectable for tests. */
export type NodeLookup = (nodeId: string) => Promise<Omit<ShardNodeInfo, "nodeId"> | undefined>;

/** Looks nodes up on the explorer of `tfgrid:explorerUrl` (then TFGRID_EXPLORER_URL, then the local grid). */
export function explorerNodeLookup(baseUrl: string): NodeLookup {
  const client = new ExplorerClient({ baseUrl });
  return async (nodeId) => {
    try {
      const n = await client.getNode(nodeId);
      return { farmId: n.farm_id, city: n.location.city, country: n.location.country };
    } catch (e) {
      if (e instanceof ExplorerNotFoundError) return undefined;
      throw e;
    }
  };
}

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

const isComplete = (n: ShardNodeInfo): boolean =>
  n.farmId !== undefined && n.city !== undefined && n.country !== undefined;

/** Arguments with defaults applied. */
interface Resolved {
  dataShards: number;
  parityShards: number;
  zdbSizeGiB: number;
  diskType: "SSD" | "HDD";
  minioIp: string;
  minioCpu: number;
  minioMemoryMiB: number;
  minioDiskSizeMiB: number;
  metadataVolumeSizeGiB: number;
  shardCount: number;
}

/** A validation rule: when `bad` holds, the problem is reported. */
interface Rule {
  property: string;
  value: (a: S3ArchiveArgs, r: Resolved) => unknown;
  bad: (a: S3ArchiveArgs, r: Resolved) => boolean;
  reason: (a: S3ArchiveArgs, r: Resolved) => string;
  fix: (a: S3ArchiveArgs, r: Resolved) => string;
}

function ipProblem(ip: string, subnet: string | undefined, where: string): string | undefined {
  const n = parseIpv4(ip);
  if (n === undefined) return "is not an IPv4 address";
  const c = subnet === undefined ? undefined : parseCidr(subnet);
  if (subnet !== undefined && c === undefined) return undefined; // reported on the subnet itself
  if (c && !contains(c, n)) return `is outside ${where} ${subnet}`;
  const host = n & 255;
  if (host === 0 || host === 1 || host === 255) {
    return `is .${host} of its /24, which zos reserves (.0 network, .1 node gateway, .255 broadcast)`;
  }
  return undefined;
}

/** The /24 holding an address, e.g. 172.20.15.16 → 172.20.15.0/24. */
export function subnetOf(ip: string): string {
  const n = parseIpv4(ip) ?? 0;
  return `${formatIpv4(networkOf({ base: n, prefix: 24 }))}/24`;
}

/** The argument rules, checked together in the constructor. */
const RULES: Rule[] = [
  {
    property: "shardNodes",
    value: (a) => (a.shardNodes ? "(set)" : "(unset)"),
    bad: (a) => (a.shardNodes === undefined) === (a.placement === undefined),
    reason: (a) =>
      a.shardNodes === undefined
        ? "neither shardNodes nor placement is set"
        : "both shardNodes and placement are set",
    fix: () => "give either shardNodes (node ids) or placement ({ count, farms, … }), not both",
  },
  {
    property: "shardNodes",
    value: (a) => a.shardNodes,
    bad: (a) =>
      a.shardNodes !== undefined &&
      (!Array.isArray(a.shardNodes) ||
        a.shardNodes.some((n) =>
          typeof n === "string" ? n.length === 0 : typeof n?.nodeId !== "string" || !n.nodeId,
        )),
    reason: () => "every entry must be a node id or { nodeId, farmId?, city?, country? }",
    fix: () => "list node ids as shown by GET /nodes, one per shard",
  },
  {
    property: "placement.count",
    value: (a) => a.placement?.count,
    bad: (a) => a.placement !== undefined && !isInt(a.placement.count, 1, 256),
    reason: () => "the number of shards must be a whole number from 1 to 256",
    fix: (_a, r) =>
      `set placement.count to at least dataShards + parityShards (${r.dataShards + r.parityShards})`,
  },
  {
    property: "placement.minFreeSsdGiB",
    value: (a) => a.placement?.minFreeSsdGiB,
    bad: (a) => a.placement?.minFreeSsdGiB !== undefined && !(a.placement.minFreeSsdGiB >= 0),
    reason: () => "free SSD must be a number of GiB ≥ 0",
    fix: (_a, r) => `leave it unset (default: zdbSizeGiB = ${r.zdbSizeGiB}) or give a GiB figure`,
  },
  {
    property: "placement.farms",
    value: (a) => a.placement?.farms,
    bad: (a) => a.placement?.farms !== undefined && !a.placement.farms.every((f) => isInt(f, 1)),
    reason: () => "farm ids are positive whole numbers",
    fix: () => "list farm ids as shown by GET /farms, e.g. [12775, 82872]",
  },
  {
    property: "dataShards",
    value: (_a, r) => r.dataShards,
    bad: (_a, r) => !isInt(r.dataShards, 1, 255),
    reason: () => "MinIO needs a whole number of data parts per block, at least 1",
    fix: () => `set dataShards to at least 1 (default ${DEFAULTS.dataShards})`,
  },
  {
    property: "parityShards",
    value: (_a, r) => r.parityShards,
    bad: (_a, r) => !isInt(r.parityShards, 0, 255),
    reason: () => "parity must be a whole number, at least 0",
    fix: () => `set parityShards to 0 or more (default ${DEFAULTS.parityShards})`,
  },
  {
    property: "parityShards",
    value: (_a, r) => r.parityShards,
    bad: (a, r) => a.requireSiteFailureTolerance === true && r.parityShards === 0,
    reason: () =>
      "requireSiteFailureTolerance is set, but with no parity losing any city (any shard) loses data",
    fix: (_a, r) =>
      `set parityShards to at least 1 and keep at most parityShards shards per city (e.g. ${Math.max(1, r.dataShards - 2)}+2 over 3 cities), or unset requireSiteFailureTolerance`,
  },
  {
    property: "shardCount",
    value: (_a, r) => r.shardCount,
    bad: (_a, r) =>
      isInt(r.dataShards, 1) &&
      isInt(r.parityShards, 0) &&
      r.shardCount > 0 &&
      r.shardCount < r.dataShards + r.parityShards,
    reason: (_a, r) =>
      `dataShards + parityShards = ${r.dataShards + r.parityShards} is more than the ${r.shardCount} shards listed; MinIO refuses to start`,
    fix: (a, r) =>
      `${a.placement ? "raise placement.count" : "list more shardNodes"} to ${r.dataShards + r.parityShards}, or lower dataShards/parityShards so they add up to at most ${r.shardCount}`,
  },
  {
    property: "zdbSizeGiB",
    value: (_a, r) => r.zdbSizeGiB,
    bad: (_a, r) => !isInt(r.zdbSizeGiB, 1, 100_000),
    reason: () => "a 0-db namespace size is a whole number of GiB",
    fix: () => `set zdbSizeGiB between 1 and 100000 (default ${DEFAULTS.zdbSizeGiB})`,
  },
  {
    property: "diskType",
    value: (_a, r) => r.diskType,
    bad: (_a, r) => r.diskType !== "SSD" && r.diskType !== "HDD",
    reason: () => "0-db namespaces live on SSD or HDD",
    fix: () => 'use "SSD" (default) or "HDD"',
  },
  {
    property: "metadataVolumeSizeGiB",
    value: (_a, r) => r.metadataVolumeSizeGiB,
    bad: (_a, r) => !isInt(r.metadataVolumeSizeGiB, 1, 100_000),
    reason: () => "the metadata volume size is a whole number of GiB",
    fix: () =>
      `set metadataVolumeSizeGiB to at least 1 (default ${DEFAULTS.metadataVolumeSizeGiB})`,
  },
  {
    property: "minioCpu",
    value: (_a, r) => r.minioCpu,
    bad: (_a, r) => !isInt(r.minioCpu, 1, 32),
    reason: () => "a container has 1 to 32 vCPUs",
    fix: () => `set minioCpu between 1 and 32 (ThreeFold recommends ${DEFAULTS.minioCpu})`,
  },
  {
    property: "minioMemoryMiB",
    value: (_a, r) => r.minioMemoryMiB,
    bad: (_a, r) => !isInt(r.minioMemoryMiB, 512, 262_144),
    reason: () => "MinIO needs at least 512 MiB, and a container has at most 262144 MiB",
    fix: () =>
      `set minioMemoryMiB between 512 and 262144 (ThreeFold recommends ${DEFAULTS.minioMemoryMiB})`,
  },
  {
    property: "minioDiskSizeMiB",
    value: (_a, r) => r.minioDiskSizeMiB,
    bad: (_a, r) => !isInt(r.minioDiskSizeMiB, 1),
    reason: () => "the root filesystem size is a whole number of MiB",
    fix: () => `set minioDiskSizeMiB to at least 1 (default ${DEFAULTS.minioDiskSizeMiB})`,
  },
  {
    property: "accessKey",
    value: (a) => a.accessKey,
    bad: (a) =>
      typeof a.accessKey !== "string" || a.accessKey.length < 3 || /[\s,]/.test(a.accessKey),
    reason: () => "MinIO needs an access key of at least 3 characters, without spaces or commas",
    fix: () => 'set accessKey, e.g. "archive-admin"',
  },
  {
    property: "secretKey",
    value: () => "(secret)",
    bad: (a) => typeof a.secretKey === "string" && a.secretKey.length < 8,
    reason: () => "MinIO needs a secret key of at least 8 characters",
    fix: () =>
      "set a longer secretKey (in a stack: pulumi config set --secret <project>:secretKey <value>)",
  },
  {
    property: "network",
    value: () => "(set)",
    bad: (a) => a.network !== undefined && a.existingNetwork !== undefined,
    reason: () => "both network (create) and existingNetwork (join) are set",
    fix: () => "keep one: network to create a new one, existingNetwork to join one by name",
  },
  {
    property: "network.ipRange",
    value: (a) => a.network?.ipRange,
    bad: (a) => {
      if (a.network?.ipRange === undefined) return false;
      const c = parseCidr(a.network.ipRange);
      return !c || c.prefix !== 16 || networkOf(c) !== c.base || !isPrivateRange(c);
    },
    reason: () => "a network range is a private (RFC 1918) /16 without host bits",
    fix: () => `use e.g. "${DEFAULTS.networkIpRange}"`,
  },
  {
    property: "existingNetwork.nodeSubnet",
    value: (a) => a.existingNetwork?.nodeSubnet,
    bad: (a) => {
      if (a.existingNetwork === undefined) return false;
      const c = parseCidr(a.existingNetwork.nodeSubnet ?? "");
      return !c || c.prefix !== 24 || networkOf(c) !== c.base;
    },
    reason: () => "the MinIO node's subnet in the existing network is a /24",
    fix: (a) =>
      `give the /24 the network assigned to the MinIO node${a.existingNetwork?.name ? ` in "${a.existingNetwork.name}"` : ""}, e.g. "172.20.15.0/24"`,
  },
  {
    property: "minioIp",
    value: (_a, r) => r.minioIp,
    bad: (a, r) => minioIpProblem(a, r) !== undefined,
    reason: (a, r) => `the address ${minioIpProblem(a, r)}`,
    fix: (a) => {
      const subnet = a.existingNetwork?.nodeSubnet;
      if (subnet && parseCidr(subnet)) {
        return `pick an address from .2 to .254 of ${subnet}, the MinIO node's subnet in "${a.existingNetwork?.name}"`;
      }
      const range = a.network?.ipRange ?? DEFAULTS.networkIpRange;
      return `pick an address from .2 to .254 of one /24 inside ${range} (e.g. ${DEFAULTS.minioIp}); that /24 becomes the MinIO node's subnet`;
    },
  },
  {
    property: "durationHours",
    value: (a) => a.durationHours,
    bad: (a) => a.durationHours !== undefined && !isInt(a.durationHours, 1),
    reason: () => "reservations last a whole number of hours, at least 1",
    fix: () => "set durationHours to e.g. 24, or leave it unset to use tfgrid:durationHours",
  },
];

function minioIpProblem(a: S3ArchiveArgs, r: Resolved): string | undefined {
  if (a.existingNetwork) {
    return ipProblem(
      r.minioIp,
      a.existingNetwork.nodeSubnet,
      `the MinIO node's subnet in "${a.existingNetwork.name}",`,
    );
  }
  const range = a.network?.ipRange ?? DEFAULTS.networkIpRange;
  return ipProblem(r.minioIp, range, "the network range");
}

/** Every rule that fails, as problems (empty when the arguments are valid). */
export function validateS3ArchiveArgs(args: S3ArchiveArgs): S3ArchiveProblem[] {
  const r = resolveArgs(args);
  return RULES.filter((rule) => rule.bad(args, r))
    .map((rule) => ({
      property: rule.property,
      value: rule.value(args, r),
      reason: rule.reason(args, r),
      fix: rule.fix(args, r),
    }))
    .concat(replicationProblems(args, r.minioIp, args.network?.ipRange ?? DEFAULTS.networkIpRange));
}

function resolveArgs(a: S3ArchiveArgs): Resolved {
  return {
    dataShards: a.dataShards ?? DEFAULTS.dataShards,
    parityShards: a.parityShards ?? DEFAULTS.parityShards,
    zdbSizeGiB: a.zdbSizeGiB ?? DEFAULTS.zdbSizeGiB,
    diskType: a.diskType ?? DEFAULTS.diskType,
    minioIp: a.minioIp ?? DEFAULTS.minioIp,
    minioCpu: a.minioCpu ?? DEFAULTS.minioCpu,
    minioMemoryMiB: a.minioMemoryMiB ?? DEFAULTS.minioMemoryMiB,
    minioDiskSizeMiB: a.minioDiskSizeMiB ?? DEFAULTS.minioDiskSizeMiB,
    metadataVolumeSizeGiB: a.metadataVolumeSizeGiB ?? DEFAULTS.metadataVolumeSizeGiB,
    shardCount: a.shardNodes?.length ?? a.placement?.count ?? 0,
  };
}

/** The layout string: what MinIO fixes at first start. A change means a new, empty archive. */
export function layoutKey(
  dataShards: number,
  parityShards: number,
  zdbSizeGiB: number,
  diskType: string,
  nodeIds: string[],
): string {
  return `${dataShards}+${parityShards} seq ${diskType} ${zdbSizeGiB}GiB: ${nodeIds.join(",")}`;
}

/** Resource options of {@link S3Archive}. */
export interface S3ArchiveOptions extends pulumi.ComponentResourceOptions {
  /** How shard node ids are resolved to farm and location. Default: the explorer (`tfgrid:explorerUrl`). */
  nodeLookup?: NodeLookup;
  /**
   * Names a setting in error messages, e.g. `dataShards` → `s3:dataShards` when the arguments
   * come from stack config. Default: the argument's own name.
   */
  settingName?: (property: string) => string;
}

/** What the resolved layout gate carries. */
export interface Plan {
  shards: ShardLocation[];
  report: RedundancyReport;
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
  /** `http://<standby ip>:9000` of the read-only standby MinIO when `standby` is set, else undefined. */
  readonly standbyEndpoint: pulumi.Output<string | undefined>;

  constructor(name: string, args: S3ArchiveArgs, opts: S3ArchiveOptions = {}) {
    const { nodeLookup, settingName, ...componentOpts } = opts;
    super("tfgrid:index:S3Archive", name, {}, componentOpts);
    const rename = settingName ?? ((p: string) => p);
    const problems = validateS3ArchiveArgs(args);
    if (problems.length > 0) {
      throw new S3ArchiveArgsError(
        name,
        problems.map((p) => ({ ...p, property: rename(p.property) })),
      );
    }
    const r = resolveArgs(args);
    const parent = { parent: this };
    const duration = args.durationHours === undefined ? {} : { durationHours: args.durationHours };

    // Where the shards are: explicit (looked up if incomplete) or chosen by a sticky placement.
    let located: pulumi.Output<{ shards: ShardLocation[]; problems: S3ArchiveProblem[] }>;
    if (args.placement) {
      const request: PlacementRequest = {
        count: args.placement.count,
        farms: args.placement.farms,
        cities: args.placement.cities,
        countries: args.placement.countries,
        minFreeSsdGiB: args.placement.minFreeSsdGiB ?? DEFAULTS.minFreeSsdGiB(r.zdbSizeGiB),
        excludeNodes: args.placement.excludeNodes,
      };
      const placement = new ShardPlacement(`${name}-placement`, { request }, parent);
      located = placement.nodes.apply((nodes: PlacedNode[]) => ({
        shards: nodes.map((n) => ({ ...n, sizeGiB: r.zdbSizeGiB })),
        problems: [],
      }));
    } else {
      const entries = (args.shardNodes ?? []).map((n) =>
        typeof n === "string" ? { nodeId: n } : n,
      );
      const lookup =
        nodeLookup ??
        (entries.every(isComplete)
          ? undefined
          : explorerNodeLookup(explorerUrlFrom({ get: stackConfigValue }, process.env)));
      located = pulumi.output(locateShards(entries, r.zdbSizeGiB, lookup));
    }

    // The gate: every reservation depends on it, so a bad layout or key reserves nothing.
    const secretKeyProblem = pulumi.unsecret(
      pulumi.output(args.secretKey).apply((k) =>
        typeof k !== "string" || k.length < 8
          ? [
              {
                property: "secretKey",
                value: "(secret)",
                reason: "MinIO needs a secret key of at least 8 characters",
                fix: "set a longer secretKey (in a stack: pulumi config set --secret <project>:secretKey <value>)",
              },
            ]
          : [],
      ),
    );
    const shardProperty = args.placement ? "placement.count" : "shardNodes";
    const settings = {
      dataShards: r.dataShards,
      parityShards: r.parityShards,
      allowSharedNodes: args.allowSharedNodes ?? DEFAULTS.allowSharedNodes,
      requireSiteFailureTolerance:
        args.requireSiteFailureTolerance ?? DEFAULTS.requireSiteFailureTolerance,
      shardProperty,
      settingName: rename,
    };
    const metadata = locateMetadata(
      name,
      this,
      args,
      located.apply((l) => l.shards),
      {
        tlogGiB: args.tlog?.sizeGiB ?? r.metadataVolumeSizeGiB,
        standbyGiB: r.metadataVolumeSizeGiB,
      },
      nodeLookup ?? explorerNodeLookup(explorerUrlFrom({ get: stackConfigValue }, process.env)),
    );
    const plan: pulumi.Output<Plan> = pulumi
      .all([located, secretKeyProblem, metadata])
      .apply(([loc, keyProblems, meta]) => {
        const earlier = [...loc.problems, ...meta.problems, ...keyProblems];
        const p = checkArchivePlan(name, loc.shards, earlier, {
          ...settings,
          metadata: meta.layout,
        });
        for (const w of p.report.warnings) void pulumi.log.warn(w, this);
        return p;
      });

    const shardAt = (i: number) => plan.apply((p) => p.shards[i].nodeId);
    const minioNode = args.minioNode ? plan.apply(() => args.minioNode as string) : shardAt(0);

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
            nodeId: shardAt(i),
            sizeGiB: r.zdbSizeGiB,
            mode: "seq",
            password: password.value,
            diskType: r.diskType,
            public: false,
            ...duration,
          },
          parent,
        ),
    );

    const layout = plan.apply(
      (p) =>
        layoutKey(
          r.dataShards,
          r.parityShards,
          r.zdbSizeGiB,
          r.diskType,
          p.shards.map((s) => s.nodeId),
        ) + tlogLayoutSuffix(p.report.metadata),
    );
    // The children's duration, also when it comes from the provider's default: a change of
    // tfgrid:durationHours replaces every child just the same.
    const configured = Number(
      stackConfigValue("tfgrid:durationHours") ??
        process.env.TFGRID_DURATION_HOURS ??
        CONFIG_DEFAULTS.durationHours,
    );
    const effectiveDuration =
      args.durationHours ?? (Number.isFinite(configured) ? configured : undefined);
    const dataSettings = pulumi.all([plan, minioNode]).apply(([p, m]): LayoutSettings => ({
      dataShards: r.dataShards,
      parityShards: r.parityShards,
      zdbSizeGiB: r.zdbSizeGiB,
      diskType: r.diskType,
      shardNodes: p.shards.map((s) => s.nodeId),
      minioNode: m,
      metadataVolumeSizeGiB: r.metadataVolumeSizeGiB,
      ...(effectiveDuration === undefined ? {} : { durationHours: effectiveDuration }),
      ...(p.report.metadata?.tlog ? { tlogNode: p.report.metadata.tlog.nodeId } : {}),
    }));
    const layoutRecord = new ArchiveLayout(
      `${name}-layout`,
      { settings: dataSettings, layout },
      parent,
    );
    // Known only while a preview (also `pulumi up`'s) shows a change of what the data lives on.
    const property = (k: string) => rename(k === "shardNodes" ? shardProperty : k);
    pulumi.all([previousLayout(layoutRecord), dataSettings]).apply(([previous, now]) => {
      if (previous) {
        void pulumi.log.warn(dataLossWarning(name, previous, now, property, r.minioIp), this);
      }
    });

    // The metadata side: where the TLOG and the standby are (from the checked plan).
    const standbyAt = args.standby
      ? plan.apply((p) => ({
          nodeId: p.report.metadata.standby!.nodeId,
          ip: args.standby?.ip ?? DEFAULT_STANDBY_IP,
        }))
      : undefined;
    const tlog = args.tlog
      ? createTlog(
          name,
          this,
          plan.apply((p) => p.report.metadata.tlog!.nodeId),
          args.tlog.sizeGiB ?? r.metadataVolumeSizeGiB,
          password,
          duration,
        )
      : undefined;
    const image = minioImage(args, { flist: MINIO_FLIST, entrypoint: MINIO_ENTRYPOINT });

    let network: Network | undefined;
    let networkName: pulumi.Output<string>;
    if (args.existingNetwork) {
      const joined = args.existingNetwork.name;
      networkName = plan.apply(() => joined);
    } else {
      const net = args.network ?? {};
      const accessNode = net.accessNodeId;
      network = new Network(
        `${name}-net`,
        {
          name: net.name ?? DEFAULTS.networkName(name),
          ipRange: net.ipRange ?? DEFAULTS.networkIpRange,
          ...overlayMembers(minioNode, r.minioIp, accessNode, standbyAt, subnetOf),
          ...(accessNode ? { addAccess: { nodeId: accessNode } } : {}),
          ...duration,
        },
        parent,
      );
      networkName = network.name;
    }

    const volume = new Volume(
      `${name}-meta`,
      {
        nodeId: minioNode,
        sizeGiB: r.metadataVolumeSizeGiB,
        diskType: "SSD",
        ...duration,
        // Names the trigger in the preview: `s3-meta replace [diff: ~layout]`.
        layout,
      },
      // MinIO keeps its layout in here: a new layout needs a fresh volume. Created before the old
      // one is deleted (a volume shares nothing with its predecessor).
      { parent: this, replacementTrigger: layout, dependsOn: [layoutRecord] },
    );

    const shardList = pulumi.secret(pulumi.all(zdbs.map((z) => z.endpoint)));
    const minioEnv = {
      DATA: String(r.dataShards),
      PARITY: String(r.parityShards),
      ACCESS_KEY: args.accessKey,
      MINIO_ZEROSTOR_META_DIR: METADATA_MOUNTPOINT,
    };
    const container = new Container(
      `${name}-minio`,
      {
        nodeId: minioNode,
        flist: image.flist,
        entrypoint: image.entrypoint,
        interactive: false,
        env: minioEnv,
        secretEnv: {
          SHARDS: shardList.apply((s) => s.join(",")),
          SECRET_KEY: args.secretKey,
          ...(tlog ? { TLOG: tlog.endpoint } : {}),
        },
        cpu: r.minioCpu,
        memoryMiB: r.minioMemoryMiB,
        diskSizeMiB: r.minioDiskSizeMiB,
        network: { name: networkName, ip: r.minioIp },
        volumes: [{ volumeId: volume.volumeId, mountpoint: METADATA_MOUNTPOINT }],
        publicIp6: args.publicIp6 ?? DEFAULTS.publicIp6,
        ...duration,
      },
      // No replacementTrigger: the engine would replace without asking the provider's diff, whose
      // delete-before-replace answer (same node, network and IP) frees the address first. Every
      // layout change reaches the container's inputs anyway: DATA/PARITY in env, new namespaces in
      // SHARDS, the new metadata volume's id in volumes.
      { parent: this, dependsOn: network ? [network, layoutRecord] : [layoutRecord] },
    );

    const standby =
      tlog && standbyAt
        ? createStandby(name, this, {
            nodeId: standbyAt.apply((s) => s.nodeId),
            ip: args.standby?.ip ?? DEFAULT_STANDBY_IP,
            ...image,
            env: minioEnv,
            shards: shardList.apply((s) => s.join(",")),
            secretKey: args.secretKey,
            tlogEndpoint: tlog.endpoint,
            cpu: r.minioCpu,
            memoryMiB: r.minioMemoryMiB,
            diskSizeMiB: r.minioDiskSizeMiB,
            volumeSizeGiB: r.metadataVolumeSizeGiB,
            mountpoint: METADATA_MOUNTPOINT,
            networkName,
            publicIp6: args.publicIp6 ?? DEFAULTS.publicIp6,
            layout,
            dependsOn: network ? [network, layoutRecord] : [layoutRecord],
            duration,
          })
        : undefined;

    this.endpoint = container.ipv4.apply((ip) => `http://${ip || r.minioIp}:${MINIO_PORT}`);
    this.standbyEndpoint = standby
      ? standby.container.ipv4.apply((ip) => `http://${ip || standby.ip}:${MINIO_PORT}`)
      : pulumi.output<string | undefined>(undefined);
    this.shards = shardList;
    this.redundancy = plan.apply((p) => p.report);
    this.redundancyReport = plan.apply((p) => formatRedundancyReport(p.report));
    this.shardNodes = plan.apply((p) => p.shards);
    this.minioNode = minioNode;
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
  }
}

/** How a recorded setting reads in the warning. */
function describeSetting(v: unknown): string {
  return v === undefined ? "(default)" : String(v);
}

/**
 * The warning a preview prints on an archive when a change replaces its shards or its metadata
 * volume: which settings change, that the new archive starts empty, and what to do first.
 */
export function dataLossWarning(
  name: string,
  previous: PreviousLayout,
  now: LayoutSettings,
  property: (setting: string) => string,
  minioIp: string,
): string {
  const changes: string[] = [];
  for (const [k, v] of Object.entries(now) as [string, unknown][]) {
    const old = (previous as Record<string, unknown>)[k];
    if (!(k in previous) || JSON.stringify(old) === JSON.stringify(v)) continue;
    if (Array.isArray(old) && Array.isArray(v)) {
      // Shard nodes, node by node: the count may stay while a node is swapped.
      const moved = old.filter((n, i) => i < v.length && v[i] !== n).length;
      const count = old.length === v.length ? "" : ` ${old.length} → ${v.length} shards,`;
      changes.push(`${property(k)}:${count} ${moved} of ${old.length} shards on other nodes`);
    } else {
      changes.push(`${property(k)} ${describeSetting(old)} → ${describeSetting(v)}`);
    }
  }
  const what = changes.length > 0 ? changes.join(", ") : "the shard layout";
  return (
    `S3Archive "${name}": this change (${what}) replaces the archive's 0-db shards or its metadata volume, ` +
    "and MinIO writes its shard layout once: the new archive starts EMPTY, and the objects of the old " +
    "archive will NOT be in it (the old reservations are deleted). Copy the data out first (for example " +
    `\`mc mirror\` from http://${minioIp}:${MINIO_PORT} to other storage), then run \`pulumi up\`, then copy ` +
    "it back into the new archive."
  );
}

/**
 * The check every reservation waits for: runs the planner on the located shards and throws one
 * {@link S3ArchiveArgsError} with the earlier problems (unknown nodes, secret key) and the
 * planner's, the planner's `shards` property renamed to the setting the user wrote.
 */
export function checkArchivePlan(
  name: string,
  shards: ShardLocation[],
  earlier: S3ArchiveProblem[],
  s: {
    dataShards: number;
    parityShards: number;
    allowSharedNodes: boolean;
    requireSiteFailureTolerance: boolean;
    shardProperty: string;
    settingName?: (property: string) => string;
    /** Where MinIO, the TLOG and the standby are. Default: MinIO on the first shard's node. */
    metadata?: MetadataLayout;
  },
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
  if (all.length > 0 || !report) {
    const rename = s.settingName ?? ((p: string) => p);
    throw new S3ArchiveArgsError(
      name,
      all.map((p) => ({ ...p, property: rename(p.property) })),
    );
  }
  return { shards, report };
}

/** Completes explicit shard entries with farm and location; unknown nodes become problems. */
export async function locateShards(
  entries: ShardNodeInfo[],
  sizeGiB: number,
  lookup: NodeLookup | undefined,
): Promise<{ shards: ShardLocation[]; problems: S3ArchiveProblem[] }> {
  const found = await Promise.all(
    entries.map((e) => (isComplete(e) || !lookup ? Promise.resolve(e) : lookup(e.nodeId))),
  );
  const problems: S3ArchiveProblem[] = [];
  const shards = entries.map((e, i): ShardLocation => {
    const f = found[i];
    if (!f) {
      problems.push({
        property: `shardNodes[${i}]`,
        value: e.nodeId,
        reason: "no such node on the explorer",
        fix: "use a node id listed by GET /nodes (check tfgrid:explorerUrl points at the right grid), or use placement to let the archive choose",
      });
    }
    return {
      nodeId: e.nodeId,
      farmId: e.farmId ?? f?.farmId,
      city: e.city ?? f?.city,
      country: e.country ?? f?.country,
      sizeGiB,
    };
  });
  return { shards, problems };
}
