// What the explorer's answers mean for a reservation: whether it still runs, and which failures
// of a request are worth another try.
import { ExplorerHttpError, ExplorerNetworkError, ExplorerResponseError } from "../client/errors";
import type { Reservation } from "../client/schemas";

/** `next_action` values after which a reservation no longer runs (protocol.md#enumerations). */
export const NEXT_ACTION = { deploy: 3, delete: 4, invalid: 5, deleted: 6 } as const;

/** True when the reservation is cancelled, deleted, rejected or past its expiry. */
export function isGone(r: Reservation, nowSeconds: number): boolean {
  return (
    r.next_action >= NEXT_ACTION.delete || r.data_reservation.expiration_reservation <= nowSeconds
  );
}

/**
 * Errors worth another try inside a wait that has its own deadline: no answer, a 5xx, an
 * unreadable body, a 408/429. The request is a GET or a sign-delete, both safe to repeat. A
 * router's 404 or 405 is not among them: it says the explorer URL is wrong, which waiting does not
 * fix (the wait fails at once, naming it).
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof ExplorerNetworkError || e instanceof ExplorerResponseError) return true;
  return (
    e instanceof ExplorerHttpError && (e.status >= 500 || e.status === 408 || e.status === 429)
  );
}
