/**
 * Shard placement: picks nodes for an archive's 0-db shards from the explorer's node list, spread
 * over as many sites as possible, and keeps them (sticky) across later runs.
 *
 * Why a dynamic resource: the choice must be stable (a node that joins the grid later must not
 * move a shard) and known at `pulumi preview` (the planner runs on it). `check` resolves the
 * request and writes the chosen nodes into the checked inputs; the engine shows a to-be-created
 * resource's checked inputs as its outputs during preview, and once created, `check` reuses the
 * stored nodes for as long as the request is unchanged.
 *
 * This file holds the algorithm and the program-side resource; the provider that runs in the
 * provider host is placement-provider.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Node } from "../client/schemas";
import { resolveExplorerUrl, SETTINGS } from "../config";
import { ReferencedResource } from "../provider-reference";
import type { Props } from "./records";

/** What the user asks for: how many shards, from where, with how much free SSD each. */
export interface PlacementRequest {
  /** Number of shards (one node each). */
  count: number;
  /** Only nodes of these farms (ids). Default: any farm. */
  farms?: number[];
  /** Only nodes in these cities (exact `location.city`). Default: any city. */
  cities?: string[];
  /** Only nodes in these countries (exact `location.country`). Default: any country. */
  countries?: string[];
  /** Minimum free SSD per node in GiB (total − reserved `sru`). */
  minFreeSsdGiB: number;
  /** Never place a shard on these nodes. */
  excludeNodes?: string[];
  /** Never in these cities (exact `location.city`): e.g. a TLOG away from MinIO's city. */
  excludeCities?: string[];
}

/** A chosen node and its failure domains, as the planner needs them. */
export interface PlacedNode {
  nodeId: string;
  farmId: number;
  city: string;
  country: string;
}

/** A node counts as up when it reported within this window (as the JSX node finder did). */
export const NODE_FRESHNESS_SECONDS = 600;

/** The subset of an explorer node that placement reads. */
export type PlacementCandidate = Pick<
  Node,
  "node_id" | "farm_id" | "location" | "total_resources" | "reserved_resources" | "updated"
>;

/** The request with defaults applied and lists sorted, so equal requests compare equal. */
export function normalizeRequest(r: PlacementRequest): PlacementRequest {
  const sorted = <T>(xs: T[] | undefined): T[] =>
    [...(xs ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    count: r.count,
    farms: sorted(r.farms),
    cities: sorted(r.cities),
    countries: sorted(r.countries),
    minFreeSsdGiB: r.minFreeSsdGiB,
    excludeNodes: sorted(r.excludeNodes),
    // Only when set, so requests stored before the field existed still compare equal.
    ...(r.excludeCities?.length ? { excludeCities: sorted(r.excludeCities) } : {}),
  };
}

/** Human description of the filters, for messages: `farms 12775, 82872; ≥ 10 GiB free SSD`. */
export function describeRequest(r: PlacementRequest): string {
  const parts: string[] = [];
  if (r.farms?.length) parts.push(`farms ${r.farms.join(", ")}`);
  if (r.cities?.length) parts.push(`cities ${r.cities.join(", ")}`);
  if (r.countries?.length) parts.push(`countries ${r.countries.join(", ")}`);
  if (r.excludeNodes?.length) parts.push(`excluding ${r.excludeNodes.length} node(s)`);
  if (r.excludeCities?.length) parts.push(`not in ${r.excludeCities.join(", ")}`);
  parts.push(`≥ ${r.minFreeSsdGiB} GiB free SSD`);
  parts.push(`reported within ${NODE_FRESHNESS_SECONDS / 60} minutes`);
  return parts.join("; ");
}

/**
 * Chooses `count` nodes: keep nodes matching the filters with enough free SSD that reported
 * recently, then take them round-robin over cities (alphabetical by "City, Country"), and inside
 * a city round-robin over farms (ascending id), nodes by ascending id. The result is deterministic
 * for a given node list and spreads shards over as many cities, then farms, as there are.
 * @returns the nodes, or a problem sentence when there are not enough candidates.
 */
export function selectShardNodes(
  nodes: PlacementCandidate[],
  request: PlacementRequest,
  nowSeconds: number,
): { nodes: PlacedNode[] } | { problem: string } {
  const farms = new Set(request.farms ?? []);
  const cities = new Set(request.cities ?? []);
  const countries = new Set(request.countries ?? []);
  const excluded = new Set(request.excludeNodes ?? []);
  const notCities = new Set(request.excludeCities ?? []);
  const candidates = nodes.filter(
    (n) =>
      !notCities.has(n.location.city) &&
      (farms.size === 0 || farms.has(n.farm_id)) &&
      (cities.size === 0 || cities.has(n.location.city)) &&
      (countries.size === 0 || countries.has(n.location.country)) &&
      !excluded.has(n.node_id) &&
      n.total_resources.sru - Math.max(0, n.reserved_resources.sru) >= request.minFreeSsdGiB &&
      nowSeconds - n.updated <= NODE_FRESHNESS_SECONDS,
  );
  if (candidates.length < request.count) {
    return {
      problem: `only ${candidates.length} node(s) match (${describeRequest(request)}) but ${request.count} shards need one node each`,
    };
  }
  const byCity = new Map<string, Map<number, PlacementCandidate[]>>();
  for (const n of candidates) {
    const key = `${n.location.city}, ${n.location.country}`;
    const city = byCity.get(key) ?? new Map<number, PlacementCandidate[]>();
    byCity.set(key, city);
    city.set(n.farm_id, [...(city.get(n.farm_id) ?? []), n]);
  }
  // Each city yields its nodes farm-interleaved; cities are then interleaved.
  const queues = [...byCity.keys()].sort().map((key) => {
    const farmLists = [...byCity.get(key)!.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, list]) => [...list].sort((a, b) => (a.node_id < b.node_id ? -1 : 1)));
    return interleave(farmLists);
  });
  const chosen = interleave(queues).slice(0, request.count);
  return {
    nodes: chosen.map((n) => ({
      nodeId: n.node_id,
      farmId: n.farm_id,
      city: n.location.city,
      country: n.location.country,
    })),
  };
}

function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const l of lists) if (i < l.length) out.push(l[i]);
  }
  return out;
}

/**
 * The requested farm ids that no listed node belongs to, and the farm ids that have nodes (in
 * order). Checked before placing: a mistyped farm id would otherwise narrow the placement to the
 * other farms without a word.
 */
export function unknownFarms(
  nodes: readonly Pick<PlacementCandidate, "farm_id">[],
  farms: readonly number[],
): { unknown: number[]; known: number[] } {
  const known = new Set(nodes.map((n) => n.farm_id));
  return {
    unknown: farms.filter((f) => !known.has(f)),
    known: [...known].sort((a, b) => a - b),
  };
}

/**
 * The message for {@link unknownFarms}: `setting` is where the user wrote the ids
 * (`placement.farms`, `--farms`), `known` the farms with nodes as the caller can describe them.
 */
export function unknownFarmsMessage(setting: string, unknown: number[], known: string[]): string {
  return `${setting}: ${unknown.join(", ")} ${unknown.length === 1 ? "has" : "have"} no node on the explorer (farms with nodes: ${known.join(", ")}); check the farm ids (GET /farms, or npx tfgrid nodes)`;
}

/** What the engine sends for a value not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function sameRequest(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The check step with the node source injected (unit-testable): sticky reuse of `olds.nodes`
 * when the normalized request is unchanged, else a fresh selection.
 */
export async function checkPlacement(
  olds: Props,
  news: Props,
  listNodes: () => Promise<PlacementCandidate[]>,
  nowSeconds: number,
): Promise<pulumi.dynamic.CheckResult> {
  if (JSON.stringify(news.request ?? null).includes(UNKNOWN)) return { inputs: news };
  const request = normalizeRequest(news.request as PlacementRequest);
  if (
    Array.isArray(olds?.nodes) &&
    olds.nodes.length === request.count &&
    sameRequest(olds.request, request)
  ) {
    return { inputs: { request, nodes: olds.nodes } };
  }
  let all: PlacementCandidate[];
  try {
    all = await listNodes();
  } catch (e) {
    return {
      inputs: { request },
      failures: [
        {
          // The explorer's location is at fault, not the request: named as the setting, the
          // failure reads as a plain message (providers.ts engineFailures).
          property: SETTINGS.explorerUrl.key,
          reason: `cannot list nodes on the explorer to place shards: ${(e as Error).message}; start that explorer (npm run localgrid serves the local grid on 127.0.0.1:8080) or point tfgrid:explorerUrl (TFGRID_EXPLORER_URL) at a reachable one, or list the nodes yourself with shardNodes`,
        },
      ],
    };
  }
  const farms = unknownFarms(all, request.farms ?? []);
  if (farms.unknown.length > 0) {
    return {
      inputs: { request },
      failures: [
        {
          property: "request",
          reason: unknownFarmsMessage("placement.farms", farms.unknown, farms.known.map(String)),
        },
      ],
    };
  }
  const picked = selectShardNodes(all, request, nowSeconds);
  if ("problem" in picked) {
    return {
      inputs: { request },
      failures: [
        {
          property: "request",
          reason: `placement: ${picked.problem}; lower the shard count, allow more farms/cities/countries, or lower minFreeSsdGiB`,
        },
      ],
    };
  }
  return { inputs: { request, nodes: picked.nodes } };
}

/**
 * `tfgrid:explorerUrl`, then `TFGRID_EXPLORER_URL`, then the local grid — with the provider's
 * https-unless-loopback rule, so a placement never lists nodes over plain http to a remote host.
 * @throws ConfigError naming the setting and the fix.
 */
export function explorerUrlFrom(
  config: { get(key: string): string | undefined } | undefined,
  env: NodeJS.ProcessEnv,
): string {
  return resolveExplorerUrl(config, env);
}

/** Arguments of {@link ShardPlacement}. */
export interface ShardPlacementArgs {
  request: PlacementRequest;
}

/**
 * The nodes chosen for an archive's shards. Nothing is reserved on the grid: this records a
 * decision in the stack so later runs keep it. Changing the request re-places every shard.
 */
export class ShardPlacement extends ReferencedResource {
  declare readonly request: pulumi.Output<PlacementRequest>;
  /** The chosen nodes, in shard order. */
  declare readonly nodes: pulumi.Output<PlacedNode[]>;

  constructor(name: string, args: ShardPlacementArgs, opts?: pulumi.CustomResourceOptions) {
    super("ShardPlacement", name, { request: args.request, nodes: undefined }, opts);
  }
}
