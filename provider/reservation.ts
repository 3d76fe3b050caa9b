// One reservation = one workload: build the signed body, register it idempotently, wait for the
// node results, cancel. Serialized by value into every dynamic provider (GUIDE §4): no top-level
// state, the client and identity are always parameters.
import { randomUUID } from "crypto";
import type { Identity } from "./identity";
import { signCreate, signDelete } from "./crypto";
import { isNotFound } from "./client/errors";
import type { ExplorerClient } from "./client/explorer";
import { okResultProblem, type Reservation, type ReservationCreate } from "./client/schemas";

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

/** Absolute expiry (Unix seconds) of a reservation of `durationHours` created at `now`. */
export function expirationOf(now: number, durationHours: number): number {
  return now + Math.round(durationHours * 3600) + EXPIRY_MARGIN_SECONDS;
}

/** `data_reservation` (explorer-api §3.2): one object, serialized once for `json`. */
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

export const TAG_PREFIX = "pulumi-tfgrid:";
const MAX_REGISTER_ATTEMPTS = 4;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A progress sink; the providers pass one that logs through the engine when there is one. */
export type Log = (msg: string) => void;

function isAmbiguous(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const err = e as { ambiguous?: boolean; status?: number; code?: string };
  return (
    err.ambiguous === true ||
    err.code === "explorer.network" ||
    err.code === "explorer.bad_response" ||
    (typeof err.status === "number" && err.status >= 500)
  );
}

/** Lookups of a possibly registered reservation before giving up (each one a paged GET). */
const MAX_LOOKUPS = 10;

/**
 * Registers exactly one reservation. POST is not safe to repeat, so after an ambiguous failure
 * (no answer, a 5xx, or an unreadable answer) the customer's reservations are searched for the
 * tag first; only when a search answered and none carries the tag is the same body posted again.
 * A search that fails is repeated, never replaced by another POST (that could register twice).
 */
export async function registerIdempotent(
  client: ExplorerClient,
  identity: Identity,
  data: Record<string, unknown>,
  log: Log,
  tag: string = TAG_PREFIX + randomUUID(),
): Promise<number> {
  const body = createBody(identity, data, tag);
  let last: unknown;
  let posts = 0;
  let lookups = 0;
  // True while a POST may have registered the reservation and no search has answered since.
  let unsure = false;
  for (;;) {
    if (unsure) {
      if (lookups >= MAX_LOOKUPS) {
        throw new Error(
          `could not tell whether the reservation was registered (tag ${tag}): ${lookups} searches for it failed, the last with ${(last as Error).message}; if \`tfgrid reservations\` shows one with that tag, cancel it or run \`pulumi refresh\``,
        );
      }
      lookups++;
      try {
        const found = await findByTag(client, identity.tid, tag);
        if (found !== undefined) return found.id;
        unsure = false;
      } catch (lookup) {
        last = lookup;
        await sleep(Math.min(4000, 250 * 2 ** Math.min(lookups, 4)));
        continue;
      }
    }
    if (posts >= MAX_REGISTER_ATTEMPTS) break;
    posts++;
    try {
      const res = await client.createReservation(body);
      return res.reservation_id;
    } catch (e) {
      if (!isAmbiguous(e)) throw e;
      last = e;
      unsure = true;
      log(
        `registering the reservation failed ambiguously (${(e as Error).message}); looking it up`,
      );
      await sleep(Math.min(4000, 250 * 2 ** posts));
    }
  }
  throw new Error(
    `could not register the reservation after ${MAX_REGISTER_ATTEMPTS} attempts (tag ${tag}): ${(last as Error).message}`,
  );
}

/** The customer's reservation whose metadata carries `tag`, if any. */
export async function findByTag(
  client: ExplorerClient,
  tid: number,
  tag: string,
): Promise<Reservation | undefined> {
  const all = await client.listReservations({ customer_tid: tid });
  return all.find((r) => r.metadata === tag);
}

/** `next_action` values after which a reservation no longer runs (§4.1). */
export const NEXT_ACTION = { deploy: 3, delete: 4, invalid: 5, deleted: 6 } as const;

/** True when the reservation is cancelled, deleted, rejected or past its expiry. */
export function isGone(r: Reservation, nowSeconds: number): boolean {
  return (
    r.next_action >= NEXT_ACTION.delete || r.data_reservation.expiration_reservation <= nowSeconds
  );
}

/** Abbreviated node id for progress lines. */
export function shortNode(nodeId: string): string {
  return nodeId.length > 8 ? `${nodeId.slice(0, 4)}…` : nodeId;
}

export interface WaitSpec {
  /** Reservation id. */
  rid: number;
  /** Global workload id `<rid>-<wid>` the results carry. */
  gwid: string;
  /** Workload kind for messages: "0-db", "volume", "container", "network". */
  what: string;
  /** Nodes that must each report one ok result. */
  nodeIds: string[];
  /** Absolute deadline, ms since the epoch. */
  deadlineMs: number;
  pollIntervalMs: number;
  log: Log;
}

/** Why a deploy did not succeed: a node's error result, a timeout, or a cancel behind our back. */
export class DeployFailure extends Error {
  readonly nodeId?: string;
  constructor(message: string, nodeId?: string) {
    super(message);
    // Set by hand: once Pulumi serializes this class into the provider, `super(message)` no longer
    // sets `message` (the error would read "undefined" in `pulumi up`).
    this.message = message;
    this.name = "DeployFailure";
    this.nodeId = nodeId;
  }
}

// How long workloads of each kind took to provision in this provider process, so later waits
// poll around when the result is due instead of on a fixed beat. On `process`, not in the
// serialized provider (GUIDE §4).
const TIMES_SLOT = "__pulumiTfgridProvisionTimes";

function provisionTimes(): Record<string, number[]> {
  const p = process as unknown as Record<string, Record<string, number[]> | undefined>;
  return (p[TIMES_SLOT] ??= {});
}

/**
 * Median observed provisioning time of `what` in this process (ms), else of any kind (a stack's
 * single container follows its 0-dbs and volume); undefined before the first result.
 */
export function expectedProvisionMs(what: string): number | undefined {
  const times = provisionTimes();
  const xs = times[what]?.length ? times[what] : Object.values(times).flat();
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Records that `what` was seen provisioned `ms` after the wait began (keeps the last 20). */
export function recordProvisionMs(what: string, ms: number): void {
  const xs = (provisionTimes()[what] ??= []);
  xs.push(ms);
  if (xs.length > 20) xs.shift();
}

/** Forgets the observed times (tests). */
export function clearProvisionTimes(): void {
  delete (process as unknown as Record<string, unknown>)[TIMES_SLOT];
}

/**
 * The wait before poll number `n` (0-based) of a deploy. Nodes take seconds to provision, so
 * there is no poll at once. With an expected time from earlier workloads of the kind, the first
 * poll goes just before it and the next ones follow closely; without one, the first comes after
 * half an interval. The gaps then grow by half each time up to `pollIntervalMs`, so a slow node
 * (a real grid's minutes-long flist download) costs no more requests than the fixed beat did.
 */
export function pollWaitMs(n: number, pollIntervalMs: number, expectedMs?: number): number {
  if (n === 0) {
    return expectedMs === undefined
      ? pollIntervalMs / 2
      : Math.max(pollIntervalMs / 10, expectedMs - pollIntervalMs / 10);
  }
  const base = expectedMs === undefined ? pollIntervalMs / 2 : pollIntervalMs / 4;
  return Math.min(pollIntervalMs, base * 1.5 ** n);
}

/** Polls until every node reported ok; throws DeployFailure on an error result or the deadline. */
export async function waitForResults(client: ExplorerClient, w: WaitSpec): Promise<Reservation> {
  const started = Date.now();
  let lastLog = started;
  const expected = expectedProvisionMs(w.what);
  let lastWait = 0;
  for (let n = 0; ; n++) {
    const wait = pollWaitMs(n, w.pollIntervalMs, expected);
    await sleep(Math.min(wait, Math.max(1, w.deadlineMs - Date.now())));
    lastWait = wait;
    let r: Reservation;
    try {
      r = await client.getReservation(w.rid);
    } catch (e) {
      // A poll is safe to repeat: an answer that proves nothing is retried until the deadline.
      if (!isTransient(e) || Date.now() >= w.deadlineMs) throw e;
      continue;
    }
    const mine = r.results.filter((x) => x.workload_id === w.gwid);
    const failed = mine.find((x) => x.state === 0);
    if (failed) {
      throw new DeployFailure(
        `node ${failed.node_id} refused ${w.what} ${w.gwid}: ${failed.message || "(no message)"}`,
        failed.node_id,
      );
    }
    for (const x of mine) {
      const problem = okResultProblem(x);
      if (problem !== undefined) {
        throw new DeployFailure(
          `node ${x.node_id} reported ${w.what} ${w.gwid} with a result of unexpected shape (${problem})`,
          x.node_id,
        );
      }
    }
    const ok = new Set(mine.filter((x) => x.state === 1).map((x) => x.node_id));
    const pending = w.nodeIds.filter((n) => !ok.has(n));
    if (pending.length === 0) {
      // The results arrived some time within the last wait: count the middle of it.
      recordProvisionMs(w.what, Date.now() - started - lastWait / 2);
      return r;
    }
    if (r.next_action >= NEXT_ACTION.delete) {
      throw new DeployFailure(
        `reservation ${w.rid} was cancelled or expired (next_action ${r.next_action}) before ${w.what} ${w.gwid} was provisioned`,
      );
    }
    const now = Date.now();
    const who =
      pending.length === 1
        ? `node ${shortNode(pending[0])}`
        : `${pending.length} nodes (${pending.map(shortNode).join(", ")})`;
    if (now >= w.deadlineMs) {
      // The error names nodes in full: the user copies the id to move that workload elsewhere.
      const full =
        pending.length === 1
          ? `node ${pending[0]}`
          : `${pending.length} nodes (${pending.join(", ")})`;
      throw new DeployFailure(
        `${full} did not provision ${w.what} ${w.gwid} within ${Math.round((w.deadlineMs - started) / 1000)} s (tfgrid:deployTimeoutSeconds)`,
        pending[0],
      );
    }
    if (now - lastLog >= 5000) {
      lastLog = now;
      w.log(
        `waiting for ${who} to provision ${w.what} ${w.gwid} (${Math.round((now - started) / 1000)} s)`,
      );
    }
  }
}

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
 * Why `r` is not the reservation described by `o`, or undefined when it is. An explorer that lost
 * data hands ids out again, so an id alone proves nothing: the reservation must belong to the
 * configured identity and carry the resource's create tag. State written before createTag existed
 * has no tag: such a reservation must carry a pulumi-tfgrid tag and, when the state has one,
 * the exact expiry create computed (to the second).
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

/**
 * Errors worth another try inside a wait that has its own deadline: no answer, a 5xx, an
 * unreadable body, a 408/429. The request is a GET or a sign-delete, both safe to repeat. A
 * router's 404 or 405 is not among them: it says the explorer URL is wrong, which waiting does not
 * fix (the wait fails at once, naming it).
 */
export function isTransient(e: unknown): boolean {
  const err = e as { status?: number; code?: string };
  if (err.code === "explorer.network" || err.code === "explorer.bad_response") return true;
  const s = err.status;
  return typeof s === "number" && (s >= 500 || s === 408 || s === 429);
}

export interface CancelOptions {
  deadlineMs: number;
  pollIntervalMs: number;
  log: Log;
  /** Whose reservation `rid` must be; another's under that id means ours is gone. */
  owner?: Owner;
}

/**
 * What a cancel achieved: `deleted` (or never there), `pending` (in delete with our signature
 * recorded, some node has not confirmed yet: an offline node decommissions when it comes back),
 * or `not-ours` (the id now names a reservation of someone else, or without our tag: ours is
 * gone from the explorer; nothing was signed).
 */
export type CancelOutcome = "deleted" | "pending" | "not-ours";

/** Thrown when a cancel could not be confirmed: the reservation may still be active. */
export class CancelError extends Error {
  readonly reservationId: number;
  constructor(message: string, reservationId: number) {
    super(message);
    // Set by hand, as DeployFailure does: the packed class loses `super(message)`'s effect.
    this.message = message;
    this.name = "CancelError";
    this.reservationId = reservationId;
  }
}

const hasSignedDelete = (r: Reservation, tid: number): boolean =>
  r.signatures_delete.some((s) => s.tid === tid);

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
  let lastLog = started;
  let last: Reservation | undefined;
  let lastError: unknown;
  let signed = false;
  for (;;) {
    try {
      const r = await client.getReservation(rid);
      last = r;
      lastError = undefined;
      if (o.owner) {
        const problem = ownershipProblem(r, o.owner);
        if (problem !== undefined) {
          o.log(`${problem}: our reservation ${rid} is gone from the explorer; nothing to cancel`);
          return "not-ours";
        }
      }
      if (r.next_action === NEXT_ACTION.deleted || r.next_action === NEXT_ACTION.invalid) {
        return "deleted";
      }
      if (r.data_reservation.expiration_reservation <= Math.floor(Date.now() / 1000)) {
        // Past its expiry every node removes it on its own; a signature would change nothing.
        o.log(`reservation ${rid} has expired; its nodes remove it without a cancel`);
        return "deleted";
      }
      if (!hasSignedDelete(r, identity.tid)) {
        if (signed) o.log(`reservation ${rid} lost our delete signature; signing again`);
        await client.signDelete(rid, {
          tid: identity.tid,
          signature: signDelete(identity, rid, r.json),
          epoch: Math.floor(Date.now() / 1000),
        });
        signed = true;
      }
    } catch (e) {
      if (isNotFound(e)) return "deleted";
      if (!isTransient(e)) {
        throw new CancelError(`cancelling reservation ${rid} failed: ${(e as Error).message}`, rid);
      }
      lastError = e;
    }
    const now = Date.now();
    if (now >= o.deadlineMs) break;
    if (now - lastLog >= 5000) {
      lastLog = now;
      o.log(
        `waiting for reservation ${rid} to be deleted (${Math.round((now - started) / 1000)} s)`,
      );
    }
    await sleep(Math.min(o.pollIntervalMs, Math.max(1, o.deadlineMs - now)));
  }
  // The deadline passed: accept only what the explorer showed last, and only if it was read.
  if (lastError === undefined && last !== undefined && hasSignedDelete(last, identity.tid)) {
    if (last.next_action === NEXT_ACTION.delete) return "pending";
  }
  const seen =
    lastError !== undefined
      ? `the explorer did not answer usefully (${(lastError as Error).message})`
      : last === undefined
        ? "the explorer was never read"
        : `the explorer shows next_action ${last.next_action}${hasSignedDelete(last, identity.tid) ? "" : ` and no delete signature of tid ${identity.tid}`}`;
  throw new CancelError(
    `reservation ${rid} was not cancelled within ${Math.round((o.deadlineMs - started) / 1000)} s: ${seen}`,
    rid,
  );
}
