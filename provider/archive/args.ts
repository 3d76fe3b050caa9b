/**
 * The arguments of an S3Archive and their defaults: every setting the user writes, documented
 * where it is declared, and every default in {@link DEFAULTS}.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The MinIO build ThreeFold's S3 notebook used (protocol.md#minio-flist). */
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
  /**
   * Disk of the 0-db namespaces (the metadata volume is always SSD: the explorer refuses HDD
   * volumes).
   */
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
  /** Length of the generated 0-db password (hex characters); also StablePassword's default. */
  passwordLength: 32,
} as const;

/** The standby's default overlay address: .16 of the /24 after MinIO's default one. */
export const DEFAULT_STANDBY_IP = "172.20.16.16";

/** A shard node given by the user; with farm, city and country the explorer is not asked. */
export interface ShardNodeInfo {
  nodeId: string;
  farmId?: number;
  city?: string;
  country?: string;
}

/** Ask the archive to choose the shard nodes (see `ShardPlacement`: sticky across runs). */
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
  /**
   * Give the user WireGuard access through this node (it needs a public endpoint); adds the
   * `wireguardConfig` output.
   */
  accessNodeId?: string;
}

/** An existing network to join; the MinIO node must already be a member. */
export interface S3ArchiveExistingNetworkArgs {
  name: string;
  /** The MinIO node's /24 in that network, e.g. `172.20.15.0/24`. */
  nodeSubnet: string;
}

/** Where to look for a TLOG or standby node (one node; the archive's other filters don't apply). */
export interface MetadataPlacementArgs {
  /** Only these farms (ids). */
  farms?: number[];
  /** Only these cities. Default: any city except the MinIO node's. */
  cities?: string[];
  /** Only these countries. */
  countries?: string[];
  /** Never these nodes. */
  excludeNodes?: string[];
}

/** The TLOG 0-db namespace: on `nodeId`, or chosen by `placement` (the default: `{}`). */
export interface S3ArchiveTlogArgs {
  /** The node of the TLOG namespace. Exclusive with `placement`. */
  nodeId?: string;
  /** Let the archive choose the node (sticky across runs); by default outside MinIO's city. */
  placement?: MetadataPlacementArgs;
  /** Size of the TLOG namespace in GiB. Default: `metadataVolumeSizeGiB`. */
  sizeGiB?: number;
}

/** A read-only standby MinIO replaying the TLOG: its own node, volume and overlay address. */
export interface S3ArchiveStandbyArgs {
  /** The standby's node. Exclusive with `placement`. */
  nodeId?: string;
  /** Let the archive choose the node (sticky across runs); by default outside MinIO's city. */
  placement?: MetadataPlacementArgs;
  /**
   * Its IPv4 in the network: .2–.254 of its own /24, not MinIO's. Default {@link
   * DEFAULT_STANDBY_IP}.
   */
  ip?: string;
}

/**
 * Arguments of `S3Archive`. Shard layout settings are plain values, not Inputs: they decide
 * how many children exist and are validated before any is created.
 */
export interface S3ArchiveArgs {
  /**
   * Shard nodes in shard order: ids (looked up on the explorer) or full locations. Exclusive with
   * `placement`.
   */
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
  /**
   * MinIO's IPv4 in the network (`.2`–`.254` of its node's /24). Default {@link DEFAULTS.minioIp}.
   */
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

/** The settings that have a default, with it applied. */
export interface Resolved {
  dataShards: number;
  parityShards: number;
  zdbSizeGiB: number;
  diskType: "SSD" | "HDD";
  minioIp: string;
  minioCpu: number;
  minioMemoryMiB: number;
  minioDiskSizeMiB: number;
  metadataVolumeSizeGiB: number;
  publicIp6: boolean;
  allowSharedNodes: boolean;
  requireSiteFailureTolerance: boolean;
  networkIpRange: string;
  /** Shards listed or asked for (0 when neither is given). */
  shardCount: number;
}

/** The arguments' settings with {@link DEFAULTS} applied. */
export function resolveArgs(a: S3ArchiveArgs): Resolved {
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
    publicIp6: a.publicIp6 ?? DEFAULTS.publicIp6,
    allowSharedNodes: a.allowSharedNodes ?? DEFAULTS.allowSharedNodes,
    requireSiteFailureTolerance:
      a.requireSiteFailureTolerance ?? DEFAULTS.requireSiteFailureTolerance,
    networkIpRange: a.network?.ipRange ?? DEFAULTS.networkIpRange,
    shardCount: a.shardNodes?.length ?? a.placement?.count ?? 0,
  };
}
