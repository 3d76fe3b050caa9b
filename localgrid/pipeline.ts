/**
 * The reservation state machine of docs/protocol.md#state-pipeline. Pure functions of a reservation
 * and the grid clock. The free escrow (docs/protocol.md#escrow) is not part of it: it acts at
 * create only (store.ts, docs/protocol.md#e9-free-escrow-at-create-only).
 */
import { NextAction, ResultState, WorkloadType } from "./types";
import type { Reservation, WorkloadItem } from "./types";

/** Counts delete (or provision) signatures from listed signers, one per tid. */
function quorumMet(signers: number[] | null, quorum: number, sigs: { tid: number }[]): boolean {
  const allowed = new Set(signers ?? []);
  const tids = new Set(sigs.filter((s) => allowed.has(s.tid)).map((s) => s.tid));
  return tids.size >= quorum;
}

export function deleteQuorumMet(r: Reservation): boolean {
  const req = r.data_reservation.signing_request_delete;
  return req.quorum_min > 0 && quorumMet(req.signers, req.quorum_min, r.signatures_delete);
}

/**
 * Number of workload items: a network counts once per network resource
 * (docs/protocol.md#state-pipeline, step 3).
 */
export function workloadCount(r: Reservation): number {
  const d = r.data_reservation;
  let n = (d.containers?.length ?? 0) + (d.volumes?.length ?? 0) + (d.zdbs?.length ?? 0);
  n += d.kubernetes?.length ?? 0;
  for (const net of d.networks ?? []) n += net.network_resources?.length ?? 0;
  return n;
}

export function successfullyDeployed(r: Reservation): boolean {
  return r.results.length >= workloadCount(r) && r.results.every((x) => x.state === ResultState.ok);
}

/**
 * docs/protocol.md#state-pipeline: the state a reservation is in *now*. `pay` stays `pay`: only the
 * escrow moves a reservation on to `deploy`, and the free escrow does that at create alone
 * (docs/protocol.md#e9-free-escrow-at-create-only).
 */
export function computeNextAction(r: Reservation, now: number): number {
  const s = r.next_action;
  if (s === NextAction.delete || s === NextAction.deleted) return s;
  const d = r.data_reservation;
  if (now >= d.expiration_reservation || deleteQuorumMet(r)) return NextAction.delete;
  if (now > d.expiration_provisioning && !successfullyDeployed(r)) return NextAction.delete;
  let next = s;
  if (next === NextAction.create) next = NextAction.sign;
  if (next === NextAction.sign) {
    const req = d.signing_request_provision;
    if (req.quorum_min === 0 || quorumMet(req.signers, req.quorum_min, r.signatures_provision)) {
      next = NextAction.pay;
    }
  }
  return next;
}

/**
 * The poll items (docs/protocol.md#poll-item) of one reservation for one node (or all nodes when
 * `nodeId` is undefined). A network yields one item per network resource.
 */
export function workloadItems(r: Reservation, nodeId?: string): WorkloadItem[] {
  const d = r.data_reservation;
  const toDelete = r.next_action === NextAction.delete || r.next_action === NextAction.deleted;
  const base = {
    user: String(r.customer_tid),
    created: r.epoch,
    duration: d.expiration_reservation - r.epoch,
    signature: "",
    to_delete: toDelete,
  };
  const out: WorkloadItem[] = [];
  const push = (wid: number, type: number, content: unknown, node: string): void => {
    if (nodeId === undefined || node === nodeId) {
      out.push({ ...base, workload_id: `${r.id}-${wid}`, type, content, node_id: node });
    }
  };
  for (const n of d.networks ?? []) {
    for (const nr of n.network_resources ?? [])
      push(n.workload_id, WorkloadType.network, n, nr.node_id);
  }
  for (const z of d.zdbs ?? []) push(z.workload_id, WorkloadType.zdb, z, z.node_id);
  for (const v of d.volumes ?? []) push(v.workload_id, WorkloadType.volume, v, v.node_id);
  for (const c of d.containers ?? []) push(c.workload_id, WorkloadType.container, c, c.node_id);
  return out;
}

/** Every node a reservation touches (workloads and network resources). */
export function nodesOf(r: Reservation): Set<string> {
  return new Set(workloadItems(r).map((i) => i.node_id));
}
