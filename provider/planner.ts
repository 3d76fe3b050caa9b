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
  /** The MinIO metadata is replicated (TLOG / slave). Default false: warn about the single point of failure. */
  metadataReplicated?: boolean;
}

/** The failure-domain levels the planner reports, from smallest to largest. */
export const DOMAIN_LEVELS = ["node", "farm", "city", "country"] as const;
export type DomainLevel = (typeof DOMAIN_LEVELS)[number];

/** Shard counts per domain at one level, and what losing one domain does. */
export interface DomainReport {
  /** Shards per domain (node id, farm id, `"City, Country"`, country), in first-seen order. */
  counts: Record<string, number>;
  /** For every domain g: min(n_g, D+P) ≤ P, i.e. all objects stay readable after losing any one. */
  survivesLossOfAny: boolean;
  /** For every domain g: N − n_g ≥ D+P, i.e. writes continue after losing any one. */
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
  /** Losing any one city keeps every object readable (`domains.city.survivesLossOfAny`). */
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

function domainKey(level: DomainLevel, s: ShardLocation): string {
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

function domainReport(
  level: DomainLevel,
  shards: ShardLocation[],
  d: number,
  p: number,
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
  const n = shards.length;
  return {
    counts,
    survivesLossOfAny: Object.values(counts).every((c) => Math.min(c, d + p) <= p),
    writesSurviveLossOfAny: Object.values(counts).every((c) => n - c >= d + p),
    worst,
  };
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
  const nodes = domainReport("node", shards, dOk ? d : 1, pOk ? p : 0);
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
    DOMAIN_LEVELS.map((level) => [level, domainReport(level, shards, d, p)]),
  ) as Record<DomainLevel, DomainReport>;
  const city = domains.city;
  if (input.requireSiteFailureTolerance && !city.survivesLossOfAny && n >= d + p) {
    problems.push({
      property: "parityShards",
      value: p,
      reason: `requireSiteFailureTolerance is set, but losing ${city.worst.domain} (${plural(city.worst.count, "shard")}) loses data: a city may hold at most parityShards = ${p} shards`,
      fix: siteFix(n, d, p, city),
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
  if (!city.survivesLossOfAny) {
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
  if (!input.metadataReplicated) {
    warnings.push(
      "The metadata volume on the MinIO node is a single point of failure: if it is lost, no object can be found again, whatever the parity. Keep a backup of it.",
    );
  }

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
    siteLossSurvivable: city.survivesLossOfAny,
    warnings,
  };
}

/** What losing a domain of `count` shards does, in words. */
function lossEffect(report: RedundancyReport, count: number): string {
  const { dataShards: d, parityShards: p, shardCount: n } = report;
  if (Math.min(count, d + p) > p) return `DATA UNREADABLE (${count} > parity ${p})`;
  if (n - count < d + p) return "reads OK, writes blocked";
  return "reads and writes OK";
}

/**
 * A readable multi-line summary: the figures, then per failure-domain level the shards per domain
 * and what losing each one would do, then the warnings. Used by the demo and `pulumi stack output`.
 */
export function formatRedundancyReport(report: RedundancyReport): string {
  const r = report;
  const lines: string[] = [
    `Erasure coding ${r.dataShards}+${r.parityShards} on ${plural(r.shardCount, "shard")} (${plural(r.spareShards, "spare")})`,
    `Capacity: raw ${r.rawGiB} GiB, usable ${r.usableGiB} GiB; parity ${r.paritySharePercent} % of raw, expansion ${r.expansionFactor}x`,
    `Shard losses tolerated: ${r.readLossTolerance} for reads, ${r.writeLossTolerance} for writes`,
    `Site (city) loss survivable: ${r.siteLossSurvivable ? "yes" : "NO"}`,
  ];
  const rows: [string, string, string, string][] = [["level", "domain", "shards", "if lost"]];
  for (const level of DOMAIN_LEVELS) {
    for (const [domain, count] of Object.entries(r.domains[level].counts)) {
      rows.push([level, domain, String(count), lossEffect(r, count)]);
    }
  }
  const width = (col: number) => Math.max(...rows.map((row) => row[col].length));
  const [w0, w1, w2] = [width(0), width(1), width(2)];
  lines.push("");
  for (const [level, domain, count, effect] of rows) {
    lines.push(`  ${level.padEnd(w0)}  ${domain.padEnd(w1)}  ${count.padStart(w2)}  ${effect}`);
  }
  if (r.warnings.length > 0) {
    lines.push("", "Warnings:", ...r.warnings.map((w) => `  - ${w}`));
  }
  return lines.join("\n");
}
