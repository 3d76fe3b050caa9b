// Whether a reservation found under a resource's id is the one that resource created: an explorer
// that lost data hands ids out again, so an id alone proves nothing.
import type { Reservation } from "../client/schemas";
import { TAG_PREFIX } from "./body";

/** Why a reservation found under an id is not the one a resource created (undefined: it is). */
export interface Owner {
  /** The configured identity's tid: only its reservations are ours. */
  tid: number;
  /** The metadata create registered under (`pulumi-tfgrid:<createTag>`); undefined for state
   * written before createTag existed. */
  tag?: string;
  /** The resource's `expiresAt` output, checked when there is no tag. */
  expiresAt?: string;
}

/**
 * Why `r` is not the reservation described by `o`, or undefined when it is: the reservation must
 * belong to the configured identity and carry the resource's create tag. State written before
 * createTag existed has no tag: such a reservation must carry a pulumi-tfgrid tag and, when the
 * state has one, the exact expiry create computed (to the second).
 */
export function ownershipProblem(r: Reservation, o: Owner): string | undefined {
  if (r.customer_tid !== o.tid) {
    return `reservation ${r.id} belongs to tid ${r.customer_tid}, not to the configured identity (tfgrid:tid ${o.tid})`;
  }
  if (o.tag !== undefined) {
    return r.metadata === o.tag
      ? undefined
      : `reservation ${r.id} carries metadata ${JSON.stringify(r.metadata)}, not this resource's create tag "${o.tag}"`;
  }
  if (!r.metadata.startsWith(TAG_PREFIX)) {
    return `reservation ${r.id} carries metadata ${JSON.stringify(r.metadata)}, not a ${TAG_PREFIX} tag`;
  }
  const expires = o.expiresAt === undefined ? NaN : Date.parse(o.expiresAt) / 1000;
  const actual = r.data_reservation.expiration_reservation;
  if (!Number.isNaN(expires) && actual !== expires) {
    return `reservation ${r.id} expires at ${new Date(actual * 1000).toISOString()}, not at this resource's expiresAt ${o.expiresAt}`;
  }
  return undefined;
}
