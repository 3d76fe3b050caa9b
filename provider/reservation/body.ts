// What one reservation says: the `data_reservation` of its workloads and the signed body that
// registers it (protocol.md#data_reservation, protocol.md#customer-signature).
import type { Identity } from "../identity";
import { signCreate } from "../crypto";
import type { ReservationCreate } from "../client/schemas";

/** The workload lists a reservation may carry; every list is always present (`[]`, never null). */
export interface WorkloadLists {
  containers?: object[];
  volumes?: object[];
  zdbs?: object[];
  networks?: object[];
}

export interface ReservationTimes {
  /** Unix seconds, taken once per create. */
  now: number;
  durationHours: number;
  deployTimeoutSeconds: number;
}

/** Slack between our own deploy deadline and the explorer's `expiration_provisioning`. */
export const PROVISIONING_MARGIN_SECONDS = 60;

/**
 * Added to the requested duration: the explorer refuses a reservation whose expiry is under 1 h
 * from *its* clock when the request arrives, so an exact 1 h would fail by the time the request
 * takes (and by any clock skew).
 */
export const EXPIRY_MARGIN_SECONDS = 60;

/** Where a create's `metadata` starts: the rest is the resource's create tag. */
export const TAG_PREFIX = "pulumi-tfgrid:";

/** Absolute expiry (Unix seconds) of a reservation of `durationHours` created at `now`. */
export function expirationOf(now: number, durationHours: number): number {
  return now + Math.round(durationHours * 3600) + EXPIRY_MARGIN_SECONDS;
}

/** `data_reservation` (protocol.md#data_reservation): one object, serialized once for `json`. */
export function reservationData(
  tid: number,
  lists: WorkloadLists,
  t: ReservationTimes,
): Record<string, unknown> {
  return {
    description: "",
    currencies: ["TFT"],
    signing_request_provision: { signers: [], quorum_min: 0 },
    signing_request_delete: { signers: [tid], quorum_min: 1 },
    containers: lists.containers ?? [],
    volumes: lists.volumes ?? [],
    zdbs: lists.zdbs ?? [],
    networks: lists.networks ?? [],
    kubernetes: [],
    proxies: [],
    reverse_proxies: [],
    subdomains: [],
    domain_delegates: [],
    gateway4to6: [],
    expiration_provisioning: t.now + t.deployTimeoutSeconds + PROVISIONING_MARGIN_SECONDS,
    expiration_reservation: expirationOf(t.now, t.durationHours),
  };
}

/** The signed `POST /reservations` body; `metadata` carries the idempotency tag (not signed). */
export function createBody(
  identity: Identity,
  data: Record<string, unknown>,
  tag: string,
): ReservationCreate {
  const json = JSON.stringify(data);
  return {
    json,
    data_reservation: data,
    customer_tid: identity.tid,
    customer_signature: signCreate(identity, json),
    next_action: 0,
    signatures_provision: [],
    signatures_farmer: [],
    signatures_delete: [],
    epoch: 0,
    metadata: tag,
    results: [],
  };
}
