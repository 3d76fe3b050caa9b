/**
 * Helpers of the day-2 matrices (tests/e2e/day2-*.test.ts): read what the plain `pulumi preview`
 * (no `--diff`) prints per resource, and check the state against the explorer after an `up`.
 */
import * as fs from "fs";
import {
  NEXT_ACTION,
  Scenario,
  compareStateWithExplorer,
  notDeletedReservations,
  stateReservations,
} from "./harness";
import type { StackWorkspace } from "../../scripts/lib/workspace";
import type { ExplorerClient } from "../../provider/client";

/** One row of the plain preview: the resource's name, the operation and its `[diff: …]`. */
export interface PlanRow {
  op: string;
  /** e.g. `~env,volumes`; "" when the row has no `[diff: …]`. */
  diff: string;
}

/** Test timeouts are written in minutes. */
export const MINUTES = 60_000;

/** The plain-preview row of a replacement that `diff` forces. */
export const replace = (diff: string): PlanRow => ({ op: "replace", diff });

/** What a day-2 step sets in the stack config: plain values, secrets, and keys removed. */
export interface ConfigEdit {
  config?: Record<string, string>;
  secret?: Record<string, string>;
  remove?: string[];
}

const OPS = ["create-replacement", "delete-replaced", "replace", "create", "update", "delete"];

/**
 * The rows of a plain preview that are not unchanged, by resource name. The CLI prints one row per
 * resource — `<sign> <tree> <type> <name> <op> [diff: …]` — and, for a replacement, one row.
 */
export function planRows(output: string): Record<string, PlanRow> {
  const rows: Record<string, PlanRow> = {};
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  for (const line of plain.split("\n")) {
    const m = /\s(\S+)\s+([a-z-]+)(?:\s+\[diff: ([^\]]*)\])?\s*(?:\d+ \S+)?\s*$/.exec(line);
    if (!m || !OPS.includes(m[2]) || !/(pulumi|tfgrid):/.test(line)) continue;
    rows[m[1]] = { op: m[2], diff: (m[3] ?? "").trim() };
  }
  return rows;
}

/** Plain `pulumi preview`: its rows and its whole output. */
export async function plainPreview(
  ws: StackWorkspace,
): Promise<{ rows: Record<string, PlanRow>; output: string }> {
  const r = await ws.must(["preview"]);
  const output = `${r.stdout}\n${r.stderr}`;
  return { rows: planRows(r.stdout), output };
}

/** Sets stack config for one change: plain values, secrets, and keys removed. */
export async function applyConfig(ws: StackWorkspace, change: ConfigEdit): Promise<void> {
  for (const key of change.remove ?? []) await ws.must(["config", "rm", key]);
  const args = ["config", "set-all"];
  for (const [k, v] of Object.entries(change.config ?? {})) args.push("--plaintext", `${k}=${v}`);
  for (const [k, v] of Object.entries(change.secret ?? {})) args.push("--secret", `${k}=${v}`);
  if (args.length > 2) await ws.must(args);
}

/**
 * After an `up`: the explorer's live reservations are exactly the state's, every one deployed
 * (every result ok), and every reservation the state held before and holds no more is deleted.
 */
export async function expectConverged(s: Scenario, before: number[]): Promise<number[]> {
  expect(await compareStateWithExplorer(s)).toEqual({
    unknownToState: [],
    goneFromExplorer: [],
    duplicates: [],
  });
  const now = (await stateReservations(s.ws)).map((r) => r.reservationId);
  for (const id of now) {
    const r = await s.client.getReservation(id);
    expect({ id, nextAction: r.next_action }).toEqual({ id, nextAction: NEXT_ACTION.deploy });
    expect(r.results.length).toBeGreaterThan(0);
    expect(r.results.map((x) => x.state)).toEqual(r.results.map(() => 1));
  }
  for (const id of before.filter((x) => !now.includes(x))) {
    const r = await s.client.getReservation(id);
    expect({ id, nextAction: r.next_action }).toEqual({ id, nextAction: NEXT_ACTION.deleted });
  }
  return now;
}

/** What the node received for the one container of a set of reservations. */
export async function containerSeenByNode(
  s: { client: ExplorerClient; grid: { origin: string } },
  ids: number[],
): Promise<{
  id: number;
  env: Record<string, string>;
  secretEnv: Record<string, string>;
  ip: string;
  network: string;
  cpu: number;
  memory: number;
  flist: string;
}> {
  for (const id of ids) {
    const r = await s.client.getReservation(id);
    const c = (r.data_reservation.containers ?? [])[0] as unknown as
      | {
          environment: Record<string, string>;
          flist: string;
          network_connection: { network_id: string; ipaddress: string }[];
          capacity: { cpu: number; memory: number };
        }
      | undefined;
    if (!c) continue;
    const res = await fetch(`${s.grid.origin}/__localgrid/secrets/${id}-1`);
    expect(res.status).toBe(200);
    const opened = (await res.json()) as { secret_environment: Record<string, string> };
    return {
      id,
      env: c.environment,
      secretEnv: opened.secret_environment,
      ip: c.network_connection[0]?.ipaddress ?? "",
      network: c.network_connection[0]?.network_id ?? "",
      cpu: c.capacity.cpu,
      memory: c.capacity.memory,
      flist: c.flist,
    };
  }
  throw new Error(`no container among reservations ${ids.join(", ")}`);
}

/** With DAY2_LOG=<file>, appends each command's output there (to read what the CLI printed). */
export function log(title: string, text: string): void {
  if (process.env.DAY2_LOG) fs.appendFileSync(process.env.DAY2_LOG, `\n===== ${title}\n${text}`);
}

/** The last test of a day-2 matrix: destroy leaves nothing in the state and nothing active. */
export function destroyLeavesNothing(scenario: () => Scenario): void {
  test(
    "destroy at the end leaves nothing active",
    async () => {
      const s = scenario();
      await s.ws.must(["destroy", "--yes", "--skip-preview"]);
      expect(await stateReservations(s.ws)).toEqual([]);
      expect(await notDeletedReservations(s)).toEqual([]);
    },
    10 * MINUTES,
  );
}
