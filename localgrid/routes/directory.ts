/**
 * Directory routes: farms and nodes (docs/protocol.md#farms, docs/protocol.md#nodes), read-only
 * views of the grid.
 */
import { reservedOf, workloadCounters } from "../node-runtime";
import type { GridNode } from "../node-runtime";
import { pagedReply } from "../paging";
import type { Store } from "../store";
import { badRequest, notFound } from "../errors";
import { ok, route } from "../http";
import type { RouteDef } from "../http";
import type { FarmDefinition } from "../grid";

export interface DirectoryContext {
  store: Store;
  isDown(nodeId: string): boolean;
  startedAt: number;
}

function farmView(f: FarmDefinition): Record<string, unknown> {
  return {
    id: f.id,
    threebot_id: f.threebot_id,
    iyo_organization: "",
    name: f.name,
    wallet_addresses: f.wallet_addresses,
    location: f.location,
    email: "",
    resource_prices: [],
    prefix_zero: "",
  };
}

/** The Node object; `reserved_resources` comes from what the simulated node holds. */
export function nodeView(ctx: DirectoryContext, n: GridNode): Record<string, unknown> {
  const { store } = ctx;
  const id = n.keys.nodeId;
  const rt = store.nodeRuntime(id);
  const now = store.now();
  const reserved = reservedOf(rt);
  const ports = new Set(n.def.wg_ports ?? []);
  for (const net of Object.values(rt.networks)) ports.add(net.port);
  const ipv6Addr = n.def.ipv6.split("/")[0];
  const gw6 = `${ipv6Addr.split("::")[0]}::1`;
  return {
    id: n.index + 1,
    node_id: id,
    hostname: n.def.hostname ?? id,
    node_id_v1: "",
    farm_id: n.def.farm_id,
    os_version: "localgrid",
    created: ctx.startedAt,
    // A down node looks stale (> 10 minutes) so clients' "up" check skips it.
    updated: ctx.isDown(id) ? now - 3600 : now,
    uptime: Math.max(0, now - ctx.startedAt),
    address: "",
    location: n.def.location ?? n.farm.location,
    total_resources: n.def.total_resources,
    used_resources: reserved,
    reserved_resources: reserved,
    workloads: workloadCounters(rt),
    proofs: [],
    ifaces: [{ name: "zos", addrs: [n.def.ipv6], gateway: [gw6], macaddress: "" }],
    public_config: n.def.public_ipv4
      ? {
          master: "eth1",
          type: 0,
          ipv4: n.def.public_ipv4,
          ipv6: n.def.ipv6,
          gw4: n.def.public_gw4 ?? "",
          gw6,
          version: 1,
        }
      : null,
    wg_ports: [...ports].sort((a, b) => a - b),
    free_to_use: true,
    approved: true,
    public_key_hex: n.keys.publicKeyHex,
  };
}

function intParam(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  if (v === null || v === "") return 0;
  if (!/^\d+$/.test(v)) throw badRequest(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function directoryRoutes(ctx: DirectoryContext): RouteDef[] {
  const { store } = ctx;
  const farms = store.grid.farms;
  return [
    route("GET", "/explorer/farms", ({ query }) => {
      const owner = intParam(query, "owner");
      const name = query.get("name");
      const all = farms.filter(
        (f) => (!owner || f.threebot_id === owner) && (!name || f.name === name),
      );
      return pagedReply(all, query, (items) => items.map(farmView));
    }),
    route("GET", "/explorer/farms/{farm_id}", ({ params }) => {
      if (!/^\d+$/.test(params.farm_id))
        throw badRequest(`invalid farm id ${JSON.stringify(params.farm_id)}`);
      const f = farms.find((x) => x.id === Number(params.farm_id));
      if (!f) throw notFound(`farm ${params.farm_id} not found`);
      return ok(farmView(f));
    }),
    route("GET", "/explorer/nodes", ({ query }) => {
      const farm = intParam(query, "farm");
      const country = query.get("country");
      const city = query.get("city");
      // Capacity filters compare against totals, not free capacity (docs/protocol.md#nodes).
      const min = {
        cru: intParam(query, "cru"),
        mru: intParam(query, "mru"),
        sru: intParam(query, "sru"),
        hru: intParam(query, "hru"),
      };
      const all = store.nodeOrder
        .map((id) => store.nodes.get(id)!)
        .filter((n) => {
          const loc = n.def.location ?? n.farm.location;
          const t = n.def.total_resources;
          return (
            (!farm || n.def.farm_id === farm) &&
            (!country || loc.country === country) &&
            (!city || loc.city === city) &&
            t.cru >= min.cru &&
            t.mru >= min.mru &&
            t.sru >= min.sru &&
            t.hru >= min.hru
          );
        });
      return pagedReply(all, query, (items) => items.map((n) => nodeView(ctx, n)));
    }),
    route("GET", "/explorer/nodes/{node_id}", ({ params }) => {
      const n = store.nodes.get(params.node_id);
      if (!n) throw notFound(`node ${params.node_id} not found`);
      return ok(nodeView(ctx, n));
    }),
  ];
}
