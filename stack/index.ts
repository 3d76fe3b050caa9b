/**
 * The top-level program: one S3 archive from stack config (namespace `s3:`). The committed
 * `Pulumi.dev.yaml` is the reference scenario. Every setting is optional except the secret key;
 * defaults are the S3Archive component's (`S3_ARCHIVE_DEFAULTS`).
 *
 * Shards: either `s3:shardNodes` (node ids, in shard order) or a placement request —
 * `s3:shardCount` with any of `s3:shardFarms`, `s3:shardCities`, `s3:shardCountries`,
 * `s3:minFreeSsdGiB`. A placement is sticky: once placed, shards stay on their nodes until the
 * request changes.
 */
import * as pulumi from "@pulumi/pulumi";
import { S3Archive, formatRedundancyReport, type S3ArchiveArgs } from "../provider";

const NS = "s3";
const config = new pulumi.Config(NS);

/** Component argument → the config key that sets it, for error messages. */
const SETTING: Record<string, string> = {
  "placement.count": "shardCount",
  "placement.farms": "shardFarms",
  "placement.minFreeSsdGiB": "minFreeSsdGiB",
  shardCount: "shardCount",
  "network.ipRange": "networkIpRange",
  network: "networkName",
  "existingNetwork.nodeSubnet": "existingNetworkSubnet",
  diskType: "zdbDiskType",
};

function settingName(property: string): string {
  const [head, ...rest] = property.split(/(?=\[)/);
  const key = SETTING[property] ?? SETTING[head] ?? head;
  return `${NS}:${key}${SETTING[property] ? "" : rest.join("")}`;
}

/** Every key this program reads (tests/unit/docs.test.ts checks the list against the reads). */
const KEYS = [
  "accessKey",
  "accessNodeId",
  "allowSharedNodes",
  "dataShards",
  "durationHours",
  "existingNetworkName",
  "existingNetworkSubnet",
  "metadataVolumeSizeGiB",
  "minFreeSsdGiB",
  "minioCpu",
  "minioIp",
  "minioMemoryMiB",
  "minioNode",
  "name",
  "networkIpRange",
  "networkName",
  "parityShards",
  "requireSiteFailureTolerance",
  "secretKey",
  "shardCities",
  "shardCount",
  "shardCountries",
  "shardFarms",
  "shardNodes",
  "standby",
  "tlog",
  "zdbDiskType",
  "zdbSizeGiB",
];

/** The known key a mistyped one most likely meant: one edit, a missing or extra letter, away. */
function meant(key: string): string | undefined {
  const near = (a: string, b: string) =>
    Math.abs(a.length - b.length) <= 1 &&
    [...Array(Math.max(a.length, b.length)).keys()].some(
      (i) =>
        a.slice(0, i) + a.slice(i + 1) === b ||
        b.slice(0, i) + b.slice(i + 1) === a ||
        a.slice(0, i) + a.slice(i + 1) === b.slice(0, i) + b.slice(i + 1),
    );
  return KEYS.find((k) => k.toLowerCase() === key.toLowerCase() || near(k, key));
}

// A mistyped key would otherwise be ignored, and its default used, without a word.
const unknownKeys = Object.keys(pulumi.runtime.allConfig())
  .filter((k) => k.startsWith(`${NS}:`))
  .map((k) => k.slice(NS.length + 1))
  .filter((k) => !KEYS.includes(k));
if (unknownKeys.length > 0) {
  throw new pulumi.RunError(
    unknownKeys
      .map((k) => {
        const guess = meant(k);
        return `${NS}:${k} is not a setting of this stack, so it would be ignored${guess ? ` (did you mean ${NS}:${guess}?)` : ""}`;
      })
      .join("; ") +
      `; fix or remove it in Pulumi.<stack>.yaml (pulumi config rm ${NS}:<key>); the settings are listed in docs/configuration.md`,
  );
}

const secretKey = config.getSecret("secretKey");
if (secretKey === undefined) {
  throw new pulumi.RunError(
    `${NS}:secretKey is not set: MinIO needs a secret key of at least 8 characters. ` +
      `Set it with: pulumi config set --secret ${NS}:secretKey <value>`,
  );
}

const shardNodes = config.getObject<string[]>("shardNodes");
const shardCount = config.getNumber("shardCount");
const placement: S3ArchiveArgs["placement"] =
  shardCount === undefined
    ? undefined
    : {
        count: shardCount,
        farms: config.getObject<number[]>("shardFarms"),
        cities: config.getObject<string[]>("shardCities"),
        countries: config.getObject<string[]>("shardCountries"),
        minFreeSsdGiB: config.getNumber("minFreeSsdGiB"),
      };

const existingNetworkName = config.get("existingNetworkName");
const accessNodeId = config.get("accessNodeId");

const archive = new S3Archive(
  config.get("name") ?? "s3",
  {
    shardNodes,
    placement,
    dataShards: config.getNumber("dataShards"),
    parityShards: config.getNumber("parityShards"),
    zdbSizeGiB: config.getNumber("zdbSizeGiB"),
    diskType: config.get("zdbDiskType") as "SSD" | "HDD" | undefined,
    allowSharedNodes: config.getBoolean("allowSharedNodes"),
    requireSiteFailureTolerance: config.getBoolean("requireSiteFailureTolerance"),
    minioNode: config.get("minioNode"),
    minioIp: config.get("minioIp"),
    minioCpu: config.getNumber("minioCpu"),
    minioMemoryMiB: config.getNumber("minioMemoryMiB"),
    metadataVolumeSizeGiB: config.getNumber("metadataVolumeSizeGiB"),
    ...(existingNetworkName
      ? {
          existingNetwork: {
            name: existingNetworkName,
            nodeSubnet: config.require("existingNetworkSubnet"),
          },
        }
      : {
          network: {
            name: config.get("networkName"),
            ipRange: config.get("networkIpRange"),
            accessNodeId,
          },
        }),
    accessKey: config.require("accessKey"),
    secretKey,
    durationHours: config.getNumber("durationHours"),
    tlog: config.getObject<S3ArchiveArgs["tlog"]>("tlog"),
    standby: config.getObject<S3ArchiveArgs["standby"]>("standby"),
  },
  { settingName },
);

/** `http://<minio ip>:9000`, reachable through the overlay network. */
export const endpoint = archive.endpoint;
/** The planner's report (figures, per-domain counts, warnings). */
export const redundancy = archive.redundancy;
/** The same report as a table. */
export const redundancyReport = archive.redundancy.apply(formatRedundancyReport);
/** Shard nodes with farm and location, in shard order. */
export const shardNodesPlaced = archive.shardNodes;
/** `ns:password@[ip]:port` per shard (secret). */
export const shards = archive.shards;
/** The MinIO node and the network name. */
export const minioNode = archive.minioNode;
export const networkName = archive.networkName;
/** The shard layout MinIO was started with; changing it starts a new, empty archive. */
export const layout = archive.layout;
// The user's wg-quick file (secret), exported only when `s3:accessNodeId` is set: an undefined
// export would make every preview warn about it.
if (accessNodeId) (exports as Record<string, unknown>).wireguardConfig = archive.wireguardConfig;
