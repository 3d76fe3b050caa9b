// Cancelling a reservation: sign the delete and wait until the explorer shows it gone.
import { isNotFound } from "../client/errors";
import type { ExplorerClient } from "../client/explorer";
import type { Reservation } from "../client/schemas";
import { signDelete } from "../crypto";
import type { Identity } from "../identity";
import { ownershipProblem, type Owner } from "./ownership";
import { CANCEL_KIND, PollSchedule, progressLog, type Log } from "./polling";
import { isTransient, NEXT_ACTION } from "./status";

export interface CancelOptions {
  deadlineMs: number;
  pollIntervalMs: number;
  log: Log;
  /** Whose reservation `rid` must be; another's under that id means ours is gone. */
  owner?: Owner;
}

/**
 * What a cancel achieved: `deleted` (shown deleted, invalid or expired), `absent` (the explorer
 * has no reservation under the id), `pending` (in delete with our signature recorded, some node
 * has not confirmed yet: an offline node decommissions when it comes back), or `not-ours` (the id
 * now names a reservation of someone else, or without our tag; nothing was signed). `absent` and
 * `not-ours` also describe an explorer other than the one the reservation was made on.
 */
export type CancelOutcome = "deleted" | "absent" | "pending" | "not-ours";

/** Thrown when a cancel could not be confirmed: the reservation may still be active. */
export class CancelError extends Error {
  readonly reservationId: number;
  constructor(message: string, reservationId: number) {
    super(message);
    this.name = "CancelError";
    this.reservationId = reservationId;
  }
}

const hasSignedDelete = (r: Reservation, tid: number): boolean =>
  r.signatures_delete.some((s) => s.tid === tid);

/** One cancel in progress: what it signed and what the explorer showed last. */
class Cancellation {
  last: Reservation | undefined;
  lastError: unknown;
  /** When our delete was first signed (0: not yet). */
  private signedAt = 0;
  readonly polls: PollSchedule;

  constructor(
    private readonly client: ExplorerClient,
    private readonly identity: Identity,
    private readonly rid: number,
    private readonly o: CancelOptions,
  ) {
    this.polls = new PollSchedule(CANCEL_KIND, o.pollIntervalMs, o.deadlineMs);
  }

  /** Reads the reservation, signs the delete if our signature is missing; an outcome when done. */
  async step(): Promise<CancelOutcome | undefined> {
    const { rid, o } = this;
    const r = await this.client.getReservation(rid);
    this.last = r;
    this.lastError = undefined;
    const problem = o.owner && ownershipProblem(r, o.owner);
    if (problem) {
      o.log(`${problem}: our reservation ${rid} is gone from the explorer; nothing to cancel`);
      return "not-ours";
    }
    if (r.next_action === NEXT_ACTION.deleted || r.next_action === NEXT_ACTION.invalid) {
      if (this.signedAt) this.polls.seen(this.signedAt);
      return "deleted";
    }
    if (r.data_reservation.expiration_reservation <= Math.floor(Date.now() / 1000)) {
      // Past its expiry every node removes it on its own; a signature would change nothing.
      o.log(`reservation ${rid} has expired; its nodes remove it without a cancel`);
      return "deleted";
    }
    if (!hasSignedDelete(r, this.identity.tid)) {
      if (this.signedAt) o.log(`reservation ${rid} lost our delete signature; signing again`);
      await this.client.signDelete(rid, {
        tid: this.identity.tid,
        signature: signDelete(this.identity, rid, r.json),
        epoch: Math.floor(Date.now() / 1000),
      });
      this.signedAt ||= Date.now();
    }
    return undefined;
  }

  /** After the deadline: "pending" if the explorer last showed our signed delete, else throws. */
  verdict(started: number): CancelOutcome {
    const { last, lastError, rid } = this;
    const tid = this.identity.tid;
    if (lastError === undefined && last !== undefined && hasSignedDelete(last, tid)) {
      if (last.next_action === NEXT_ACTION.delete) return "pending";
    }
    const seen =
      lastError !== undefined
        ? `the explorer did not answer usefully (${(lastError as Error).message})`
        : last === undefined
          ? "the explorer was never read"
          : `the explorer shows next_action ${last.next_action}${hasSignedDelete(last, tid) ? "" : ` and no delete signature of tid ${tid}`}`;
    throw new CancelError(
      `reservation ${rid} was not cancelled within ${Math.round((this.o.deadlineMs - started) / 1000)} s: ${seen}`,
      rid,
    );
  }
}

/**
 * Sign-delete (over `str(id) + json` as stored by the explorer) and wait for `deleted` (6). The
 * explorer is read again until the deadline, and the delete is signed again whenever our signature
 * is missing (an explorer that crashed or rolled back may forget an acknowledged signature).
 * Succeeds only when the explorer shows the reservation deleted (or invalid, or past its expiry:
 * nodes remove it on their own), or in delete with our signature recorded; otherwise throws a
 * CancelError naming the reservation and what the explorer showed. Answers that prove nothing (no
 * answer, 5xx, an unreadable body) are retried until the deadline; a router 404/405 (a wrong
 * explorer URL) fails at once.
 */
export async function cancelReservation(
  client: ExplorerClient,
  identity: Identity,
  rid: number,
  o: CancelOptions,
): Promise<CancelOutcome> {
  const started = Date.now();
  const progress = progressLog(o.log, started);
  const cancel = new Cancellation(client, identity, rid, o);
  for (;;) {
    try {
      const outcome = await cancel.step();
      if (outcome !== undefined) return outcome;
    } catch (e) {
      if (isNotFound(e)) return "absent";
      if (!isTransient(e)) {
        throw new CancelError(`cancelling reservation ${rid} failed: ${(e as Error).message}`, rid);
      }
      cancel.lastError = e;
    }
    if (Date.now() >= o.deadlineMs) return cancel.verdict(started);
    progress((s) => `waiting for reservation ${rid} to be deleted (${s} s)`);
    await cancel.polls.next();
  }
}
