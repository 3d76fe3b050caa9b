/**
 * The redundancy planner: pure erasure-coding and failure-domain arithmetic for a MinIO "zerostor"
 * archive on 0-db shards (reference: shared/reference/workloads.md §4). No Pulumi, no I/O, so the
 * S3Archive component can call it in its constructor and problems show at `pulumi preview`.
 *
 * Notation: D = data shards, P = parity shards, N = listed shards (N ≥ D+P), S = shard size.
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

/** Input of {@link planRedundancy}. */
export interface RedundancyInput {
  /** The shards, in the order MinIO receives them. */
  shards: ShardLocation[];
  /** D: data parts per block (MinIO `DATA`). */
  dataShards: number;
  /** P: parity parts per block (MinIO `PARITY`). */
  parityShards: number;
  /** Allow two shards on one node (a shared failure domain). Default false: a hard error. */
  allowSharedNodes?: boolean;
  /** Refuse a layout in which losing any one city loses data. Default false: a warning. */
  requireSiteFailureTolerance?: boolean;
  /**
   * Where the archive's index lives: the MinIO node (with its `/data` metadata volume), the TLOG
   * namespace that logs every metadata write, and the standby MinIO that replays it
   * (workloads.md §1.9). Default: MinIO on the first shard's node, no TLOG, no standby — what
   * S3Archive does without `minioNode`, `tlog` and `standby`.
   */
  metadata?: MetadataLayout;
}

/** A node holding part of the archive's metadata. Missing location fields count as `"unknown"`. */
export interface NodePlace {
  nodeId: string;
  farmId?: number;
  city?: string;
  country?: string;
}

/** The metadata side of an archive (see {@link RedundancyInput.metadata}). */
export interface MetadataLayout {
  /** The MinIO container and its metadata volume: the index, read and written here. */
  minio: NodePlace;
  /** The TLOG 0-db namespace: a redeployed MinIO with the same SHARDS and TLOG rebuilds the index from it. */
  tlog?: NodePlace;
  /** The standby MinIO (`MASTER` = the TLOG): a read-only copy of the index, kept current from the log. */
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
  /** Every object can still be read: at most P parts of any block are gone and an index is left (possibly after redeploying MinIO from the TLOG). */
  readable: boolean;
  /** Writes continue without any action: enough shards are left, MinIO runs and (when set) its TLOG is reachable. */
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
  /** The shards alone survive losing any one domain: min(n_g, D+P) ≤ P for every g (workloads.md §4.1). */
  shardsSurviveLossOfAny: boolean;
  /** Losing any one domain keeps every object readable: min(n_g, D+P) ≤ P for every g, and an index is left. */
  survivesLossOfAny: boolean;
  /** Losing any one domain leaves writes running: N − n_g ≥ D+P, and neither MinIO nor its TLOG is in g. */
  writesSurviveLossOfAny: boolean;
  /** The domain holding the most shards (the first one on a tie). */
  worst: { domain: string; count: number };
}

/** What {@link planRedundancy} returns. Every figure is documented on its field. */
export interface RedundancyReport {
  dataShards: number;
  parityShards: number;
  /** N, the number of listed shards. */
  shardCount: number;
  /** N − (D+P): shards beyond one stripe, which let writes and healing continue during an outage. */
  spareShards: number;
  /** Σ S_i. */
  rawGiB: number;
  /**
   * Logical capacity, rounded to 0.01 GiB. With N = D+P every block writes one part to every
   * shard, so usable = D·min(S). With spares parts go to a random D+P subset, so usable =
   * N·min(S)·D/(D+P) (counting every shard at the smallest size keeps it a lower bound).
   */
  usableGiB: number;
  /** P/(D+P) in percent, one decimal (ThreeFold's "overhead"): 33.3 for 4+2. */
  paritySharePercent: number;
  /** (D+P)/D, two decimals: 1.5 for 4+2. */
  expansionFactor: number;
  /** Any P shards may be lost and every object stays readable. */
  readLossTolerance: number;
  /** N − (D+P) shards may be lost and writes still succeed. */
  writeLossTolerance: number;
  /** Per failure-domain level. */
  domains: Record<DomainLevel, DomainReport>;
  /** The metadata side the report counted (the default when the input gave none). */
  metadata: MetadataLayout;
  /**
   * Losing any one city keeps every object readable, shards and index
   * (`domains.city.survivesLossOfAny`).
   */
  siteLossSurvivable: boolean;
  /** Plain-language cautions; empty when there is nothing to say. */
  warnings: string[];
}

/** One hard error: the setting, its value, why it is refused and how to fix it. */
export interface RedundancyProblem {
  property: string;
  value: unknown;
  reason: string;
  fix: string;
}

/** Thrown by {@link planRedundancy} with every hard error at once. */
export class RedundancyError extends Error {
  readonly code = "planner.invalid_layout";
  constructor(readonly problems: RedundancyProblem[]) {
    super(
      `The shard layout is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${describeProblem(p)}`).join("\n"),
    );
    this.name = "RedundancyError";
  }
}

/** `property = value: reason. Fix: fix` — the line used in error messages. */
export function describeProblem(p: RedundancyProblem): string {
  return `${p.property} = ${JSON.stringify(p.value)}: ${p.reason}. Fix: ${p.fix}`;
}

/** The key used for a shard whose location at some level is not known. */
export const UNKNOWN_DOMAIN = "unknown";

function domainKey(level: DomainLevel, s: NodePlace): string {
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

const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function isCount(x: number, min: number): boolean {
  return Number.isInteger(x) && x >= min;
}

function metadataRoles(level: DomainLevel, m: MetadataLayout): [string, MetadataRole][] {
  const roles: [string, MetadataRole][] = [[domainKey(level, m.minio), "MinIO"]];
  if (m.tlog) roles.push([domainKey(level, m.tlog), "TLOG"]);
  if (m.standby) roles.push([domainKey(level, m.standby), "standby"]);
  return roles;
}

/** What losing a domain of `count` shards and `roles` does (workloads.md §1.9, §4.1). */
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
  // MinIO logs every metadata write to its TLOG, so writes are taken to need it (inferred, §1.2).
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

function domainReport(
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

function placeOf(s: NodePlace): NodePlace {
  const place: NodePlace = { nodeId: s.nodeId };
  if (s.farmId !== undefined) place.farmId = s.farmId;
  if (s.city !== undefined) place.city = s.city;
  if (s.country !== undefined) place.country = s.country;
  return place;
}

/** Why a domain's loss loses the index, e.g. "it holds MinIO and its metadata volume, the only copy (no TLOG)". */
function indexHolders(loss: DomainLoss): string {
  const parts = loss.metadata.map((r) =>
    r === "MinIO" ? "MinIO and its metadata volume" : r === "TLOG" ? "the TLOG" : "the standby",
  );
  const list =
    parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return loss.metadata.length === 1
    ? `it holds ${list}, the only copy of the index (no TLOG)`
    : `it holds ${list}, every copy of the index`;
}

/**
 * The plain statement of where losing a domain loses the index: the smallest level at which it
 * happens, naming the domain and the larger ones (city) the user cares about.
 */
function indexLossWarning(
  domains: Record<DomainLevel, DomainReport>,
  m: MetadataLayout,
): string | undefined {
  const lost = (level: DomainLevel) =>
    Object.entries(domains[level].losses)
      .filter(([, l]) => l.index === "lost")
      .map(([domain, l]) => ({ domain, l }));
  const node = lost("node");
  const city = lost("city");
  if (node.length === 0 && city.length === 0) return undefined;
  const first = node[0] ?? city[0];
  const levelName = node.length > 0 ? "node" : "city";
  const also = node.length > 0 && city.length > 0 ? `, or all of ${city[0].domain},` : "";
  const fix = m.tlog
    ? "Put the TLOG (and a standby) in another city than MinIO"
    : "Add a TLOG namespace on another site (S3Archive tlog) so a redeployed MinIO can rebuild the index, and a standby to keep reads going";
  return `Losing ${levelName} ${first.domain}${also} loses the archive's index: ${indexHolders(first.l)}. The shards would survive, but no object could be found again, whatever the parity. ${fix}.`;
}

/** The fixes for a layout that loses data when one city is lost. */
function siteFix(n: number, d: number, p: number, city: DomainReport): string {
  const options: string[] = [];
  const width = d + p;
  const worst = city.worst.count;
  if (width - worst >= 1) {
    options.push(`use ${width - worst}+${worst} with this layout`);
  }
  if (p >= 1) {
    const cities = Math.ceil(n / p);
    options.push(
      `spread the ${plural(n, "shard")} over at least ${cities} cities with at most ${p} each`,
    );
  } else {
    options.push("set parityShards to at least 1 and spread the shards so no city holds more");
  }
  return options.join(", or ");
}

/**
 * Computes the redundancy report of a shard layout, or throws a {@link RedundancyError} listing
 * every hard error: data < 1, parity < 0, fewer shards than data + parity, a node used twice
 * (unless `allowSharedNodes`), a non-positive shard size, and — with
 * `requireSiteFailureTolerance` — a layout in which losing one city loses data.
 */
export function planRedundancy(input: RedundancyInput): RedundancyReport {
  const { shards, dataShards: d, parityShards: p } = input;
  const n = shards.length;
  const problems: RedundancyProblem[] = [];

  const dOk = isCount(d, 1);
  const pOk = isCount(p, 0);
  if (!dOk) {
    problems.push({
      property: "dataShards",
      value: d,
      reason: "MinIO needs at least one data part per block",
      fix: "set dataShards to a whole number of at least 1 (4 is the default)",
    });
  }
  if (!pOk) {
    problems.push({
      property: "parityShards",
      value: p,
      reason: "parity must be a whole number of at least 0",
      fix: "set parityShards to 0 or more (2 is the default)",
    });
  }
  if (dOk && pOk && n < d + p) {
    problems.push({
      property: "shards",
      value: n,
      reason: `${d}+${p} needs at least ${d + p} shards, MinIO refuses to start with ${n}`,
      fix: `add ${d + p - n} more shard${d + p - n === 1 ? "" : "s"}, or lower dataShards/parityShards so that dataShards + parityShards ≤ ${n}`,
    });
  }
  shards.forEach((s, i) => {
    if (!(typeof s.sizeGiB === "number" && s.sizeGiB > 0)) {
      problems.push({
        property: `shards[${i}].sizeGiB`,
        value: s.sizeGiB,
        reason: "a 0-db namespace needs a positive size",
        fix: "give every shard a size of at least 1 GiB",
      });
    }
  });
  const metadata: MetadataLayout = input.metadata ?? {
    minio: shards[0] ? placeOf(shards[0]) : { nodeId: UNKNOWN_DOMAIN },
  };
  if (metadata.standby && !metadata.tlog) {
    problems.push({
      property: "metadata.standby",
      value: metadata.standby.nodeId,
      reason: "a standby MinIO replays the TLOG (MASTER = the TLOG), so it needs one",
      fix: "add a TLOG namespace (tlog) on another site, or drop the standby",
    });
  }
  if (metadata.standby && metadata.standby.nodeId === metadata.minio.nodeId) {
    problems.push({
      property: "metadata.standby",
      value: metadata.standby.nodeId,
      reason: "the standby is on the MinIO node, so it is lost together with MinIO",
      fix: "put the standby on a node in another city than the MinIO node",
    });
  }
  const nodes = domainReport("node", shards, dOk ? d : 1, pOk ? p : 0, metadata);
  if (!input.allowSharedNodes) {
    for (const [node, count] of Object.entries(nodes.counts)) {
      if (count > 1) {
        problems.push({
          property: "shards",
          value: node,
          reason: `node ${node} holds ${count} shards, so one node failure loses ${count} shards at once`,
          fix: "put every shard on a different node, or set allowSharedNodes to accept the shared failure domain",
        });
      }
    }
  }
  if (!dOk || !pOk) throw new RedundancyError(problems);

  const domains = Object.fromEntries(
    DOMAIN_LEVELS.map((level) => [level, domainReport(level, shards, d, p, metadata)]),
  ) as Record<DomainLevel, DomainReport>;
  const city = domains.city;
  if (input.requireSiteFailureTolerance && !city.shardsSurviveLossOfAny && n >= d + p) {
    problems.push({
      property: "parityShards",
      value: p,
      reason: `requireSiteFailureTolerance is set, but losing ${city.worst.domain} (${plural(city.worst.count, "shard")}) loses data: a city may hold at most parityShards = ${p} shards`,
      fix: siteFix(n, d, p, city),
    });
  }
  const indexLostCities = Object.entries(city.losses).filter(([, l]) => l.index === "lost");
  if (input.requireSiteFailureTolerance && indexLostCities.length > 0) {
    const [where, loss] = indexLostCities[0];
    problems.push({
      property: "metadata.tlog",
      value: metadata.tlog?.nodeId ?? "(none)",
      reason: `requireSiteFailureTolerance is set, but losing ${where} loses the archive's index: ${indexHolders(loss)}`,
      fix: `add a TLOG namespace on a node outside ${where}${metadata.tlog ? " (move the TLOG)" : ""}, so a redeployed MinIO can rebuild the index; a standby in a third city also keeps reads going`,
    });
  }
  if (problems.length > 0) throw new RedundancyError(problems);

  const sizes = shards.map((s) => s.sizeGiB);
  const minSize = Math.min(...sizes);
  const width = d + p;
  const spare = n - width;
  const usable = spare === 0 ? d * minSize : (n * minSize * d) / width;

  const warnings: string[] = [];
  if (spare === 0) {
    warnings.push(
      `No spare shard: all ${n} shards are needed for every write, so a single unreachable or full shard blocks writes (reads survive ${plural(p, "lost shard")}). List more shards than dataShards + parityShards to keep writing through an outage.`,
    );
  }
  for (const [node, count] of Object.entries(domains.node.counts)) {
    if (count > 1) {
      warnings.push(
        `Node ${node} holds ${count} shards: losing that one node loses ${count} shards at once.`,
      );
    }
  }
  if (!city.shardsSurviveLossOfAny) {
    warnings.push(
      `A site loss is not survivable: losing ${city.worst.domain} (${plural(city.worst.count, "shard")}) leaves objects unreadable, because a city may hold at most ${p} (parityShards). To survive it: ${siteFix(n, d, p, city)}.`,
    );
  }
  if (new Set(sizes).size > 1) {
    warnings.push(
      `Shard sizes differ (${minSize}–${Math.max(...sizes)} GiB): usable capacity counts every shard at the smallest size, ${minSize} GiB.`,
    );
  }
  for (const level of ["farm", "city", "country"] as const) {
    const unknown = shards
      .map((s, i) => (domainKey(level, s) === UNKNOWN_DOMAIN ? i : -1))
      .filter((i) => i >= 0);
    if (unknown.length > 0) {
      warnings.push(
        `The ${level} of shard${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")} is unknown: the report counts ${unknown.length === 1 ? "it" : "them"} as one ${level} named "${UNKNOWN_DOMAIN}".`,
      );
    }
  }
  const indexWarning = indexLossWarning(domains, metadata);
  if (indexWarning) warnings.push(indexWarning);

  return {
    dataShards: d,
    parityShards: p,
    shardCount: n,
    spareShards: spare,
    rawGiB: round(
      sizes.reduce((a, b) => a + b, 0),
      2,
    ),
    usableGiB: round(usable, 2),
    paritySharePercent: round((p / width) * 100, 1),
    expansionFactor: round(width / d, 2),
    readLossTolerance: p,
    writeLossTolerance: spare,
    domains,
    metadata,
    siteLossSurvivable: city.survivesLossOfAny,
    warnings,
  };
}

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
