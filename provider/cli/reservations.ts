// `tfgrid reservations`: a customer's reservations with state, expiry and workload ids.
import { parseArgs } from "util";
import { ExplorerClient, type Reservation } from "../client";
import { commandOptions, explorerUrl, positiveInt, UsageError, type CliIo } from "./args";
import { counted, formatTable, print } from "./table";

/** Names of `next_action` and of a result's `state` (protocol.md#enumerations), by value. */
const NEXT_ACTION_NAMES = ["create", "sign", "pay", "deploy", "delete", "invalid", "deleted"];
const RESULT_STATES = ["error", "ok", "deleted"];

function reservationRow(r: Reservation) {
  const data = r.data_reservation;
  const workloads = [
    ...(data.networks ?? []),
    ...(data.zdbs ?? []),
    ...(data.volumes ?? []),
    ...(data.containers ?? []),
  ].map((w) => `${r.id}-${w.workload_id}`);
  const results = (r.results ?? []).map((res) => RESULT_STATES[res.state] ?? String(res.state));
  return {
    id: r.id,
    state: NEXT_ACTION_NAMES[r.next_action] ?? String(r.next_action),
    expiresAt: new Date(data.expiration_reservation * 1000).toISOString(),
    workloads,
    results,
  };
}

export async function reservations(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({ args, options: commandOptions(["tid"]) });
  const tid = positiveInt("tid", values.tid ?? io.env.TFGRID_TID);
  if (!tid) throw new UsageError("reservations needs --tid TID (or TFGRID_TID)");
  const client = new ExplorerClient({ baseUrl: explorerUrl(values, io.env) });
  const rows = (await client.listReservations({ customer_tid: tid })).map(reservationRow);
  print(io, values.json, rows, () => {
    const cells = rows.map((r) => [
      String(r.id),
      r.state,
      r.expiresAt,
      r.workloads.join(","),
      r.results.join(",") || "-",
    ]);
    const table = formatTable(["ID", "STATE", "EXPIRES", "WORKLOADS", "RESULTS"], cells);
    return table + `\n${counted(rows.length, "reservation")} of tid ${tid}\n`;
  });
}
