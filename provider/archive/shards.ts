/**
 * Where an archive's shards are: nodes the user listed (completed with farm and location from the
 * explorer when not given) or nodes a sticky `ShardPlacement` chose.
 */
import * as pulumi from "@pulumi/pulumi";
import { ExplorerClient } from "../client/explorer";
import { ExplorerNotFoundError } from "../client/errors";
import { DEFAULTS, type Resolved, type S3ArchiveArgs, type ShardNodeInfo } from "./args";
import { ShardPlacement, explorerUrlFrom } from "./placement";
import type { ShardLocation } from "./planner";
import type { S3ArchiveProblem } from "./problems";

/** Resolves shard nodes given as ids to their farm and location. Injectable for tests. */
export type NodeLookup = (nodeId: string) => Promise<Omit<ShardNodeInfo, "nodeId"> | undefined>;

/** The shards in shard order, with the problems found locating them (unknown nodes). */
export interface LocatedShards {
  shards: ShardLocation[];
  problems: S3ArchiveProblem[];
}

/** A full stack config key such as `"tfgrid:explorerUrl"`, read in the program. */
export function stackConfigValue(key: string): string | undefined {
  const [namespace, name] = key.split(":");
  return new pulumi.Config(namespace).get(name);
}

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

/** The explorer of the program's stack config. @throws ConfigError on a bad `tfgrid:explorerUrl`. */
export function stackNodeLookup(): NodeLookup {
  return explorerNodeLookup(explorerUrlFrom({ get: stackConfigValue }, process.env));
}

const isComplete = (n: ShardNodeInfo): boolean =>
  n.farmId !== undefined && n.city !== undefined && n.country !== undefined;

/** Completes explicit shard entries with farm and location; unknown nodes become problems. */
export async function locateShards(
  entries: ShardNodeInfo[],
  sizeGiB: number,
  lookup: NodeLookup | undefined,
): Promise<LocatedShards> {
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

/**
 * The construction step that finds the shards: explicit `shardNodes` (looked up only when an
 * entry lacks its location), or `<name>-placement`, a sticky placement of `placement`.
 */
export function resolveShards(
  name: string,
  args: S3ArchiveArgs,
  r: Resolved,
  parent: pulumi.Resource,
  nodeLookup: NodeLookup | undefined,
): pulumi.Output<LocatedShards> {
  if (args.placement) {
    const p = args.placement;
    const request = {
      count: p.count,
      farms: p.farms,
      cities: p.cities,
      countries: p.countries,
      minFreeSsdGiB: p.minFreeSsdGiB ?? DEFAULTS.minFreeSsdGiB(r.zdbSizeGiB),
      excludeNodes: p.excludeNodes,
    };
    const placement = new ShardPlacement(`${name}-placement`, { request }, { parent });
    return placement.nodes.apply((nodes) => ({
      shards: nodes.map((n) => ({ ...n, sizeGiB: r.zdbSizeGiB })),
      problems: [],
    }));
  }
  const entries = (args.shardNodes ?? []).map((n) => (typeof n === "string" ? { nodeId: n } : n));
  const lookup = nodeLookup ?? (entries.every(isComplete) ? undefined : stackNodeLookup());
  return pulumi.output(locateShards(entries, r.zdbSizeGiB, lookup));
}
