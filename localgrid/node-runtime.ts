/**
 * What a simulated node holds at run time (its local cache, like zos's) and the capacity
 * accounting derived from it: what `reserved_resources` and the workload counters report.
 */
import type { NodeKeys } from "./crypto";
import type { FarmDefinition, NodeDefinition, Resources } from "./grid";
import { WorkloadType } from "./types";

/** A workload a simulated node has provisioned. */
export interface ProvisionedWorkload {
  gwid: string;
  rid: number;
  type: number;
  user: number;
  reserved: Resources;
  /** created + duration: the node's own expiry check (docs/protocol.md#node-polling). */
  expires: number;
  /** "<user>:<network name>" for networks and for a container's network. */
  networkKey?: string;
  containerIp?: string;
}

/** An installed network on a node, by "<user>:<name>". */
export interface InstalledNetwork {
  gwid: string;
  iprange: string;
  port: number;
}

export interface NodeRuntime {
  /** The next `from` of the poll loop (X-Last-Id + 1). */
  cursor: number;
  /** Unix seconds of the last poll; what `updated` reports. */
  lastSeen: number;
  workloads: Record<string, ProvisionedWorkload>;
  networks: Record<string, InstalledNetwork>;
}

/** A node of the grid definition with its keys and farm. */
export interface GridNode {
  index: number;
  def: NodeDefinition;
  keys: NodeKeys;
  farm: FarmDefinition;
}

export const ZERO_RESOURCES: Resources = { cru: 0, mru: 0, hru: 0, sru: 0 };

const sumResources = (a: Resources, b: Resources): Resources => ({
  cru: a.cru + b.cru,
  mru: a.mru + b.mru,
  hru: a.hru + b.hru,
  sru: a.sru + b.sru,
});

/** What the node's workloads reserve. */
export function reservedOf(rt: NodeRuntime): Resources {
  return Object.values(rt.workloads).reduce((a, w) => sumResources(a, w.reserved), ZERO_RESOURCES);
}

/** Workload counters as `POST /nodes/{id}/used_resources` would report them. */
export function workloadCounters(rt: NodeRuntime): Record<string, number> {
  const c = {
    network: 0,
    volume: 0,
    zdb_namespace: 0,
    container: 0,
    k8s_vm: 0,
    proxy: 0,
    reverse_proxy: 0,
    subdomain: 0,
    delegate_domain: 0,
  };
  for (const w of Object.values(rt.workloads)) {
    if (w.type === WorkloadType.network) c.network++;
    else if (w.type === WorkloadType.volume) c.volume++;
    else if (w.type === WorkloadType.zdb) c.zdb_namespace++;
    else if (w.type === WorkloadType.container) c.container++;
  }
  return c;
}
