// `tfgrid nodes`: nodes with their site, free capacity and whether they can serve user access.
import { parseArgs } from "util";
import { ExplorerClient, type Node } from "../client";
import { commandOptions, explorerUrl, positiveInt, type CliIo } from "./args";
import { counted, formatTable, print } from "./table";

/** Free capacity the way the SDK's node finder computed it: total − max(0, reserved). */
function free(node: Node, unit: "cru" | "mru" | "sru" | "hru"): number {
  return node.total_resources[unit] - Math.max(0, node.reserved_resources[unit]);
}

/** A user access point enters through a public IPv4 (the Network resource's default). */
function canServeAccess(node: Node): boolean {
  return Boolean(node.public_config?.ipv4);
}

function nodeRow(n: Node) {
  return {
    nodeId: n.node_id,
    farmId: n.farm_id,
    city: n.location.city,
    country: n.location.country,
    freeCru: free(n, "cru"),
    freeMruGiB: free(n, "mru"),
    freeSruGiB: free(n, "sru"),
    freeHruGiB: free(n, "hru"),
    userAccess: canServeAccess(n),
  };
}

const HEADER = [
  "NODE",
  "FARM",
  "SITE",
  "FREE CRU",
  "FREE MRU GiB",
  "FREE SRU GiB",
  "FREE HRU GiB",
  "USER ACCESS",
];

export async function nodes(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: commandOptions(["farm", "city", "min-sru"]),
  });
  const minSru = positiveInt("min-sru", values["min-sru"]) ?? 0;
  const client = new ExplorerClient({ baseUrl: explorerUrl(values, io.env) });
  const list = (
    await client.listNodes({ farm: positiveInt("farm", values.farm), city: values.city })
  ).filter((n) => free(n, "sru") >= minSru);
  const rows = list.map(nodeRow);
  print(io, values.json, rows, () => {
    const cells = rows.map((r) => [
      r.nodeId,
      String(r.farmId),
      `${r.city}, ${r.country}`,
      String(r.freeCru),
      String(r.freeMruGiB),
      String(r.freeSruGiB),
      String(r.freeHruGiB),
      r.userAccess ? "yes (public IPv4)" : "no",
    ]);
    return formatTable(HEADER, cells) + `\n${counted(rows.length, "node")}\n`;
  });
}
