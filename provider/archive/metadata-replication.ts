/**
 * Metadata replication of an S3Archive (protocol.md#tlog-and-master, protocol.md#failure-domains):
 * a TLOG 0-db namespace to which MinIO logs every metadata write, and optionally a standby MinIO
 * that replays it.
 *
 * Without them the archive's index lives only on the MinIO node's `/data` volume, and losing that
 * node loses every object whatever the parity. With a TLOG (on another site), a MinIO redeployed
 * with the same SHARDS and TLOG rebuilds its index from the log; a standby (its own node, volume
 * and overlay address, `MASTER` = the TLOG) keeps serving reads meanwhile. This is ThreeFold's own
 * "Master/Slave" setup from the v2 MinIO chatflow (js-sdk `deploy_minio_containers`).
 *
 * Decisions taken from the reference:
 * - The env follows protocol.md#tlog-and-master exactly: the primary gets
 *   `TLOG=ns:pw@[ip]:port`, the standby `MASTER=<the same>` and no `TLOG`; both are secret env,
 *   like `SHARDS` (protocol.md#minio-environment: js-sdk puts `TLOG` / `MASTER` in
 *   `secret_environment`).
 * - `TLOG` / `MASTER` exist only in MinIO builds from 2020-05-29 on
 *   (protocol.md#minio-environment); the notebook's `azmy.3bot/minio.flist` most likely predates
 *   them. A replicated archive therefore runs
 *   ThreeFold's later official build, the flist js-sdk used with TLOG, which starts from its own
 *   `/.startup.toml` (empty entrypoint, protocol.md#minio-flist).
 * - Adding, moving or removing the TLOG renews the archive (a new, empty one): a rebuild
 *   replays the log from its start, and a log added to a running archive lacks every earlier
 *   metadata write, so a MinIO rebuilt from it would silently miss those objects. The TLOG node is part of the
 *   layout key, so the preview shows the `<name>-layout` record replaced with its EMPTY notice.
 *   A standby only reads the log: adding or removing one leaves the archive as it is.
 */
import * as pulumi from "@pulumi/pulumi";
import { Container } from "../resources/container";
import { Volume } from "../resources/volume";
import { ZdbNamespace } from "../resources/zdb";
import type {
  MetadataPlacementArgs,
  S3ArchiveArgs,
  S3ArchiveStandbyArgs,
  S3ArchiveTlogArgs,
} from "./args";
import type { StablePassword } from "./password";
import { ShardPlacement, type PlacedNode, type PlacementRequest } from "./placement";
import type { MetadataLayout, NodePlace, RedundancyProblem, ShardLocation } from "./planner";

/**
 * The MinIO build with TLOG / MASTER (ThreeFold's official flist, used by js-sdk with TLOG:
 * protocol.md#minio-flist).
 */
export const MINIO_TLOG_FLIST = "https://hub.grid.tf/tf-official-apps/minio:latest.flist";
/**
 * That flist starts from its own `/.startup.toml` (zinit runs the entrypoint), so none is given.
 */
export const MINIO_TLOG_ENTRYPOINT = "";

/** The replication settings of an archive's arguments. */
type ReplicationArgs = Pick<S3ArchiveArgs, "tlog" | "standby" | "minioNode">;

/** The flist and entrypoint MinIO runs: the TLOG-capable build when the metadata is replicated. */
export function minioImage(
  a: ReplicationArgs,
  plain: { flist: string; entrypoint: string },
): { flist: string; entrypoint: string } {
  return a.tlog || a.standby
    ? { flist: MINIO_TLOG_FLIST, entrypoint: MINIO_TLOG_ENTRYPOINT }
    : plain;
}

/** Looks a node up (farm and location); undefined when the explorer does not know it. */
export type PlaceLookup = (nodeId: string) => Promise<Omit<NodePlace, "nodeId"> | undefined>;

/** Where the metadata lives, with the problems found locating it (unknown nodes). */
export interface LocatedMetadata {
  layout: MetadataLayout;
  problems: RedundancyProblem[];
}

async function locate(
  property: string,
  nodeId: string,
  shards: ShardLocation[],
  lookup: PlaceLookup | undefined,
  problems: RedundancyProblem[],
): Promise<NodePlace> {
  const shard = shards.find((s) => s.nodeId === nodeId);
  if (shard) {
    return { nodeId, farmId: shard.farmId, city: shard.city, country: shard.country };
  }
  const found = lookup ? await lookup(nodeId) : undefined;
  if (lookup && !found) {
    problems.push({
      property,
      value: nodeId,
      reason: "no such node on the explorer",
      fix: "use a node id listed by GET /nodes (npx tfgrid nodes)",
    });
  }
  return { nodeId, ...found };
}

/** A sticky one-node placement for the TLOG or the standby, away from MinIO's city by default. */
function placeOne(
  name: string,
  p: MetadataPlacementArgs,
  minioCity: pulumi.Output<string | undefined>,
  minFreeSsdGiB: number,
  parent: pulumi.Resource,
): pulumi.Output<PlacedNode> {
  const request = minioCity.apply((city): PlacementRequest => ({
    count: 1,
    farms: p.farms,
    cities: p.cities,
    countries: p.countries,
    minFreeSsdGiB,
    excludeNodes: p.excludeNodes,
    ...(p.cities?.length || !city ? {} : { excludeCities: [city] }),
  }));
  // ShardPlacement takes the request as an input like any other (the engine resolves it).
  const placement = new ShardPlacement(
    name,
    { request: request as unknown as PlacementRequest },
    { parent },
  );
  return placement.nodes.apply((nodes) => nodes[0]);
}

/**
 * Locates MinIO (explicit `minioNode`, else the first shard's node), the TLOG and the standby,
 * placing the latter two when asked. Children: `<name>-tlog-placement`, `<name>-standby-placement`.
 */
export function locateMetadata(
  name: string,
  parent: pulumi.Resource,
  a: ReplicationArgs,
  shards: pulumi.Output<ShardLocation[]>,
  sizes: { tlogGiB: number; standbyGiB: number },
  lookup: PlaceLookup | undefined,
): pulumi.Output<LocatedMetadata> {
  const problems: RedundancyProblem[] = [];
  const minio = shards.apply(async (s) =>
    a.minioNode ? locate("minioNode", a.minioNode, s, lookup, problems) : placeOf(s[0]),
  );
  const minioCity = minio.apply((m) => m?.city);
  const side = (
    key: "tlog" | "standby",
    o: S3ArchiveTlogArgs | S3ArchiveStandbyArgs | undefined,
  ) => {
    if (!o) return pulumi.output<NodePlace | undefined>(undefined);
    if (o.nodeId) {
      const id = o.nodeId;
      return shards.apply((s) => locate(`${key}.nodeId`, id, s, lookup, problems));
    }
    const size = key === "tlog" ? sizes.tlogGiB : sizes.standbyGiB;
    return placeOne(`${name}-${key}-placement`, o.placement ?? {}, minioCity, size, parent).apply(
      (n): NodePlace => n,
    );
  };
  const tlog = side("tlog", a.tlog);
  const standby = side("standby", a.standby);
  return pulumi.all([minio, tlog, standby]).apply(([m, t, s]): LocatedMetadata => ({
    layout: {
      minio: m,
      ...(t ? { tlog: t } : {}),
      ...(s ? { standby: s } : {}),
    },
    problems: [...problems],
  }));
}

function placeOf(s: ShardLocation | undefined): NodePlace {
  if (!s) return { nodeId: "unknown" };
  return { nodeId: s.nodeId, farmId: s.farmId, city: s.city, country: s.country };
}

/** What the layout key adds for a TLOG: its node (a new or moved TLOG renews the archive). */
export function tlogLayoutSuffix(m: MetadataLayout): string {
  return m.tlog ? ` tlog ${m.tlog.nodeId}` : "";
}

/** {@link networkMembers} over Outputs: the Network's `nodes` and `nodeSubnets` inputs. */
export function overlayMembers(
  minioNode: pulumi.Output<string>,
  minioIp: string,
  accessNode: string | undefined,
  standby: pulumi.Output<{ nodeId: string; ip: string }> | undefined,
  subnetOf: (ip: string) => string,
): { nodes: pulumi.Output<string[]>; nodeSubnets: pulumi.Output<Record<string, string>> } {
  const members = pulumi
    .all([minioNode, standby ?? pulumi.output(undefined)])
    .apply(([m, s]) => networkMembers(m, minioIp, accessNode, s, subnetOf));
  return { nodes: members.apply((x) => x.nodes), nodeSubnets: members.apply((x) => x.nodeSubnets) };
}

/** The network's members and their /24s: MinIO, the standby, then the access node. */
export function networkMembers(
  minioNode: string,
  minioIp: string,
  accessNode: string | undefined,
  standby: { nodeId: string; ip: string } | undefined,
  subnetOf: (ip: string) => string,
): { nodes: string[]; nodeSubnets: Record<string, string> } {
  const nodes = [minioNode];
  const nodeSubnets: Record<string, string> = { [minioNode]: subnetOf(minioIp) };
  if (standby && !nodes.includes(standby.nodeId)) {
    nodes.push(standby.nodeId);
    nodeSubnets[standby.nodeId] = subnetOf(standby.ip);
  }
  if (accessNode && !nodes.includes(accessNode)) nodes.push(accessNode);
  return { nodes, nodeSubnets };
}

/** The TLOG namespace: `<name>-tlog`, seq mode, SSD, the archive's shard password. */
export function createTlog(
  name: string,
  parent: pulumi.Resource,
  nodeId: pulumi.Output<string>,
  sizeGiB: number,
  password: StablePassword,
  duration: { durationHours?: number },
): ZdbNamespace {
  return new ZdbNamespace(
    `${name}-tlog`,
    {
      nodeId,
      sizeGiB,
      // the gateway's 0-db client writes with empty keys, which only seq mode takes
      // (protocol.md#erasure-coding, protocol.md#0-db-modes)
      mode: "seq",
      password: password.value,
      diskType: "SSD",
      public: false,
      ...duration,
    },
    { parent },
  );
}

/** What the standby MinIO shares with the primary. */
export interface StandbySpec {
  nodeId: pulumi.Output<string>;
  ip: string;
  flist: string;
  entrypoint: string;
  /** DATA, PARITY, ACCESS_KEY, MINIO_ZEROSTOR_META_DIR: the primary's plain env. */
  env: Record<string, string>;
  shards: pulumi.Output<string>;
  secretKey: pulumi.Input<string>;
  tlogEndpoint: pulumi.Output<string>;
  cpu: number;
  memoryMiB: number;
  diskSizeMiB: number;
  volumeSizeGiB: number;
  mountpoint: string;
  networkName: pulumi.Output<string>;
  publicIp6: boolean;
  layout: pulumi.Output<string>;
  dependsOn: pulumi.Resource[];
  duration: { durationHours?: number };
}

/**
 * The standby: `<name>-standby-meta` (its own metadata volume) and `<name>-standby` (MinIO with
 * `MASTER` = the TLOG and no `TLOG`, protocol.md#tlog-and-master). Both are renewed with the
 * archive's layout.
 */
export function createStandby(
  name: string,
  parent: pulumi.Resource,
  s: StandbySpec,
): { volume: Volume; container: Container; ip: string } {
  const volume = new Volume(
    `${name}-standby-meta`,
    { nodeId: s.nodeId, sizeGiB: s.volumeSizeGiB, diskType: "SSD", ...s.duration },
    { parent, replacementTrigger: s.layout, dependsOn: s.dependsOn },
  );
  const container = new Container(
    `${name}-standby`,
    {
      nodeId: s.nodeId,
      flist: s.flist,
      entrypoint: s.entrypoint,
      interactive: false,
      env: s.env,
      secretEnv: { SHARDS: s.shards, SECRET_KEY: s.secretKey, MASTER: s.tlogEndpoint },
      cpu: s.cpu,
      memoryMiB: s.memoryMiB,
      diskSizeMiB: s.diskSizeMiB,
      network: { name: s.networkName, ip: s.ip },
      volumes: [{ volumeId: volume.volumeId, mountpoint: s.mountpoint }],
      publicIp6: s.publicIp6,
      ...s.duration,
    },
    // No replacementTrigger (see the MinIO container in component.ts): its diff decides, so a
    // standby that keeps its IP is deleted before its replacement is created.
    { parent, dependsOn: s.dependsOn },
  );
  return { volume, container, ip: s.ip };
}
