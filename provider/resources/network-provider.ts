// Network, provider side: check allocates subnets and listen ports, build makes the WireGuard keys
// and the network workload. Runs in the provider host; the program side is network.ts, the checks
// are in network-checks.ts.
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { sealForNode } from "../crypto";
import type { ProviderConfig } from "../config";
import type { Node } from "../client/schemas";
import { PORTS_MAX_AGE_MS, getNodeCached } from "../nodecache";
import { allocateSubnets, freeSubnetFromTop, SubnetError } from "../network/subnets";
import {
  buildPeers,
  generateWgKeyPair,
  nodeEndpoints,
  pickListenPort,
  wgQuickConfig,
  type NodeNetInfo,
} from "../network/wireguard";
import { withDuration, WORKLOAD_ID, type Ctx, type Props, type ResourceSpec } from "./common";
import { makeProvider } from "./make-provider";
import { NETWORK_ACCESS_DEFAULTS, NETWORK_DEFAULTS } from "./network";
import {
  crossChecks,
  foreignSameNameNetworks,
  hasUnknown,
  lookupNodes,
  networkSchema,
  sameNameFailures,
  sameNameProblem,
} from "./network-checks";
import { isPlainObject, knownValue, parse, UNKNOWN, type Failure } from "./validation";

type Parsed = z.infer<ReturnType<typeof networkSchema>>;
type Access = { nodeId: string; subnet: string; ipv4: boolean };

/** What subnet and port allocation need, when none of it is unknown (preview). */
function placementOf(d: Parsed) {
  return knownValue({ name: d.name, ipRange: d.ipRange, nodes: d.nodes, addAccess: d.addAccess });
}
type Checked = NonNullable<ReturnType<typeof placementOf>>;

/** A Network's inputs as create receives them: check has allocated the subnets and ports. */
export type NetworkInputs = Omit<Checked, "addAccess"> & {
  durationHours: number;
  nodeSubnets: Record<string, string>;
  listenPorts: Record<string, number>;
  addAccess?: Access;
};

export interface NetworkOutputs extends Record<string, unknown> {
  wireguardPublicKeys: Record<string, string>;
  wireguardConfig?: string;
}

type CheckResult = { inputs: Props; failures: Failure[] };

/** The engine's values with the defaults applied (addAccess.ipv4, nodeSubnets, durationHours). */
function withDefaults(news: Props, config: ProviderConfig | undefined): Props {
  const inputs: Props = {
    name: news.name,
    ipRange: news.ipRange,
    nodes: news.nodes,
    durationHours: withDuration(news, config),
  };
  const access = news.addAccess;
  if (access !== undefined) {
    inputs.addAccess = isPlainObject(access)
      ? { ...access, ipv4: access.ipv4 ?? NETWORK_ACCESS_DEFAULTS.ipv4 }
      : access;
  }
  inputs.nodeSubnets = news.nodeSubnets ?? NETWORK_DEFAULTS.nodeSubnets;
  return inputs;
}

/** The string entries of a map (crossChecks has refused any other). */
function stringMap(v: unknown): Record<string, string> {
  if (!isPlainObject(v)) return {};
  return Object.fromEntries(
    Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

/** The numeric entries of a map (old state's listen ports). */
function portMap(v: unknown): Record<string, number> | undefined {
  if (!isPlainObject(v)) return undefined;
  return Object.fromEntries(
    Object.entries(v).filter((e): e is [string, number] => typeof e[1] === "number"),
  );
}

/**
 * The access point's /24 (given, else the old state's when still free, else the highest free one)
 * and the nodes' /24s. Subnets come from the old state when it is the same network, so adding a
 * node never renumbers the others.
 */
function allocate(
  p: Checked,
  pinned: Record<string, string>,
  olds: Props,
  same: boolean,
  failures: Failure[],
) {
  const previous = same ? stringMap(olds.nodeSubnets) : undefined;
  let access: Access | undefined;
  if (p.addAccess) {
    const oldAccess = same && isPlainObject(olds.addAccess) ? olds.addAccess.subnet : undefined;
    const taken = [
      ...Object.values(pinned),
      ...Object.entries(previous ?? {})
        .filter(([n]) => p.nodes.includes(n))
        .map(([, s]) => s),
    ];
    const subnet =
      p.addAccess.subnet ??
      (typeof oldAccess === "string" && !taken.includes(oldAccess)
        ? oldAccess
        : freeSubnetFromTop(p.ipRange, taken));
    access = { ...p.addAccess, subnet };
    if (Object.values(pinned).includes(subnet)) {
      failures.push({
        property: "addAccess.subnet",
        reason: `${subnet} is also a node's /24; pick another /24`,
      });
    }
  }
  const nodeSubnets = allocateSubnets({
    ipRange: p.ipRange,
    nodes: p.nodes,
    pinned,
    previous,
    reserved: access ? [access.subnet] : [],
  });
  return { access, nodeSubnets };
}

/** The access node must have a public endpoint of the family the user dials. */
function accessEndpointFailures(
  access: Access | undefined,
  looked: Record<string, Node>,
): Failure[] {
  const node = access && looked[access.nodeId];
  if (!access || !node) return [];
  const ep = nodeEndpoints(node);
  const family = access.ipv4 ? "IPv4" : "IPv6";
  if (access.ipv4 ? ep.ipv4 : ep.ipv6) return [];
  return [
    {
      property: "addAccess.nodeId",
      reason: `node ${access.nodeId} has no public ${family} endpoint; pick a node with a public ${family} or set addAccess.ipv4 to ${!access.ipv4}`,
    },
  ];
}

/**
 * Defaults, subnet allocation and listen ports. Subnets and ports come from the old state when it
 * is the same network, so adding a node never renumbers the others; WireGuard keys are NOT made
 * here (check's result is stored as plain inputs).
 */
async function checkNetwork(news: Props, olds: Props, config: ProviderConfig | undefined) {
  const inputs = withDefaults(news, config);
  const parsed = parse(networkSchema(), inputs);
  const failures = [...parsed.failures, ...crossChecks(inputs)];
  const p = parsed.data && placementOf(parsed.data);
  if (failures.length > 0 || p === undefined || hasUnknown(news.nodeSubnets)) {
    if (failures.length === 0) {
      inputs.nodeSubnets = UNKNOWN;
      inputs.listenPorts = UNKNOWN;
    }
    return { inputs, failures };
  }
  const same = olds.ipRange === p.ipRange && olds.name === p.name;
  let allocated: ReturnType<typeof allocate>;
  try {
    allocated = allocate(p, stringMap(inputs.nodeSubnets), olds, same, failures);
  } catch (e) {
    if (!(e instanceof SubnetError)) throw e;
    failures.push({
      property: "nodeSubnets",
      reason: `${e.message}; use a fresh /16 or fewer nodes`,
    });
    return { inputs, failures };
  }
  const { access, nodeSubnets } = allocated;
  if (access) inputs.addAccess = access;
  inputs.nodeSubnets = nodeSubnets;
  return withPorts(inputs, failures, p, olds, same, access, config);
}

/** Listen ports (kept from the old state, else free ones) and the checks that need the nodes. */
async function withPorts(
  inputs: Props,
  failures: Failure[],
  p: Checked,
  olds: Props,
  same: boolean,
  access: Access | undefined,
  config: ProviderConfig | undefined,
): Promise<CheckResult> {
  const oldPorts = same ? portMap(olds.listenPorts) : undefined;
  let looked: Record<string, Node> = {};
  if (config) {
    const r = await lookupNodes(config, p.nodes);
    looked = r.nodes;
    failures.push(...r.failures);
    failures.push(...(await sameNameFailures(config, p.name, p.nodes, olds)));
  }
  const ports: Record<string, number> = {};
  for (const n of p.nodes)
    ports[n] = oldPorts?.[n] ?? pickListenPort(p.name, n, looked[n]?.wg_ports ?? []);
  inputs.listenPorts = ports;
  failures.push(...accessEndpointFailures(access, looked));
  return { inputs, failures };
}

/** Builds the network workload; returns it with the outputs that exist before deploy. */
export function networkWorkload(
  p: NetworkInputs,
  nodes: Record<string, NodeNetInfo>,
  keys: Record<string, { privateKey: string; publicKey: string }>,
  userKey?: { privateKey: string; publicKey: string },
): { workload: object; wireguardConfig?: string } {
  const { nodes: ids, nodeSubnets: subnets, listenPorts: ports, addAccess: access } = p;
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
  if (!m) throw new Error(`access node ${access.nodeId} is not a member of network ${p.name}`);
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
      ipRange: p.ipRange,
      endpoint: `${host}:${m.port}`,
    }),
  };
}

/** The nodes as read now, and listen ports still free on them. */
async function freshPorts(inputs: NetworkInputs, ctx: Ctx) {
  const nodes: Record<string, Node> = {};
  // Read again unless check read it moments ago: a port may have been taken since.
  for (const id of inputs.nodes)
    nodes[id] = await getNodeCached(ctx.client, ctx.config.explorerUrl, id, PORTS_MAX_AGE_MS);
  const ports = { ...inputs.listenPorts };
  for (const id of inputs.nodes) {
    // The port was free at check time; someone may have taken it since.
    if ((nodes[id].wg_ports ?? []).includes(ports[id])) {
      ports[id] = pickListenPort(inputs.name, id, nodes[id].wg_ports ?? []);
    }
  }
  return { nodes, ports };
}

export const networkSpec: ResourceSpec<NetworkInputs, NetworkOutputs> = {
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
    const a: unknown[] = Array.isArray(olds.nodes) ? olds.nodes : [];
    const b = news.nodes;
    return olds.name === news.name && (!Array.isArray(b) || a.some((n) => b.includes(n)));
  },
  async build(inputs, ctx) {
    const ids = inputs.nodes;
    // Again just before registering: another stack may have taken the name since preview. A
    // replaced network sharing a node with the new one is deleted first (deleteBeforeReplace).
    const name = inputs.name;
    const clashes = await foreignSameNameNetworks(ctx.client, ctx.identity.tid, name, ids, []);
    if (clashes.length > 0) throw new Error(sameNameProblem(name, ctx.identity.tid, clashes[0]));
    const { nodes, ports } = await freshPorts(inputs, ctx);
    const keys = Object.fromEntries(ids.map((id) => [id, generateWgKeyPair()]));
    const userKey = inputs.addAccess ? generateWgKeyPair() : undefined;
    const p = { ...inputs, listenPorts: ports };
    const { workload, wireguardConfig } = networkWorkload(p, nodes, keys, userKey);
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

/** Registered in providers.ts; the host hands it the engine's untyped values. */
export const networkProvider: pulumi.dynamic.ResourceProvider = makeProvider(networkSpec);
