/**
 * The redundancy planner: pure erasure-coding and failure-domain arithmetic for a MinIO "zerostor"
 * archive on 0-db shards (protocol.md#failure-domains). No Pulumi, no I/O, so the
 * S3Archive's plan gate (plan.ts) runs it as soon as the nodes are known, at `pulumi preview`.
 * The failure-domain counting is domains.ts, the readable table report.ts.
 *
 * Notation: D = data shards, P = parity shards, N = listed shards (N ≥ D+P), S = shard size.
 */
import {
  DOMAIN_LEVELS,
  UNKNOWN_DOMAIN,
  domainKey,
  domainReport,
  indexHolders,
  placeOf,
  plural,
  type DomainLevel,
  type DomainReport,
  type MetadataLayout,
  type ShardLocation,
} from "./domains";

export {
  DOMAIN_LEVELS,
  UNKNOWN_DOMAIN,
  type DomainLevel,
  type DomainLoss,
  type DomainReport,
  type IndexSource,
  type MetadataLayout,
  type MetadataRole,
  type NodePlace,
  type ShardLocation,
} from "./domains";
export { formatRedundancyReport } from "./report";

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
   * (protocol.md#tlog-and-master). Default: MinIO on the first shard's node, no TLOG, no standby —
   * what S3Archive does without `minioNode`, `tlog` and `standby`.
   */
  metadata?: MetadataLayout;
}

/** What {@link planRedundancy} returns. Every figure is documented on its field. */
export interface RedundancyReport {
  dataShards: number;
  parityShards: number;
  /** N, the number of listed shards. */
  shardCount: number;
  /**
   * N − (D+P): shards beyond one stripe, which let writes and healing continue during an outage.
   */
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

const round = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
};

function isCount(x: number, min: number): boolean {
  return Number.isInteger(x) && x >= min;
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

/** The hard errors found before the failure domains are counted (the counts need D ≥ 1, P ≥ 0). */
function layoutProblems(
  input: RedundancyInput,
  metadata: MetadataLayout,
  dOk: boolean,
  pOk: boolean,
): RedundancyProblem[] {
  const { shards, dataShards: d, parityShards: p } = input;
  const n = shards.length;
  const problems: RedundancyProblem[] = [];
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
  return [...problems, ...standbyProblems(metadata)];
}

/** A standby needs a TLOG to replay, and a node of its own. */
function standbyProblems(metadata: MetadataLayout): RedundancyProblem[] {
  const problems: RedundancyProblem[] = [];
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
  return problems;
}

/** A node holding two shards, unless `allowSharedNodes`. */
function sharedNodeProblems(nodes: DomainReport): RedundancyProblem[] {
  return Object.entries(nodes.counts)
    .filter(([, count]) => count > 1)
    .map(([node, count]) => ({
      property: "shards",
      value: node,
      reason: `node ${node} holds ${count} shards, so one node failure loses ${count} shards at once`,
      fix: "put every shard on a different node, or set allowSharedNodes to accept the shared failure domain",
    }));
}

/** With `requireSiteFailureTolerance`: a city whose loss loses data or the index. */
function siteProblems(
  input: RedundancyInput,
  city: DomainReport,
  metadata: MetadataLayout,
): RedundancyProblem[] {
  const { dataShards: d, parityShards: p } = input;
  const n = input.shards.length;
  const problems: RedundancyProblem[] = [];
  if (!input.requireSiteFailureTolerance) return problems;
  if (!city.shardsSurviveLossOfAny && n >= d + p) {
    problems.push({
      property: "parityShards",
      value: p,
      reason: `requireSiteFailureTolerance is set, but losing ${city.worst.domain} (${plural(city.worst.count, "shard")}) loses data: a city may hold at most parityShards = ${p} shards`,
      fix: siteFix(n, d, p, city),
    });
  }
  const indexLostCities = Object.entries(city.losses).filter(([, l]) => l.index === "lost");
  if (indexLostCities.length > 0) {
    const [where, loss] = indexLostCities[0];
    problems.push({
      property: "metadata.tlog",
      value: metadata.tlog?.nodeId ?? "(none)",
      reason: `requireSiteFailureTolerance is set, but losing ${where} loses the archive's index: ${indexHolders(loss)}`,
      fix: `add a TLOG namespace on a node outside ${where}${metadata.tlog ? " (move the TLOG)" : ""}, so a redeployed MinIO can rebuild the index; a standby in a third city also keeps reads going`,
    });
  }
  return problems;
}

/**
 * The cautions of a valid layout: no spare, shared nodes, site loss, mixed sizes, unknown places,
 * the index.
 */
function layoutWarnings(
  input: RedundancyInput,
  domains: Record<DomainLevel, DomainReport>,
  metadata: MetadataLayout,
): string[] {
  const { shards, dataShards: d, parityShards: p } = input;
  const n = shards.length;
  const sizes = shards.map((s) => s.sizeGiB);
  const minSize = Math.min(...sizes);
  const city = domains.city;
  const warnings: string[] = [];
  if (n === d + p) {
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
  return indexWarning ? [...warnings, indexWarning] : warnings;
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
  const dOk = isCount(d, 1);
  const pOk = isCount(p, 0);
  const metadata: MetadataLayout = input.metadata ?? {
    minio: shards[0] ? placeOf(shards[0]) : { nodeId: UNKNOWN_DOMAIN },
  };
  const problems = layoutProblems(input, metadata, dOk, pOk);
  if (!input.allowSharedNodes) {
    const nodes = domainReport("node", shards, dOk ? d : 1, pOk ? p : 0, metadata);
    problems.push(...sharedNodeProblems(nodes));
  }
  if (!dOk || !pOk) throw new RedundancyError(problems);

  const domains = Object.fromEntries(
    DOMAIN_LEVELS.map((level) => [level, domainReport(level, shards, d, p, metadata)]),
  ) as Record<DomainLevel, DomainReport>;
  problems.push(...siteProblems(input, domains.city, metadata));
  if (problems.length > 0) throw new RedundancyError(problems);

  const sizes = shards.map((s) => s.sizeGiB);
  const minSize = Math.min(...sizes);
  const width = d + p;
  const spare = n - width;
  const usable = spare === 0 ? d * minSize : (n * minSize * d) / width;
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
    siteLossSurvivable: domains.city.survivesLossOfAny,
    warnings: layoutWarnings(input, domains, metadata),
  };
}
