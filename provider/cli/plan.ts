// `tfgrid plan`: the redundancy report of a layout — given, or chosen as S3Archive's placement
// would — without deploying.
import { parseArgs } from "util";
import { ExplorerClient } from "../client";
import {
  describeRequest,
  selectShardNodes,
  unknownFarms,
  unknownFarmsMessage,
  type PlacementRequest,
} from "../archive/placement";
import {
  formatRedundancyReport,
  planRedundancy,
  type NodePlace,
  type ShardLocation,
} from "../archive/planner";
import {
  commandOptions,
  commaList,
  explorerUrl,
  positiveInt,
  UsageError,
  type CliIo,
} from "./args";
import { print } from "./table";

const PLAN_OPTIONS = commandOptions(
  // prettier-ignore
  ["data", "parity", "size", "nodes", "count", "farms", "cities", "countries", "minio", "tlog", "standby"],
  ["require-site-tolerance"],
);

type PlanValues = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof PLAN_OPTIONS }>
>["values"];

/** The shards, in order, and the line saying what placement chose (empty for given nodes). */
interface Shards {
  shards: ShardLocation[];
  chosen: string;
}

/** Either --nodes or a placement request (--count …): exactly one of them, or a UsageError. */
function checkLayoutOptions(values: PlanValues, ids: string[]): boolean {
  const placing = [values.count, values.farms, values.cities, values.countries].some(
    (v) => v !== undefined,
  );
  if (ids.length > 0 && placing) {
    throw new UsageError("plan takes either --nodes or a placement request (--count …), not both");
  }
  if (ids.length === 0 && !placing) {
    throw new UsageError(
      "plan needs --nodes ID,ID,… (the shard nodes, in order) or a placement request (--count N [--farms ID,…])",
    );
  }
  if (placing && values.count === undefined) {
    throw new UsageError("a placement request needs --count N (the number of shards)");
  }
  return placing;
}

/** The same choice S3Archive's placement makes (minimum free SSD = the shard size). */
async function placedShards(
  client: ExplorerClient,
  values: PlanValues,
  sizeGiB: number,
): Promise<Shards> {
  const request: PlacementRequest = {
    count: positiveInt("count", values.count)!,
    farms: commaList(values.farms).map((f) => positiveInt("farms", f)!),
    cities: commaList(values.cities),
    countries: commaList(values.countries),
    minFreeSsdGiB: sizeGiB,
  };
  const nodes = await client.listNodes();
  const farms = unknownFarms(nodes, request.farms ?? []);
  if (farms.unknown.length > 0) {
    // With their names the right id is easy to pick; one more request, on this error path only.
    const names = new Map((await client.listFarms()).map((f) => [f.id, f.name]));
    const known = farms.known.map((id) =>
      names.has(id) ? `${id} (${names.get(id)})` : String(id),
    );
    throw new Error(unknownFarmsMessage("--farms", farms.unknown, known));
  }
  const picked = selectShardNodes(nodes, request, Math.floor(Date.now() / 1000));
  if ("problem" in picked) throw new Error(`placement: ${picked.problem}`);
  return {
    shards: picked.nodes.map((n) => ({ ...n, sizeGiB })),
    chosen: `Placement (${describeRequest(request)}) chose, in shard order: ${picked.nodes.map((n) => n.nodeId).join(", ")}\n\n`,
  };
}

/** Where a node is, from the shards already looked up or from the explorer. */
async function placeOf(
  client: ExplorerClient,
  shards: ShardLocation[],
  nodeId: string,
): Promise<NodePlace> {
  const known = shards.find((s) => s.nodeId === nodeId);
  if (known) return { nodeId, farmId: known.farmId, city: known.city, country: known.country };
  const node = await client.getNode(nodeId);
  return { nodeId, farmId: node.farm_id, city: node.location.city, country: node.location.country };
}

async function givenShards(
  client: ExplorerClient,
  ids: string[],
  sizeGiB: number,
): Promise<Shards> {
  const shards: ShardLocation[] = [];
  for (const nodeId of ids) shards.push({ ...(await placeOf(client, [], nodeId)), sizeGiB });
  return { shards, chosen: "" };
}

/** The metadata side: MinIO (default: the first shard's node, as S3Archive), TLOG, standby. */
async function metadataPlaces(client: ExplorerClient, shards: ShardLocation[], values: PlanValues) {
  const place = (nodeId: string | undefined) =>
    nodeId === undefined ? undefined : placeOf(client, shards, nodeId);
  const minio = (await place(values.minio)) ?? (await place(shards[0]?.nodeId));
  const tlog = await place(values.tlog);
  const standby = await place(values.standby);
  if (!minio) return {};
  return { metadata: { minio, ...(tlog ? { tlog } : {}), ...(standby ? { standby } : {}) } };
}

export async function plan(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({ args, options: PLAN_OPTIONS });
  const dataShards = positiveInt("data", values.data ?? "4")!;
  const parityShards = positiveInt("parity", values.parity ?? "2")!;
  const sizeGiB = positiveInt("size", values.size ?? "10")!;
  const ids = commaList(values.nodes);
  const placing = checkLayoutOptions(values, ids);
  const client = new ExplorerClient({ baseUrl: explorerUrl(values, io.env) });
  const { shards, chosen } = placing
    ? await placedShards(client, values, sizeGiB)
    : await givenShards(client, ids, sizeGiB);
  const report = planRedundancy({
    shards,
    dataShards,
    parityShards,
    requireSiteFailureTolerance: values["require-site-tolerance"] ?? false,
    ...(await metadataPlaces(client, shards, values)),
  });
  print(io, values.json, report, () => chosen + formatRedundancyReport(report) + "\n");
}
