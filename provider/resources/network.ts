import * as pulumi from "@pulumi/pulumi";
import { providerReference } from "../provider-reference";
import { z } from "zod";
import { sealForNode } from "../crypto";
import type { ProviderConfig } from "../config";
import type { Node } from "../client/schemas";
import { isNotFound } from "../client/errors";
import { ExplorerClient } from "../client/explorer";
import { PORTS_MAX_AGE_MS, getNodeCached } from "../nodecache";
import {
  allocateSubnets,
  freeSubnetFromTop,
  isPrivateRange,
  isSubnetOf,
  networkOf,
  overlaps,
  parseCidr,
  SubnetError,
} from "../network/subnets";
import {
  buildPeers,
  generateWgKeyPair,
  nodeEndpoints,
  pickListenPort,
  wgQuickConfig,
  type NodeNetInfo,
} from "../network/wireguard";
import { isGone, NEXT_ACTION } from "../reservation";
import { makeProvider, withDuration, WORKLOAD_ID, type Props, type ResourceSpec } from "./common";
import {
  bool,
  durationSchema,
  isUnknown,
  known,
  nodeIdSchema,
  UNKNOWN,
  validate,
  type Failure,
} from "./validation";

/** A user access point: a /24 for the user's machine, entering through a public node. */
export interface NetworkAccessArgs {
  /** Member node with a public endpoint of the requested family. */
  nodeId: pulumi.Input<string>;
  /** The user's /24 inside the network. Default: the highest free /24 (e.g. x.y.254.0/24). */
  subnet?: pulumi.Input<string>;
  /** Dial the node's IPv4 (true) or IPv6 (false) endpoint. Default true. */
  ipv4?: pulumi.Input<boolean>;
}

/** Arguments of an overlay network. */
export interface NetworkArgs {
  /** Network name; containers join it by this name. */
  name: pulumi.Input<string>;
  /** Private /16 (RFC 1918, outside 100.64.0.0/10), e.g. `172.20.0.0/16`. */
  ipRange: pulumi.Input<string>;
  /** Member nodes; each gets one /24. */
  nodes: pulumi.Input<pulumi.Input<string>[]>;
  /** Pinned /24s per node (others are allocated, and kept stable across updates). */
  nodeSubnets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Optional user access point; yields the `wireguardConfig` output. */
  addAccess?: pulumi.Input<NetworkAccessArgs>;
  /** Reservation length in hours. Default: config `tfgrid:durationHours` (24). */
  durationHours?: pulumi.Input<number>;
}

const nameSchema = (): z.ZodTypeAny =>
  z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(v)) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v) ?? "(missing)"} is not a network name; use 1-64 letters, digits, "_", "-" or "."`,
      });
    }
  });

const CGNAT = parseCidr("100.64.0.0/10");

const ipRangeSchema = (): z.ZodTypeAny =>
  z.unknown().superRefine((v, ctx) => {
    const c = typeof v === "string" ? parseCidr(v) : undefined;
    const bad = (why: string) =>
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v) ?? "(missing)"} ${why}; use a private /16 such as "172.20.0.0/16"`,
      });
    if (!c) return bad("is not a CIDR");
    if (c.prefix !== 16) return bad(`is a /${c.prefix}, not a /16`);
    if (networkOf(c) !== c.base) return bad("has host bits set");
    if (CGNAT && overlaps(c, CGNAT))
      return bad("overlaps 100.64.0.0/10, which zos uses for routing");
    if (!isPrivateRange(c)) return bad("is not private (RFC 1918)");
  });

const schema = () =>
  z.object({
    name: known(nameSchema()),
    ipRange: known(ipRangeSchema()),
    nodes: known(
      z.array(known(nodeIdSchema())).min(1, "a network needs at least one node; list node ids"),
    ),
    durationHours: known(durationSchema()),
    addAccess: known(
      z.object({
        nodeId: known(nodeIdSchema()),
        subnet: known(z.string()).optional(),
        ipv4: known(bool("addAccess.ipv4")),
      }),
    ).optional(),
  });

const hasUnknown = (v: unknown) => JSON.stringify(v ?? null).includes(UNKNOWN);

type Access = { nodeId: string; subnet: string; ipv4: boolean };

function crossChecks(p: Props): Failure[] {
  const out: Failure[] = [];
  const nodes = Array.isArray(p.nodes) ? (p.nodes as unknown[]) : [];
  nodes.forEach((n, i) => {
    if (!isUnknown(n) && nodes.indexOf(n) !== i) {
      out.push({
        property: `nodes.${i}`,
        reason: `node ${String(n)} is listed twice; list each node once`,
      });
    }
  });
  const range = typeof p.ipRange === "string" ? parseCidr(p.ipRange) : undefined;
  const pins = (p.nodeSubnets ?? {}) as Record<string, unknown>;
  if (typeof pins !== "object" || Array.isArray(pins)) {
    out.push({ property: "nodeSubnets", reason: "nodeSubnets must map node ids to /24 CIDRs" });
    return out;
  }
  for (const [node, s] of Object.entries(pins)) {
    if (isUnknown(s)) continue;
    if (!nodes.includes(node) && !isUnknown(p.nodes)) {
      out.push({
        property: `nodeSubnets.${node}`,
        reason: `node ${node} is not in nodes; add it to nodes or remove the pin`,
      });
    }
    if (
      range &&
      typeof p.ipRange === "string" &&
      (typeof s !== "string" || !isSubnetOf(range, s))
    ) {
      out.push({
        property: `nodeSubnets.${node}`,
        reason: `${JSON.stringify(s)} is not a /24 of ${p.ipRange}; use e.g. "${p.ipRange.replace(/\.0\.0\/16$/, ".15.0/24")}"`,
      });
    }
  }
  const a = p.addAccess as Partial<Access> | undefined;
  if (
    a &&
    typeof a === "object" &&
    !isUnknown(a.nodeId) &&
    !isUnknown(p.nodes) &&
    !nodes.includes(a.nodeId)
  ) {
    out.push({
      property: "addAccess.nodeId",
      reason: `access node ${String(a.nodeId)} is not in nodes; add it to nodes`,
    });
  }
  if (
    a &&
    typeof a.subnet === "string" &&
    range &&
    typeof p.ipRange === "string" &&
    !isSubnetOf(range, a.subnet)
  ) {
    out.push({
      property: "addAccess.subnet",
      reason: `${JSON.stringify(a.subnet)} is not a /24 of ${p.ipRange}; pick a free /24 of the network`,
    });
  }
  return out;
}

async function lookupNodes(
  config: ProviderConfig,
  ids: string[],
): Promise<{ nodes: Record<string, Node>; failures: Failure[] }> {
  const client = new ExplorerClient({ baseUrl: config.explorerUrl });
  const nodes: Record<string, Node> = {};
  const failures: Failure[] = [];
  await Promise.all(
    ids.map(async (id, i) => {
      try {
        nodes[id] = await getNodeCached(client, config.explorerUrl, id, PORTS_MAX_AGE_MS);
      } catch (e) {
        failures.push(
          isNotFound(e)
            ? {
                property: `nodes.${i}`,
                reason: `node ${id} is not known to the explorer at ${config.explorerUrl}; pick one from GET /nodes`,
              }
            : {
                property: `nodes.${i}`,
                reason: `could not look up node ${id} at ${config.explorerUrl}: ${(e as Error).message}`,
              },
        );
      }
    }),
  );
  return { nodes, failures };
}

/**
 * Live networks of the identity `tid` named `name` on any of `nodes`, beyond those this resource
 * may own: zos names a node's network after the owner's tid and the network name, so a second
 * network of one identity with one name on one node replaces the first there (and destroying
 * either removes the other's). `ownedOn` are nodes where this resource's own deployed network
 * (the old state's, same name) sits: one such network is allowed there. The old state does not
 * carry its reservation id into check, hence a count rather than an id.
 */
export async function foreignSameNameNetworks(
  client: ExplorerClient,
  tid: number,
  name: string,
  nodes: string[],
  ownedOn: string[],
): Promise<{ node: string; reservationIds: number[] }[]> {
  const now = Math.floor(Date.now() / 1000);
  // Deployed ones only: an identity's history of deleted reservations can be long.
  const live = (
    await client.listReservations({ customer_tid: tid, next_action: NEXT_ACTION.deploy })
  ).filter((r) => !isGone(r, now));
  const out: { node: string; reservationIds: number[] }[] = [];
  for (const node of nodes) {
    const ids = live
      .filter((r) =>
        (r.data_reservation.networks ?? []).some((n) => {
          const net = n as { name?: unknown; network_resources?: { node_id?: unknown }[] | null };
          return (
            net.name === name && (net.network_resources ?? []).some((nr) => nr.node_id === node)
          );
        }),
      )
      .map((r) => r.id);
    if (ids.length > (ownedOn.includes(node) ? 1 : 0)) out.push({ node, reservationIds: ids });
  }
  return out;
}

/** The refusal of a same-name network, naming the setting and the fix (docs/troubleshooting.md). */
export function sameNameProblem(
  name: string,
  tid: number,
  clash: { node: string; reservationIds: number[] },
): string {
  return (
    `network name ${JSON.stringify(name)} is already used by tid ${tid} on node ${clash.node} ` +
    `(reservation ${clash.reservationIds.join(", ")}), which this stack does not own: two ` +
    `networks of one identity with one name on one node replace each other; pick another name ` +
    `(Network name, S3Archive network.name, or s3:networkName in the example stack) or destroy ` +
    `the stack that owns it`
  );
}

/**
 * Defaults, subnet allocation and listen ports. Subnets and ports come from the old state when it
 * is the same network, so adding a node never renumbers the others; WireGuard keys are NOT made
 * here (check's result is stored as plain inputs).
 */
async function checkNetwork(news: Props, olds: Props, config: ProviderConfig | undefined) {
  const inputs: Props = {
    name: news.name,
    ipRange: news.ipRange,
    nodes: news.nodes,
    durationHours: withDuration(news, config),
  };
  const rawAccess = news.addAccess as Partial<Access> | undefined;
  if (rawAccess !== undefined) {
    inputs.addAccess = isUnknown(rawAccess)
      ? rawAccess
      : { ...rawAccess, ipv4: rawAccess.ipv4 ?? true };
  }
  inputs.nodeSubnets = news.nodeSubnets ?? {};
  const failures = [...validate(schema(), inputs), ...crossChecks(inputs)];
  if (
    failures.length > 0 ||
    hasUnknown([news.name, news.ipRange, news.nodes, news.nodeSubnets, news.addAccess])
  ) {
    if (failures.length === 0) {
      inputs.nodeSubnets = UNKNOWN;
      inputs.listenPorts = UNKNOWN;
    }
    return { inputs, failures };
  }
  const ipRange = String(inputs.ipRange);
  const nodes = inputs.nodes as string[];
  const pinned = inputs.nodeSubnets as Record<string, string>;
  const same = olds.ipRange === ipRange && olds.name === inputs.name;
  const previous = same ? (olds.nodeSubnets as Record<string, string> | undefined) : undefined;
  const access = inputs.addAccess as Access | undefined;
  try {
    if (access) {
      const oldAccess = same ? (olds.addAccess as Access | undefined)?.subnet : undefined;
      const taken = [
        ...Object.values(pinned),
        ...Object.entries(previous ?? {})
          .filter(([n]) => nodes.includes(n))
          .map(([, s]) => s),
      ];
      access.subnet =
        access.subnet ??
        (oldAccess && !taken.includes(oldAccess) ? oldAccess : freeSubnetFromTop(ipRange, taken));
      if (Object.values(pinned).includes(access.subnet)) {
        failures.push({
          property: "addAccess.subnet",
          reason: `${access.subnet} is also a node's /24; pick another /24`,
        });
      }
    }
    inputs.nodeSubnets = allocateSubnets({
      ipRange,
      nodes,
      pinned,
      previous,
      reserved: access ? [access.subnet] : [],
    });
  } catch (e) {
    if (!(e instanceof SubnetError)) throw e;
    failures.push({
      property: "nodeSubnets",
      reason: `${e.message}; use a fresh /16 or fewer nodes`,
    });
    return { inputs, failures };
  }
  const oldPorts = (same ? olds.listenPorts : undefined) as Record<string, number> | undefined;
  let looked: Record<string, Node> = {};
  if (config) {
    const r = await lookupNodes(config, nodes);
    looked = r.nodes;
    failures.push(...r.failures);
    failures.push(...(await sameNameFailures(config, inputs, olds)));
  }
  const ports: Record<string, number> = {};
  for (const n of nodes)
    ports[n] = oldPorts?.[n] ?? pickListenPort(String(inputs.name), n, looked[n]?.wg_ports ?? []);
  inputs.listenPorts = ports;
  if (access && looked[access.nodeId]) {
    const ep = nodeEndpoints(looked[access.nodeId] as NodeNetInfo);
    if (access.ipv4 && !ep.ipv4) {
      failures.push({
        property: "addAccess.nodeId",
        reason: `node ${access.nodeId} has no public IPv4 endpoint; pick a node with a public IPv4 or set addAccess.ipv4 to false`,
      });
    } else if (!access.ipv4 && !ep.ipv6) {
      failures.push({
        property: "addAccess.nodeId",
        reason: `node ${access.nodeId} has no public IPv6 endpoint; pick a node with a public IPv6 or set addAccess.ipv4 to true`,
      });
    }
  }
  return { inputs, failures };
}

// Networks whose old state this provider process has checked, by tid, name and new nodes: when
// the engine plans a replacement it calls check a second time without the old inputs (to
// recompute defaults), and that second check must still know the live network of the same name
// is this resource's own, not another stack's.
const OWNED_SLOT = "__pulumiTfgridOwnedNetworks";

function ownedNodes(tid: number, name: string, nodes: string[], olds: Props): string[] {
  const slots = process as unknown as Record<string, Map<string, string[]> | undefined>;
  const owned = (slots[OWNED_SLOT] ??= new Map());
  const key = `${tid} ${name} ${JSON.stringify(nodes)}`;
  if (olds.name === name && Array.isArray(olds.nodes)) {
    owned.set(key, olds.nodes as string[]);
    return olds.nodes as string[];
  }
  return Object.keys(olds).length === 0 ? (owned.get(key) ?? []) : [];
}

/** check's same-name refusal: one failure per clashing node, on the `name` property. */
async function sameNameFailures(
  config: ProviderConfig,
  inputs: Props,
  olds: Props,
): Promise<Failure[]> {
  const name = String(inputs.name);
  const nodes = inputs.nodes as string[];
  // The old state's network (same name) is this resource's own: allowed once on its nodes.
  const ownedOn = ownedNodes(config.tid, name, nodes, olds);
  try {
    const client = new ExplorerClient({ baseUrl: config.explorerUrl });
    const clashes = await foreignSameNameNetworks(client, config.tid, name, nodes, ownedOn);
    return clashes.map((c) => ({ property: "name", reason: sameNameProblem(name, config.tid, c) }));
  } catch (e) {
    return [
      {
        property: "name",
        reason: `could not list the reservations of tid ${config.tid} at ${config.explorerUrl} to check that network name ${JSON.stringify(name)} is free: ${(e as Error).message}`,
      },
    ];
  }
}

/** Builds the network workload; returns it with the outputs that exist before deploy. */
export function networkWorkload(
  p: Props,
  nodes: Record<string, NodeNetInfo>,
  keys: Record<string, { privateKey: string; publicKey: string }>,
  userKey?: { privateKey: string; publicKey: string },
): { workload: object; wireguardConfig?: string } {
  const ids = p.nodes as string[];
  const subnets = p.nodeSubnets as Record<string, string>;
  const ports = p.listenPorts as Record<string, number>;
  const access = p.addAccess as Access | undefined;
  const members = ids.map((id) => ({
    nodeId: id,
    subnet: subnets[id],
    publicKey: keys[id].publicKey,
    port: ports[id],
    endpoints: nodeEndpoints(nodes[id]),
  }));
  const peers = buildPeers(
    members,
    access && userKey
      ? { nodeId: access.nodeId, subnet: access.subnet, publicKey: userKey.publicKey }
      : undefined,
  );
  const workload = {
    name: p.name,
    workload_id: WORKLOAD_ID,
    iprange: p.ipRange,
    stats_aggregator: [],
    network_resources: members.map((m) => ({
      node_id: m.nodeId,
      wireguard_private_key_encrypted: sealForNode(
        nodes[m.nodeId].public_key_hex,
        keys[m.nodeId].privateKey,
      ),
      wireguard_public_key: m.publicKey,
      wireguard_listen_port: m.port,
      iprange: m.subnet,
      peers: peers[m.nodeId],
    })),
    farmer_tid: 0,
  };
  if (!access || !userKey) return { workload };
  const m = members.find((x) => x.nodeId === access.nodeId);
  if (!m)
    throw new Error(`access node ${access.nodeId} is not a member of network ${String(p.name)}`);
  const host = access.ipv4 ? m.endpoints.ipv4 : m.endpoints.ipv6 && `[${m.endpoints.ipv6}]`;
  if (!host) {
    throw new Error(
      `access node ${access.nodeId} has no public ${access.ipv4 ? "IPv4" : "IPv6"} endpoint`,
    );
  }
  return {
    workload,
    wireguardConfig: wgQuickConfig({
      accessSubnet: access.subnet,
      privateKey: userKey.privateKey,
      nodePublicKey: m.publicKey,
      ipRange: String(p.ipRange),
      endpoint: `${host}:${m.port}`,
    }),
  };
}

export const networkSpec: ResourceSpec = {
  type: "Network",
  inputKeys: [
    "name",
    "ipRange",
    "nodes",
    "nodeSubnets",
    "listenPorts",
    "addAccess",
    "durationHours",
  ],
  check: checkNetwork,
  deleteBeforeReplace(olds, news) {
    // Same name on a shared node: the node's network id (hash of tid + name) would clash.
    const a = (olds.nodes ?? []) as string[];
    const b = news.nodes;
    return olds.name === news.name && (!Array.isArray(b) || a.some((n) => b.includes(n)));
  },
  async build(inputs, ctx) {
    const ids = inputs.nodes as string[];
    // Again just before registering: another stack may have taken the name since preview. A
    // replaced network sharing a node with the new one is deleted first (deleteBeforeReplace).
    const name = String(inputs.name);
    const clashes = await foreignSameNameNetworks(ctx.client, ctx.identity.tid, name, ids, []);
    if (clashes.length > 0) throw new Error(sameNameProblem(name, ctx.identity.tid, clashes[0]));
    const nodes: Record<string, Node> = {};
    // Read again unless check read it moments ago: a port may have been taken since.
    for (const id of ids)
      nodes[id] = await getNodeCached(ctx.client, ctx.config.explorerUrl, id, PORTS_MAX_AGE_MS);
    const ports = { ...(inputs.listenPorts as Record<string, number>) };
    for (const id of ids) {
      // The port was free at check time; someone may have taken it since.
      if ((nodes[id].wg_ports ?? []).includes(ports[id])) {
        ports[id] = pickListenPort(String(inputs.name), id, nodes[id].wg_ports ?? []);
      }
    }
    const keys = Object.fromEntries(ids.map((id) => [id, generateWgKeyPair()]));
    const p = { ...inputs, listenPorts: ports };
    const userKey = inputs.addAccess ? generateWgKeyPair() : undefined;
    const { workload, wireguardConfig } = networkWorkload(
      p,
      nodes as Record<string, NodeNetInfo>,
      keys,
      userKey,
    );
    return {
      lists: { networks: [workload] },
      what: "network",
      nodeIds: ids,
      outputs: {
        listenPorts: ports,
        wireguardPublicKeys: Object.fromEntries(ids.map((id) => [id, keys[id].publicKey])),
        ...(wireguardConfig !== undefined ? { wireguardConfig } : {}),
      },
    };
  },
  results: () => ({}),
};

export const networkProvider = makeProvider(networkSpec);

/** An overlay network: one reservation holding one network workload with one resource per node. */
export class Network extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly ipRange: pulumi.Output<string>;
  declare readonly nodes: pulumi.Output<string[]>;
  /** node id → its /24. */
  declare readonly nodeSubnets: pulumi.Output<Record<string, string>>;
  /** node id → WireGuard listen port. */
  declare readonly listenPorts: pulumi.Output<Record<string, number>>;
  /** node id → WireGuard public key (base64). */
  declare readonly wireguardPublicKeys: pulumi.Output<Record<string, string>>;
  /** With `addAccess`: the user's wg-quick file (secret). */
  declare readonly wireguardConfig: pulumi.Output<string | undefined>;
  declare readonly durationHours: pulumi.Output<number>;
  declare readonly reservationId: pulumi.Output<number>;
  declare readonly workloadId: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      name: args.name,
      ipRange: args.ipRange,
      nodes: args.nodes,
      nodeSubnets: args.nodeSubnets,
      addAccess: args.addAccess,
      durationHours: args.durationHours,
      listenPorts: undefined,
      wireguardPublicKeys: undefined,
      wireguardConfig: undefined,
      reservationId: undefined,
      workloadId: undefined,
      expiresAt: undefined,
    };
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "wireguardConfig"];
    super(
      providerReference("Network"),
      name,
      props,
      { ...opts, additionalSecretOutputs: secrets },
      "tfgrid",
      "Network",
    );
  }
}
