/**
 * The grid definition (farms and nodes) and the zero-configuration default grid: the reference
 * scenario's Salzburg and Vienna farms plus a third site, 8 nodes each, with deterministic
 * identities so node ids are stable across starts.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { seedFromLabel } from "./crypto";

const locationSchema = z.object({
  city: z.string(),
  country: z.string(),
  continent: z.string(),
  latitude: z.number(),
  longitude: z.number(),
});

const resourcesSchema = z.object({
  cru: z.number().int().nonnegative(),
  mru: z.number().nonnegative(),
  hru: z.number().nonnegative(),
  sru: z.number().nonnegative(),
});

const farmSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().regex(/^[a-zA-Z0-9-_]+$/),
  threebot_id: z.number().int().positive(),
  location: locationSchema,
  wallet_addresses: z.array(z.object({ asset: z.string(), address: z.string() })),
});

const nodeSchema = z.object({
  /** 32-byte hex seed; the node id is base58 of the ed25519 public key derived from it. */
  seedHex: z.string().regex(/^[0-9a-fA-F]{64}$/),
  farm_id: z.number().int().positive(),
  hostname: z.string().optional(),
  location: locationSchema.optional(),
  /** GiB for mru/hru/sru, vCPU for cru. */
  total_resources: resourcesSchema,
  /** The node's public IPv6 with its /64, e.g. "2a02:1802:5e:3075::10/64". */
  ipv6: z.string().regex(/^[0-9a-fA-F:]+\/64$/),
  /** Optional public IPv4 endpoint ("a.b.c.d/24") for user (WireGuard) access. */
  public_ipv4: z.string().optional(),
  public_gw4: z.string().optional(),
  /** WireGuard ports already in use on the node. */
  wg_ports: z.array(z.number().int()).optional(),
});

export const gridSchema = z.object({
  farms: z.array(farmSchema).min(1),
  nodes: z.array(nodeSchema).min(1),
});

export type GridDefinition = z.infer<typeof gridSchema>;
export type FarmDefinition = z.infer<typeof farmSchema>;
export type NodeDefinition = z.infer<typeof nodeSchema>;
export type Resources = z.infer<typeof resourcesSchema>;
export type Location = z.infer<typeof locationSchema>;

/** Validates a grid definition and that every node's farm exists. */
export function parseGrid(value: unknown): GridDefinition {
  const grid = gridSchema.parse(value);
  const farms = new Set(grid.farms.map((f) => f.id));
  for (const n of grid.nodes) {
    if (!farms.has(n.farm_id)) throw new Error(`grid: node farm_id ${n.farm_id} has no farm`);
  }
  return grid;
}

export function loadGridFile(path: string): GridDefinition {
  return parseGrid(JSON.parse(readFileSync(path, "utf8")));
}

const SITES: { farm: FarmDefinition; v6: string; v4: string }[] = [
  {
    farm: {
      id: 12775,
      name: "salzburg",
      threebot_id: 1001,
      location: {
        city: "Salzburg",
        country: "Austria",
        continent: "Europe",
        latitude: 47.8095,
        longitude: 13.055,
      },
      wallet_addresses: [{ asset: "TFT", address: "" }],
    },
    v6: "2a02:1802:5e:3075",
    v4: "185.69.166",
  },
  {
    farm: {
      id: 82872,
      name: "vienna",
      threebot_id: 1002,
      location: {
        city: "Vienna",
        country: "Austria",
        continent: "Europe",
        latitude: 48.2082,
        longitude: 16.3738,
      },
      wallet_addresses: [{ asset: "TFT", address: "" }],
    },
    v6: "2a04:7700:1003:82",
    v4: "198.51.100",
  },
  {
    farm: {
      id: 71,
      name: "ghent",
      threebot_id: 1003,
      location: {
        city: "Ghent",
        country: "Belgium",
        continent: "Europe",
        latitude: 51.0543,
        longitude: 3.7174,
      },
      wallet_addresses: [{ asset: "TFT", address: "" }],
    },
    v6: "2a02:2788:864:71",
    v4: "203.0.113",
  },
];

export const NODES_PER_FARM = 8;

/** The default grid: 3 farms × 8 nodes; the first node of each farm has a public IPv4. */
export function defaultGrid(): GridDefinition {
  const nodes: NodeDefinition[] = [];
  for (const site of SITES) {
    for (let i = 0; i < NODES_PER_FARM; i++) {
      nodes.push({
        seedHex: seedFromLabel(`localgrid-node-${site.farm.id}-${i}`),
        farm_id: site.farm.id,
        hostname: `${site.farm.name}-${i + 1}`,
        location: site.farm.location,
        total_resources: { cru: 16, mru: 64, hru: 4096, sru: 1024 },
        ipv6: `${site.v6}::${(i + 16).toString(16)}/64`,
        ...(i === 0 ? { public_ipv4: `${site.v4}.${10 + i}/24`, public_gw4: `${site.v4}.1` } : {}),
        ...(i === 0 ? { wg_ports: [6831] } : {}),
      });
    }
  }
  return { farms: SITES.map((s) => s.farm), nodes };
}
