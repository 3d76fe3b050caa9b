/**
 * The shape of the store's state on disk (journal.ts writes it): the snapshot `state.json` and the
 * log records, which carry only what changed — for a node's runtime, only the workloads that
 * changed since it was last logged.
 */
import type { GridDefinition } from "./grid";
import type { NodeRuntime, ProvisionedWorkload } from "./node-runtime";
import type { Reservation, User, WorkloadItem } from "./types";

/**
 * The snapshot (`state.json`) and, with only the changed entities, a log record. A record with
 * `reset` first forgets everything. Older state files also had `secrets`, which is ignored.
 */
export interface PersistedState {
  version: 1;
  walSeq: number;
  reset?: true;
  grid?: GridDefinition;
  clockOffsetSeconds: number;
  userCounter: number;
  users: User[];
  reservationCounter: number;
  reservations: Reservation[];
  queues: Record<string, WorkloadItem[]>;
  /** Snapshot: every node's runtime. */
  nodes?: Record<string, NodeRuntime>;
  /** Log record: what changed in a node's runtime (its workloads grow with the node's use). */
  nodeChanges?: Record<string, NodeRuntimeChange>;
}

export interface NodeRuntimeChange extends Omit<NodeRuntime, "workloads"> {
  workloads: Record<string, ProvisionedWorkload>;
  removed: string[];
}

/** State as JSON: `head` plus the reservations, already serialized. */
export function stateText(
  head: Omit<PersistedState, "reservations">,
  reservationJson: string[],
): string {
  return `${JSON.stringify(head).slice(0, -1)},"reservations":[${reservationJson.join(",")}]}`;
}

/** Per node, each provisioned workload's JSON as last logged: records carry only changes. */
export class RuntimeChangeLog {
  private logged = new Map<string, Map<string, string>>();

  /** What changed in these nodes' runtimes since they were last logged; marks it logged. */
  changes(runtimes: Iterable<[string, NodeRuntime]>): Record<string, NodeRuntimeChange> {
    const changes: Record<string, NodeRuntimeChange> = {};
    for (const [id, { workloads, ...rest }] of runtimes) {
      let logged = this.logged.get(id);
      if (!logged) this.logged.set(id, (logged = new Map()));
      const change: NodeRuntimeChange = { ...rest, workloads: {}, removed: [] };
      for (const [gwid, w] of Object.entries(workloads)) {
        const json = JSON.stringify(w);
        if (logged.get(gwid) === json) continue;
        change.workloads[gwid] = w;
        logged.set(gwid, json);
      }
      for (const gwid of logged.keys()) {
        if (workloads[gwid]) continue;
        change.removed.push(gwid);
        logged.delete(gwid);
      }
      changes[id] = change;
    }
    return changes;
  }

  /** These runtimes are what is on disk (after recovery). */
  markLogged(runtimes: Iterable<[string, NodeRuntime]>): void {
    this.logged.clear();
    this.changes(runtimes);
  }
}

/** What a log record must carry: what changed since the previous record. */
export interface ChangeSet {
  /** The record starts by forgetting everything (a reset). */
  reset: boolean;
  users: boolean;
  /** Ascending. */
  reservations: number[];
  nodes: string[];
}

/** Collects what changed until the journal takes it for its next record. */
export class PendingChanges {
  private reservations = new Set<number>();
  private nodes = new Set<string>();
  private users = false;
  /** Users, counters, the clock and every node: whatever is not a reservation or a node. */
  private meta = false;
  private reset = false;

  reservation(id: number): void {
    this.reservations.add(id);
  }

  node(id: string): void {
    this.nodes.add(id);
  }

  usersChanged(): void {
    this.users = true;
  }

  metaChanged(): void {
    this.meta = true;
  }

  /** Everything was forgotten: the next record resets, and reservations changed before are moot. */
  forgotten(): void {
    this.reservations.clear();
    this.reset = true;
    this.meta = true;
  }

  /** Takes what changed (`allNodes` when meta did) and starts afresh; null if nothing did. */
  take(allNodes: string[]): ChangeSet | null {
    const meta = this.meta;
    const users = meta || this.users;
    const reservations = [...this.reservations].sort((a, b) => a - b);
    const nodes = meta ? [...allNodes] : [...this.nodes];
    if (!users && reservations.length === 0 && nodes.length === 0) return null;
    const reset = this.reset;
    this.meta = false;
    this.users = false;
    this.reset = false;
    this.reservations.clear();
    this.nodes.clear();
    return { reset, users, reservations, nodes };
  }
}
