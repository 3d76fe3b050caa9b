/**
 * The explorer's state and the operations that keep its invariants: reservations, per-node work
 * queues, the simulated nodes' provisioned state and the secrets they opened; the users are in
 * phonebook.ts, the state's shape on disk in persisted-state.ts.
 * HTTP routes and the in-process nodes both go through these methods, so the node-facing
 * behaviour the tests exercise over HTTP is the one the simulated nodes use.
 *
 * Persistence (journal.ts): every change is written to a write-ahead log and fsync'ed before
 * the request that made it is answered (`durable()`), in records grouped across concurrent
 * requests; the log is compacted into `state.json`. A record holds the current value of each
 * entity changed since the previous one, which is why every mutation names what it changed:
 * `changed(r)` for a reservation, `nodeChanged(id)` for a node's runtime or queue, `changed()` for
 * anything else (the clock; it rewrites users and every node). Each reservation's JSON is cached
 * until it changes so records and snapshots with thousands of reservations stay cheap.
 *
 * The secrets a simulated node opened are kept in memory only: on disk there are only the sealed
 * boxes the client sent (inside the reservations).
 */
import { badRequest, HttpError, notFound, unauthorized } from "./errors";
import { cryptoReady, isHex, nodeKeysFromSeed, utf8, verifyDetached } from "./crypto";
import type { GridDefinition } from "./grid";
import type { GridNode, NodeRuntime, ProvisionedWorkload } from "./node-runtime";
import { PendingChanges, RuntimeChangeLog, stateText } from "./persisted-state";
import type { PersistedState } from "./persisted-state";
import { Phonebook } from "./phonebook";
import { computeNextAction, deleteQuorumMet, workloadItems } from "./pipeline";
import { decodeBody, validateCreate, verifyCustomer } from "./validate";
import { NEXT_ACTION_NAMES, NextAction, RESULT_TYPE, ResultState, SIGN_BODY_TYPE } from "./types";
import type { Reservation, Result, SigningSignature, WorkloadItem } from "./types";
import { Journal, recoverDataDir } from "./journal";
import type { JournalSource } from "./journal";

/** Default size of the log above which it is compacted into the snapshot. */
export const DEFAULT_COMPACT_BYTES = 4 * 1024 * 1024;

export function parseGwid(gwid: string): { rid: number; wid: number } {
  const m = /^(\d+)-(\d+)$/.exec(gwid);
  if (!m)
    throw badRequest(
      `invalid workload id ${JSON.stringify(gwid)}; expected "<reservation id>-<workload id>"`,
    );
  return { rid: Number(m[1]), wid: Number(m[2]) };
}

export class Store implements JournalSource {
  readonly nodes = new Map<string, GridNode>();
  readonly nodeOrder: string[] = [];
  clockOffsetSeconds = 0;

  readonly phonebook = new Phonebook(() => this.usersChanged());
  private reservationCounter = 0;
  private reservations = new Map<number, Reservation>();
  private byCustomer = new Map<number, number[]>();
  private byNode = new Map<string, number[]>();
  private queues = new Map<string, Map<string, WorkloadItem>>();
  private runtime = new Map<string, NodeRuntime>();
  private secrets = new Map<string, Record<string, unknown>>();
  private jsonCache = new Map<number, string>();
  private runtimeLog = new RuntimeChangeLog();
  /** What changed since the last log record (see captureChanges). */
  private pending = new PendingChanges();
  private journal: Journal | null = null;

  private constructor(
    readonly grid: GridDefinition,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Opens the store. With a data dir holding a state file, resumes it; the grid saved there is
   * kept unless an explicit grid is passed.
   */
  static async open(opts: {
    grid?: GridDefinition;
    defaultGrid: () => GridDefinition;
    dataDir?: string;
    clockOffsetSeconds?: number;
    /** Log size above which it is compacted into the snapshot; default DEFAULT_COMPACT_BYTES. */
    compactBytes?: number;
    log: (line: string) => void;
  }): Promise<Store> {
    await cryptoReady();
    const recovered = opts.dataDir ? recoverDataDir(opts.dataDir, opts.log) : null;
    const snapshot = recovered?.snapshot as unknown as PersistedState | null | undefined;
    const records = (recovered?.records ?? []) as unknown as PersistedState[];
    const grid = opts.grid ?? snapshot?.grid ?? opts.defaultGrid();
    const store = new Store(grid, opts.log);
    store.initGrid();
    if (snapshot) store.apply(snapshot);
    for (const rec of records) store.apply(rec);
    if (opts.clockOffsetSeconds !== undefined) store.clockOffsetSeconds = opts.clockOffsetSeconds;
    if (snapshot || records.length) {
      opts.log(
        `resumed ${store.reservations.size} reservations and ${store.phonebook.size} users from ${opts.dataDir} (snapshot and ${records.length} log records)`,
      );
    }
    if (opts.dataDir) {
      store.runtimeLog.markLogged(store.runtimes(store.nodeOrder));
      store.journal = await Journal.open({
        dir: opts.dataDir,
        lastSeq: records.at(-1)?.walSeq ?? snapshot?.walSeq ?? 0,
        source: store,
        compactBytes: opts.compactBytes ?? DEFAULT_COMPACT_BYTES,
        log: opts.log,
      });
    }
    return store;
  }

  private initGrid(): void {
    const farms = new Map(this.grid.farms.map((f) => [f.id, f]));
    this.grid.nodes.forEach((def, index) => {
      const keys = nodeKeysFromSeed(def.seedHex);
      if (this.nodes.has(keys.nodeId)) throw new Error(`grid: duplicate node seed ${def.seedHex}`);
      this.nodes.set(keys.nodeId, { index, def, keys, farm: farms.get(def.farm_id)! });
      this.nodeOrder.push(keys.nodeId);
    });
    this.resetRuntime();
  }

  private resetRuntime(): void {
    for (const id of this.nodeOrder) {
      this.runtime.set(id, { cursor: 0, lastSeen: 0, workloads: {}, networks: {} });
      this.queues.set(id, new Map());
    }
  }

  /**
   * Applies the snapshot or a log record: upserts of what it holds (replaying twice is harmless).
   */
  private apply(p: PersistedState): void {
    if (p.reset) this.forget();
    this.clockOffsetSeconds = p.clockOffsetSeconds ?? 0;
    this.phonebook.restore(p.userCounter, p.users);
    this.reservationCounter = p.reservationCounter;
    for (const r of p.reservations) {
      // A reservation's customer and workloads never change, so its index entries stay valid.
      if (this.reservations.has(r.id)) this.reservations.set(r.id, r);
      else this.index(r);
    }
    for (const [node, items] of Object.entries(p.queues)) {
      if (this.queues.has(node))
        this.queues.set(node, new Map(items.map((i) => [i.workload_id, i])));
    }
    for (const [node, rt] of Object.entries(p.nodes ?? {}))
      if (this.runtime.has(node)) this.runtime.set(node, rt);
    for (const [node, { workloads, removed, ...rest }] of Object.entries(p.nodeChanges ?? {})) {
      const rt = this.runtime.get(node);
      if (!rt) continue;
      Object.assign(rt, rest);
      Object.assign(rt.workloads, workloads);
      for (const gwid of removed) delete rt.workloads[gwid];
    }
  }

  private forget(): void {
    this.phonebook.clear();
    this.reservationCounter = 0;
    this.reservations.clear();
    this.byCustomer.clear();
    this.byNode.clear();
    this.secrets.clear();
    this.jsonCache.clear();
    this.resetRuntime();
  }

  /** Forgets every user, reservation and node state; the grid and the clock offset stay. */
  reset(): void {
    this.forget();
    this.pending.forgotten();
    this.journal?.changed();
  }

  /** The grid clock: Unix seconds plus the control-API offset (used to test expiry). */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Marks a reservation changed; without one, what else may have: users, counters, the clock
   * and every node's runtime and queue (a larger record — prefer nodeChanged for one node).
   */
  changed(r?: Reservation): void {
    if (r) {
      this.jsonCache.delete(r.id);
      this.pending.reservation(r.id);
    } else this.pending.metaChanged();
    this.journal?.changed();
  }

  /** Marks the users changed (a record carries them all: they are few and small). */
  private usersChanged(): void {
    this.pending.usersChanged();
    this.journal?.changed();
  }

  /** Marks one node's runtime (cursor, workloads, networks) and its queue changed. */
  nodeChanged(nodeId: string): void {
    this.pending.node(nodeId);
    this.journal?.changed();
  }

  /**
   * Resolves once every change made so far is on disk (at once without a data dir). The server
   * awaits it before answering, so a 2xx is never lost to a crash.
   */
  durable(): Promise<void> {
    return this.journal?.durable() ?? Promise.resolve();
  }

  private reservationJson(r: Reservation): string {
    let s = this.jsonCache.get(r.id);
    if (s === undefined) {
      s = JSON.stringify(r);
      this.jsonCache.set(r.id, s);
    }
    return s;
  }

  /** State as JSON: `head` plus the reservations, from the cached serializations. */
  private renderState(
    head: Omit<PersistedState, "reservations">,
    reservations: Iterable<Reservation>,
  ): string {
    return stateText(
      head,
      [...reservations].map((r) => this.reservationJson(r)),
    );
  }

  private queueParts(ids: Iterable<string>): Record<string, WorkloadItem[]> {
    const queues: Record<string, WorkloadItem[]> = {};
    for (const id of ids) queues[id] = [...(this.queues.get(id)?.values() ?? [])];
    return queues;
  }

  private runtimes(ids: string[]): [string, NodeRuntime][] {
    return ids.map((id) => [id, this.runtime.get(id)!]);
  }

  captureChanges(seq: number): string | null {
    const c = this.pending.take(this.nodeOrder);
    if (!c) return null;
    const head: Omit<PersistedState, "reservations"> = {
      version: 1,
      walSeq: seq,
      ...(c.reset ? { reset: true as const } : {}),
      clockOffsetSeconds: this.clockOffsetSeconds,
      userCounter: this.phonebook.lastId,
      users: c.users ? this.phonebook.all() : [],
      reservationCounter: this.reservationCounter,
      queues: this.queueParts(c.nodes),
      nodeChanges: this.runtimeLog.changes(this.runtimes(c.nodes)),
    };
    return this.renderState(
      head,
      c.reservations.flatMap((id) => this.reservations.get(id) ?? []),
    );
  }

  snapshotText(walSeq: number): string {
    return this.renderState(
      {
        version: 1,
        walSeq,
        grid: this.grid,
        clockOffsetSeconds: this.clockOffsetSeconds,
        userCounter: this.phonebook.lastId,
        users: this.phonebook.all(),
        reservationCounter: this.reservationCounter,
        queues: this.queueParts(this.nodeOrder),
        nodes: Object.fromEntries(this.runtime),
      },
      this.reservations.values(),
    );
  }

  /** The full state for `GET /__localgrid/state`. */
  dump(): Record<string, unknown> {
    const queues: Record<string, WorkloadItem[]> = {};
    for (const [n, q] of this.queues) queues[n] = [...q.values()];
    return {
      now: this.now(),
      clockOffsetSeconds: this.clockOffsetSeconds,
      users: this.phonebook.all(),
      reservations: [...this.reservations.values()].map((r) => this.view(r)),
      queues,
      nodes: Object.fromEntries(this.runtime),
    };
  }

  // ------------------------------------------------- reservations (docs/protocol.md#lifecycle)

  private index(r: Reservation): void {
    this.reservations.set(r.id, r);
    const c = this.byCustomer.get(r.customer_tid) ?? [];
    c.push(r.id);
    this.byCustomer.set(r.customer_tid, c);
    for (const n of new Set(workloadItems(r).map((i) => i.node_id))) {
      const l = this.byNode.get(n) ?? [];
      l.push(r.id);
      this.byNode.set(n, l);
    }
  }

  /**
   * A reservation as the API shows it: `next_action` recomputed, not persisted
   * (docs/protocol.md#state-pipeline).
   */
  view(r: Reservation): Reservation {
    const next = computeNextAction(r, this.now());
    return next === r.next_action ? r : { ...r, next_action: next };
  }

  /** Serialized view; reuses the cached JSON when the computed state equals the stored one. */
  viewJson(r: Reservation): string {
    const next = computeNextAction(r, this.now());
    return next === r.next_action
      ? this.reservationJson(r)
      : JSON.stringify({ ...r, next_action: next });
  }

  createReservation(body: string): { reservation_id: number; escrow_information: unknown } {
    const now = this.now();
    const r = validateCreate(body, now);
    // Server-owned fields: a client cannot pre-sign or pre-seed results. `next_action` is NOT
    // reset, as on the real explorer (docs/protocol.md#e7-client-next-action-kept): the client's
    // value enters the pipeline.
    r.signatures_provision = [];
    r.signatures_farmer = [];
    r.signatures_delete = [];
    r.results = [];
    r.epoch = now;
    const next = computeNextAction(r, now);
    if (r.next_action === NextAction.delete || r.next_action === NextAction.invalid) {
      throw badRequest(
        `invalid request wrong status '${NEXT_ACTION_NAMES[r.next_action]}': next_action ${r.next_action} cannot be created; send next_action 0 (create)`,
      );
    }
    if (next === NextAction.delete || next === NextAction.invalid) {
      throw badRequest(
        `reservation would be deleted at once: expiration_provisioning ${r.data_reservation.expiration_provisioning} is not in the future (server time ${now})`,
      );
    }
    verifyCustomer(r, this.phonebook.byId(r.customer_tid)?.pubkey);
    r.id = ++this.reservationCounter;
    // The free escrow acts here and nowhere else (docs/protocol.md#escrow,
    // docs/protocol.md#e9-free-escrow-at-create-only): a reservation reaching pay later, through
    // sign/provision, stays at pay.
    r.next_action = next === NextAction.pay ? NextAction.deploy : next;
    this.index(r);
    this.changed(r);
    return { reservation_id: r.id, escrow_information: { address: "", asset: "", details: null } };
  }

  getReservation(idText: string): Reservation {
    if (!/^\d+$/.test(idText)) throw badRequest(`invalid reservation id ${JSON.stringify(idText)}`);
    const r = this.reservations.get(Number(idText));
    if (!r) throw notFound(`reservation ${idText} not found`);
    return r;
  }

  /**
   * Filters on the STORED state, then the view reports the computed one, as the real explorer's
   * Mongo query does: `?next_action=3` can list an expired reservation showing 4.
   */
  listReservations(customerTid: string | null, nextAction: string | null): Reservation[] {
    if (customerTid !== null && customerTid !== "" && !/^\d+$/.test(customerTid)) {
      throw badRequest(`customer_tid must be an integer, got ${JSON.stringify(customerTid)}`);
    }
    if (nextAction !== null && nextAction !== "" && !/^\d+$/.test(nextAction)) {
      throw badRequest(`next_action must be an integer, got ${JSON.stringify(nextAction)}`);
    }
    const ids = customerTid
      ? (this.byCustomer.get(Number(customerTid)) ?? [])
      : [...this.reservations.keys()];
    const out: Reservation[] = [];
    for (const id of ids) {
      const r = this.reservations.get(id)!;
      if (nextAction && r.next_action !== Number(nextAction)) continue;
      out.push(r);
    }
    return out;
  }

  private signature(idText: string, body: string, which: "provision" | "delete"): Reservation {
    const b = decodeBody<SigningSignature>(body, SIGN_BODY_TYPE);
    if (!isHex(b.signature)) throw badRequest("signature is not valid hex");
    const r = this.getReservation(idText);
    const now = this.now();
    // The state is checked before the signer is looked up
    // (docs/protocol.md#e13-state-checked-before-signer).
    if (which === "provision") {
      const state = computeNextAction(r, now);
      if (state !== NextAction.sign) {
        throw unauthorized(
          `reservation not expecting signatures: reservation ${r.id} is in next_action ${state} (${NEXT_ACTION_NAMES[state] ?? "unknown"}), provision signatures are taken in 1 (sign) only`,
        );
      }
    }
    const user = this.phonebook.byId(b.tid);
    if (!user) throw notFound(`user ${b.tid} not found`);
    const req =
      which === "provision"
        ? r.data_reservation.signing_request_provision
        : r.data_reservation.signing_request_delete;
    if (!(req.signers ?? []).includes(b.tid)) {
      throw unauthorized(
        `tid ${b.tid} is not in signing_request_${which}.signers of reservation ${r.id}`,
      );
    }
    if (!verifyDetached(utf8(`${r.id}${r.json}`), b.signature, user.pubkey)) {
      throw unauthorized(
        `failed to verify ${which} signature of tid ${b.tid}: expected ed25519 over str(id)+json`,
      );
    }
    const list = which === "provision" ? r.signatures_provision : r.signatures_delete;
    const kept = list.filter((s) => s.tid !== b.tid);
    kept.push({ tid: b.tid, signature: b.signature.toLowerCase(), epoch: now });
    if (which === "provision") r.signatures_provision = kept;
    else r.signatures_delete = kept;
    r.next_action = computeNextAction(r, now);
    // A met delete quorum is the one event that queues the decommission (docs/protocol.md#deletion)
    // — also when an error result or expiry had already moved the reservation to delete
    // (docs/protocol.md#e16-error-result-queues-nothing).
    if (which === "delete" && r.next_action === NextAction.delete && deleteQuorumMet(r))
      this.pushItems(r);
    this.changed(r);
    return r;
  }

  signProvision(idText: string, body: string): void {
    this.signature(idText, body, "provision");
  }

  signDelete(idText: string, body: string): void {
    this.signature(idText, body, "delete");
  }

  private pushItems(r: Reservation): void {
    for (const item of workloadItems(r)) {
      const q = this.queues.get(item.node_id);
      if (!q) continue;
      q.set(item.workload_id, item);
      this.nodeChanged(item.node_id);
    }
  }

  /**
   * Persists delete (an error result, docs/protocol.md#results, or expiry seen by a poll,
   * docs/protocol.md#state-pipeline) WITHOUT queueing anything, as the real explorer: nodes learn
   * of it through their own expiry check or a later sign-delete
   * (docs/protocol.md#e16-error-result-queues-nothing).
   */
  private markDelete(r: Reservation): void {
    if (r.next_action === NextAction.delete || r.next_action === NextAction.deleted) return;
    r.next_action = NextAction.delete;
    this.changed(r);
  }

  // ---------------------------------------------- node side (docs/protocol.md#node-polling)

  private requireNode(nodeId: string): void {
    if (!this.nodes.has(nodeId)) throw notFound(`node ${nodeId} not found`);
  }

  /**
   * The oldest reservation below `cursor` holding a workload for `nodeId` that is still to be
   * deployed and has no result from the node — one the node took from its queue but never
   * reported, because it stopped or crashed in the middle of provisioning — or `cursor` itself.
   */
  firstUnreported(nodeId: string, cursor: number): number {
    for (const id of this.byNode.get(nodeId) ?? []) {
      if (id >= cursor) break;
      const r = this.reservations.get(id)!;
      if (computeNextAction(r, this.now()) !== NextAction.deploy) continue;
      const reported = new Set(
        r.results.filter((x) => x.node_id === nodeId).map((x) => x.workload_id),
      );
      if (workloadItems(r, nodeId).some((item) => !reported.has(item.workload_id))) return id;
    }
    return cursor;
  }

  /**
   * `GET /reservations/workloads/{node_id}?from=N`: queue first, then the id scan, concatenated
   * without de-duplication: after a sign-delete a node polling from ≤ rid gets the item twice
   * (docs/protocol.md#e14-duplicate-poll-items), and nodes must cope.
   */
  poll(nodeId: string, from: number): { items: WorkloadItem[]; lastId: number } {
    const lastId = this.reservationCounter;
    const items: WorkloadItem[] = [];
    for (const item of this.queues.get(nodeId)?.values() ?? []) {
      if (items.length >= 200) break;
      items.push(item);
    }
    const ids = this.byNode.get(nodeId) ?? [];
    // ids are ascending: binary search for the first id >= from.
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < ids.length && items.length < 200; i++) {
      const r = this.reservations.get(ids[i])!;
      const next = computeNextAction(r, this.now());
      if (next === NextAction.delete) this.markDelete(r);
      if (next !== NextAction.deploy && next !== NextAction.delete) continue;
      for (const item of workloadItems(r, nodeId))
        items.push({ ...item, to_delete: next === NextAction.delete });
    }
    return { items, lastId };
  }

  /** The workload behind a gwid on a node, or a 404 naming what is missing. */
  private workloadOn(gwid: string, nodeId: string): { r: Reservation; item: WorkloadItem } {
    const { rid } = parseGwid(gwid);
    const r = this.reservations.get(rid);
    if (!r) throw notFound(`reservation ${rid} not found`);
    const item = workloadItems(r, nodeId).find((i) => i.workload_id === gwid);
    if (!item) throw notFound(`workload ${gwid} not found on node ${nodeId}`);
    return { r, item };
  }

  /** `GET /reservations/workloads/{gwid}`: the item plus its result list. */
  getWorkload(gwid: string): WorkloadItem & { result: Result[] | null } {
    const { rid } = parseGwid(gwid);
    const r = this.reservations.get(rid);
    if (!r) throw notFound(`reservation ${rid} not found`);
    const view = this.view(r);
    const item = workloadItems(view).find((i) => i.workload_id === gwid);
    if (!item) throw notFound(`workload ${gwid} not found`);
    const res = r.results.filter((x) => x.workload_id === gwid);
    return { ...item, result: res.length ? res.slice(0, 1) : null };
  }

  /**
   * `PUT .../{gwid}/{node_id}`: record a result (docs/protocol.md#results); an error deletes the
   * reservation.
   */
  putResult(gwid: string, nodeId: string, body: string | Result): void {
    const result = typeof body === "string" ? decodeBody<Result>(body, RESULT_TYPE) : body;
    const { r } = this.workloadOn(gwid, nodeId);
    const stored: Result = { ...result, workload_id: gwid, node_id: nodeId, epoch: this.now() };
    r.results = r.results.filter((x) => !(x.workload_id === gwid && x.node_id === nodeId));
    r.results.push(stored);
    // A provision result settles a queued provision item, never a queued decommission: a delete
    // signed while the node was still provisioning must reach the node after its result.
    const queued = this.queues.get(nodeId)?.get(gwid);
    if (queued && !queued.to_delete) {
      this.queues.get(nodeId)!.delete(gwid);
      this.nodeChanged(nodeId);
    }
    if (stored.state === ResultState.error) this.markDelete(r);
    this.changed(r);
  }

  /**
   * The result a node DELETE updates: the node's own, or the `node_id: ""` one an earlier DELETE
   * without a previous result created (the real explorer matches on workload_id alone,
   * docs/protocol.md#deletion).
   */
  private resultFor(r: Reservation, gwid: string, nodeId: string): Result | undefined {
    return r.results.find(
      (x) => x.workload_id === gwid && (x.node_id === nodeId || x.node_id === ""),
    );
  }

  /**
   * `DELETE .../{gwid}/{node_id}` (docs/protocol.md#e15-node-delete-keeps-the-result): the previous
   * result keeps everything (data_json, message, signature, category, epoch) but its state, which
   * becomes deleted; with none, a new one with category 0 and node_id "" is added. When every item
   * has a deleted result the reservation is deleted (6).
   */
  deleteWorkload(gwid: string, nodeId: string): void {
    const { r } = this.workloadOn(gwid, nodeId);
    const prev = this.resultFor(r, gwid, nodeId);
    if (prev) prev.state = ResultState.deleted;
    else {
      r.results.push({
        category: 0,
        workload_id: gwid,
        data_json: null,
        signature: "",
        state: ResultState.deleted,
        message: "",
        epoch: this.now(),
        node_id: "",
      });
    }
    if (this.queues.get(nodeId)?.delete(gwid)) this.nodeChanged(nodeId);
    const done = workloadItems(r).every(
      (i) => this.resultFor(r, i.workload_id, i.node_id)?.state === ResultState.deleted,
    );
    if (done) r.next_action = NextAction.deleted;
    this.changed(r);
  }

  // ---------------------------------------------------------------- node runtime

  nodeRuntime(nodeId: string): NodeRuntime {
    this.requireNode(nodeId);
    return this.runtime.get(nodeId)!;
  }

  /** Where a provisioned workload lives, across all nodes (to say "volume is on another node"). */
  findProvisioned(gwid: string): { nodeId: string; w: ProvisionedWorkload } | null {
    for (const [nodeId, rt] of this.runtime) {
      const w = rt.workloads[gwid];
      if (w) return { nodeId, w };
    }
    return null;
  }

  reservationExists(rid: number): boolean {
    return this.reservations.has(rid);
  }

  /** Kept in memory only (see the module comment). */
  setSecrets(gwid: string, s: Record<string, unknown>): void {
    this.secrets.set(gwid, s);
  }

  getSecrets(gwid: string): Record<string, unknown> {
    const s = this.secrets.get(gwid);
    if (!s)
      throw new HttpError(
        404,
        `no secrets opened for workload ${gwid} since this grid process started (they are kept in memory only)`,
      );
    return s;
  }

  /** Writes what is pending and compacts the log into the snapshot; called on close. */
  async close(): Promise<void> {
    await this.journal?.close();
  }

  debug(line: string): void {
    this.log(line);
  }
}
