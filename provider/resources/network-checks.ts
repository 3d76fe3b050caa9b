// Network, provider side: what check verifies (property rules, the nodes, the name not taken by
// another network of the identity). Runs in the provider host; network-provider.ts uses it.
import { z } from "zod";
import type { ProviderConfig } from "../config";
import type { Node } from "../client/schemas";
import { isNotFound } from "../client/errors";
import { ExplorerClient } from "../client/explorer";
import { PORTS_MAX_AGE_MS, getNodeCached } from "../nodecache";
import { isPrivateRange, isSubnetOf, networkOf, overlaps, parseCidr } from "../network/subnets";
import { processSlot } from "../process-slot";
import { isGone, NEXT_ACTION } from "../reservation";
import type { Props } from "./common";
import {
  bool,
  durationSchema,
  isPlainObject,
  isUnknown,
  known,
  nodeIdSchema,
  rule,
  UNKNOWN,
  type Failure,
} from "./validation";

const nameSchema = () =>
  rule<string>((v) =>
    typeof v === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(v)
      ? undefined
      : `${JSON.stringify(v) ?? "(missing)"} is not a network name; use 1-64 letters, digits, "_", "-" or "."`,
  );

const CGNAT = parseCidr("100.64.0.0/10");

/** What is wrong with a network range (the middle of the message), or undefined. */
function ipRangeFlaw(v: unknown): string | undefined {
  const c = typeof v === "string" ? parseCidr(v) : undefined;
  if (!c) return "is not a CIDR";
  if (c.prefix !== 16) return `is a /${c.prefix}, not a /16`;
  if (networkOf(c) !== c.base) return "has host bits set";
  if (CGNAT && overlaps(c, CGNAT)) return "overlaps 100.64.0.0/10, which zos uses for routing";
  if (!isPrivateRange(c)) return "is not private (RFC 1918)";
  return undefined;
}

const ipRangeSchema = () =>
  rule<string>((v) => {
    const why = ipRangeFlaw(v);
    return why === undefined
      ? undefined
      : `${JSON.stringify(v) ?? "(missing)"} ${why}; use a private /16 such as "172.20.0.0/16"`;
  });

export const networkSchema = () =>
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

export const hasUnknown = (v: unknown) => JSON.stringify(v ?? null).includes(UNKNOWN);

/** Problems between the network's properties, beyond each property's own schema. */
export function crossChecks(p: Props): Failure[] {
  const out: Failure[] = [];
  const nodes: unknown[] = Array.isArray(p.nodes) ? p.nodes : [];
  nodes.forEach((n, i) => {
    if (!isUnknown(n) && nodes.indexOf(n) !== i) {
      out.push({
        property: `nodes.${i}`,
        reason: `node ${String(n)} is listed twice; list each node once`,
      });
    }
  });
  const range = typeof p.ipRange === "string" ? parseCidr(p.ipRange) : undefined;
  const pins = p.nodeSubnets ?? {};
  if (!isPlainObject(pins)) {
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
  const a = isPlainObject(p.addAccess) ? p.addAccess : undefined;
  if (a && !isUnknown(a.nodeId) && !isUnknown(p.nodes) && !nodes.includes(a.nodeId)) {
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

export async function lookupNodes(
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
                reason: `could not look up node ${id} at ${config.explorerUrl}: ${e instanceof Error ? e.message : String(e)}`,
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
        (r.data_reservation.networks ?? []).some(
          (net) => isPlainObject(net) && net.name === name && hasResourceOn(net, node),
        ),
      )
      .map((r) => r.id);
    if (ids.length > (ownedOn.includes(node) ? 1 : 0)) out.push({ node, reservationIds: ids });
  }
  return out;
}

/** Whether a network workload has a resource on `node`. */
function hasResourceOn(net: Props, node: string): boolean {
  const resources: unknown[] = Array.isArray(net.network_resources) ? net.network_resources : [];
  return resources.some((nr) => isPlainObject(nr) && nr.node_id === node);
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

// Networks whose old state this provider process has checked, by tid, name and new nodes: when
// the engine plans a replacement it calls check a second time without the old inputs (to
// recompute defaults), and that second check must still know the live network of the same name
// is this resource's own, not another stack's.
const ownedSlot = processSlot("__pulumiTfgridOwnedNetworks", () => new Map<string, string[]>());

function ownedNodes(tid: number, name: string, nodes: string[], olds: Props): string[] {
  const owned = ownedSlot.get();
  const key = `${tid} ${name} ${JSON.stringify(nodes)}`;
  if (olds.name === name && Array.isArray(olds.nodes)) {
    const oldNodes = olds.nodes.filter((n): n is string => typeof n === "string");
    owned.set(key, oldNodes);
    return oldNodes;
  }
  return Object.keys(olds).length === 0 ? (owned.get(key) ?? []) : [];
}

/** check's same-name refusal: one failure per clashing node, on the `name` property. */
export async function sameNameFailures(
  config: ProviderConfig,
  name: string,
  nodes: string[],
  olds: Props,
): Promise<Failure[]> {
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
        reason: `could not list the reservations of tid ${config.tid} at ${config.explorerUrl} to check that network name ${JSON.stringify(name)} is free: ${e instanceof Error ? e.message : String(e)}`,
      },
    ];
  }
}
