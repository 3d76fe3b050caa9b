// Waiting for a deployed workload: every node it names must report an ok result.
import type { ExplorerClient } from "../client/explorer";
import { okResultProblem, type Reservation, type WorkloadResult } from "../client/schemas";
import { PollSchedule, progressLog, type Log } from "./polling";
import { isTransient, NEXT_ACTION } from "./status";

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
    this.name = "DeployFailure";
    this.nodeId = nodeId;
  }
}

/** Abbreviated node id for progress lines. */
export function shortNode(nodeId: string): string {
  return nodeId.length > 8 ? `${nodeId.slice(0, 4)}…` : nodeId;
}

/** "node X" or "N nodes (X, Y)", each id written by `name`. */
function nodesPhrase(nodeIds: string[], name: (id: string) => string): string {
  return nodeIds.length === 1
    ? `node ${name(nodeIds[0])}`
    : `${nodeIds.length} nodes (${nodeIds.map(name).join(", ")})`;
}

/** Throws when a node refused the workload or reported a result of the wrong shape. */
function checkResults(mine: WorkloadResult[], w: WaitSpec): void {
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
}

/** The reservation as read now; an answer that proves nothing is retried until the deadline. */
async function poll(client: ExplorerClient, w: WaitSpec): Promise<Reservation | undefined> {
  try {
    return await client.getReservation(w.rid);
  } catch (e) {
    // A poll is safe to repeat.
    if (!isTransient(e) || Date.now() >= w.deadlineMs) throw e;
    return undefined;
  }
}

/** Polls until every node reported ok; throws DeployFailure on an error result or the deadline. */
export async function waitForResults(client: ExplorerClient, w: WaitSpec): Promise<Reservation> {
  const started = Date.now();
  const progress = progressLog(w.log, started);
  const polls = new PollSchedule(w.what, w.pollIntervalMs, w.deadlineMs);
  for (;;) {
    await polls.next();
    const r = await poll(client, w);
    if (r === undefined) continue;
    const mine = r.results.filter((x) => x.workload_id === w.gwid);
    checkResults(mine, w);
    const ok = new Set(mine.filter((x) => x.state === 1).map((x) => x.node_id));
    const pending = w.nodeIds.filter((id) => !ok.has(id));
    if (pending.length === 0) {
      polls.seen(started);
      return r;
    }
    if (r.next_action >= NEXT_ACTION.delete) {
      throw new DeployFailure(
        `reservation ${w.rid} was cancelled or expired (next_action ${r.next_action}) before ${w.what} ${w.gwid} was provisioned`,
      );
    }
    if (Date.now() >= w.deadlineMs) {
      // The error names nodes in full: the user copies the id to move that workload elsewhere.
      throw new DeployFailure(
        `${nodesPhrase(pending, (id) => id)} did not provision ${w.what} ${w.gwid} within ${Math.round((w.deadlineMs - started) / 1000)} s (tfgrid:deployTimeoutSeconds)`,
        pending[0],
      );
    }
    progress(
      (s) =>
        `waiting for ${nodesPhrase(pending, shortNode)} to provision ${w.what} ${w.gwid} (${s} s)`,
    );
  }
}
