/**
 * Failure domains of an archive: where its shards and metadata are, counted per node, farm, city
 * and country, and what losing one domain does to the data, the index and writes
 * (protocol.md#tlog-and-master, protocol.md#failure-domains). Pure arithmetic, used by the planner
 * (planner.ts).
 */

/** One 0-db shard and where it lives. Missing location fields are reported as `"unknown"`. */
export interface ShardLocation {
  /** Node id (base58) the shard's 0-db namespace runs on. */
  nodeId: string;
  /** Farm of the node. */
  farmId?: number;
  /** City of the node (the planner's "site"). */
  city?: string;
  /** Country of the node. */
  country?: string;
  /** Size of the namespace in GiB. */
  sizeGiB: number;
}

/** A node holding part of the archive's metadata. Missing location fields count as `"unknown"`. */
export interface NodePlace {
  nodeId: string;
  farmId?: number;
  city?: string;
  country?: string;
}

/** The metadata side of an archive (`RedundancyInput.metadata` in planner.ts). */
export interface MetadataLayout {
  /** The MinIO container and its metadata volume: the index, read and written here. */
  minio: NodePlace;
  /**
   * The TLOG 0-db namespace: a redeployed MinIO with the same SHARDS and TLOG rebuilds the index
   * from it.
   */
  tlog?: NodePlace;
  /**
   * The standby MinIO (`MASTER` = the TLOG): a read-only copy of the index, kept current from the
   * log.
   */
  standby?: NodePlace;
}

/** What losing one domain does to the data, the index and writes, and how to recover. */
export interface DomainLoss {
  /** Shards in the domain. */
  shards: number;
  /** Metadata parts in the domain. */
  metadata: ("MinIO" | "TLOG" | "standby")[];
  /**
   * Where the index comes from afterwards: `minio` (untouched), `standby` (MinIO lost, the
   * standby's replayed copy serves reads), `tlog` (MinIO lost, a MinIO redeployed with the same
   * SHARDS and TLOG rebuilds it from the log) or `lost` (no object can be found again).
   */
  index: "minio" | "standby" | "tlog" | "lost";
  /**
   * Every object can still be read: at most P parts of any block are gone and an index is left
   * (possibly after redeploying MinIO from the TLOG).
   */
  readable: boolean;
  /**
   * Writes continue without any action: enough shards are left, MinIO runs and (when set) its TLOG
   * is reachable.
   */
  writable: boolean;
  /** What the user must do, in words; empty when nothing is affected. */
  recovery: string;
}

/** The failure-domain levels the planner reports, from smallest to largest. */
export const DOMAIN_LEVELS = ["node", "farm", "city", "country"] as const;
export type DomainLevel = (typeof DOMAIN_LEVELS)[number];

/** The parts of the metadata a domain can hold. */
export type MetadataRole = DomainLoss["metadata"][number];
/** Where the index comes from after a domain is lost (see {@link DomainLoss.index}). */
export type IndexSource = DomainLoss["index"];

/** Shard counts per domain at one level, and what losing one domain does. */
export interface DomainReport {
  /** Shards per domain (node id, farm id, `"City, Country"`, country), in first-seen order. */
  counts: Record<string, number>;
  /**
   * What losing each domain does, for every domain holding shards or metadata (shard domains
   * first, in first-seen order, then metadata-only domains).
   */
  losses: Record<string, DomainLoss>;
  /**
   * The shards alone survive losing any one domain: min(n_g, D+P) ≤ P for every g
   * (protocol.md#failure-domains).
   */
  shardsSurviveLossOfAny: boolean;
  /**
   * Losing any one domain keeps every object readable: min(n_g, D+P) ≤ P for every g, and an index
   * is left.
   */
  survivesLossOfAny: boolean;
  /**
   * Losing any one domain leaves writes running: N − n_g ≥ D+P, and neither MinIO nor its TLOG is
   * in g.
   */
  writesSurviveLossOfAny: boolean;
  /** The domain holding the most shards (the first one on a tie). */
  worst: { domain: string; count: number };
}

/** The key used for a shard whose location at some level is not known. */
export const UNKNOWN_DOMAIN = "unknown";

export function domainKey(level: DomainLevel, s: NodePlace): string {
  switch (level) {
    case "node":
      return s.nodeId;
    case "farm":
      return s.farmId === undefined ? UNKNOWN_DOMAIN : String(s.farmId);
    case "city":
      if (!s.city) return UNKNOWN_DOMAIN;
      return s.country ? `${s.city}, ${s.country}` : s.city;
    case "country":
      return s.country || UNKNOWN_DOMAIN;
  }
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function metadataRoles(level: DomainLevel, m: MetadataLayout): [string, MetadataRole][] {
  const roles: [string, MetadataRole][] = [[domainKey(level, m.minio), "MinIO"]];
  if (m.tlog) roles.push([domainKey(level, m.tlog), "TLOG"]);
  if (m.standby) roles.push([domainKey(level, m.standby), "standby"]);
  return roles;
}

/**
 * What losing a domain of `count` shards and `roles` does (protocol.md#tlog-and-master,
 * protocol.md#failure-domains).
 */
function domainLoss(
  count: number,
  roles: MetadataRole[],
  n: number,
  d: number,
  p: number,
  m: MetadataLayout,
): DomainLoss {
  const shardsReadable = Math.min(count, d + p) <= p;
  const shardsWritable = n - count >= d + p;
  const minioLost = roles.includes("MinIO");
  const tlogLost = roles.includes("TLOG");
  const standbyLeft = m.standby !== undefined && !roles.includes("standby");
  let index: IndexSource = "minio";
  if (minioLost) {
    if (standbyLeft) index = "standby";
    else if (m.tlog && !tlogLost) index = "tlog";
    else index = "lost";
  }
  const readable = shardsReadable && index !== "lost";
  // MinIO logs every metadata write to its TLOG, so writes are taken to need it (inferred,
  // protocol.md#minio-environment).
  const writable = shardsWritable && !minioLost && !tlogLost;
  const steps: string[] = [];
  if (!shardsReadable) {
    steps.push(
      `objects stay unreadable until it returns (${count} > parity ${p}); if its disks are gone they are lost`,
    );
  }
  if (index === "lost") {
    steps.push(
      m.tlog
        ? `none for the index: MinIO and every copy of it (${m.standby ? "TLOG and standby" : "the TLOG"}) are lost with it, so no object can be found again`
        : "none for the index: MinIO's metadata volume was its only copy (no TLOG), so no object can be found again",
    );
  } else if (minioLost) {
    steps.push(
      (index === "standby" && shardsReadable ? "the standby keeps serving reads; " : "") +
        "redeploy MinIO on a node outside it (S3Archive: change minioNode) with the same SHARDS and TLOG: it rebuilds the index from the TLOG",
    );
  }
  if (tlogLost && !minioLost) {
    steps.push(
      "MinIO keeps the index and serves reads; writes resume when the TLOG's node returns (a new, empty TLOG would not hold the earlier metadata)",
    );
  }
  if (roles.includes("standby") && !minioLost) {
    steps.push("redeploy the standby: it replays the TLOG");
  }
  if (shardsReadable && !shardsWritable) {
    steps.push("writes resume when its shards return");
  }
  return { shards: count, metadata: roles, index, readable, writable, recovery: steps.join("; ") };
}

export function domainReport(
  level: DomainLevel,
  shards: ShardLocation[],
  d: number,
  p: number,
  metadata: MetadataLayout,
): DomainReport {
  const counts: Record<string, number> = {};
  for (const s of shards) {
    const k = domainKey(level, s);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  let worst = { domain: "", count: 0 };
  for (const [domain, count] of Object.entries(counts)) {
    if (count > worst.count) worst = { domain, count };
  }
  const roles: Record<string, MetadataRole[]> = {};
  for (const domain of Object.keys(counts)) roles[domain] = [];
  for (const [domain, role] of metadataRoles(level, metadata)) {
    (roles[domain] ??= []).push(role);
  }
  const n = shards.length;
  const losses = Object.fromEntries(
    Object.entries(roles).map(([domain, r]) => [
      domain,
      domainLoss(counts[domain] ?? 0, r, n, d, p, metadata),
    ]),
  );
  return {
    counts,
    losses,
    shardsSurviveLossOfAny: Object.values(counts).every((c) => Math.min(c, d + p) <= p),
    survivesLossOfAny: Object.values(losses).every((l) => l.readable),
    writesSurviveLossOfAny: Object.values(losses).every((l) => l.writable),
    worst,
  };
}

export function placeOf(s: NodePlace): NodePlace {
  const place: NodePlace = { nodeId: s.nodeId };
  if (s.farmId !== undefined) place.farmId = s.farmId;
  if (s.city !== undefined) place.city = s.city;
  if (s.country !== undefined) place.country = s.country;
  return place;
}

/**
 * Why a domain's loss loses the index, e.g. "it holds MinIO and its metadata volume, the only copy
 * (no TLOG)".
 */
export function indexHolders(loss: DomainLoss): string {
  const parts = loss.metadata.map((r) =>
    r === "MinIO" ? "MinIO and its metadata volume" : r === "TLOG" ? "the TLOG" : "the standby",
  );
  const list =
    parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return loss.metadata.length === 1
    ? `it holds ${list}, the only copy of the index (no TLOG)`
    : `it holds ${list}, every copy of the index`;
}
