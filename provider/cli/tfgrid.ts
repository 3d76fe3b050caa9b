#!/usr/bin/env node
/**
 * `tfgrid`: what is awkward inside a Pulumi program — creating an identity, looking at nodes,
 * planning a layout before deploying, and listing one's reservations. Uses the provider's own
 * explorer client, so what it shows is what the provider sees.
 *
 * Exit codes: 0 success, 1 the explorer or the request failed, 2 bad usage.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { ExplorerClient, type Node, type Reservation } from "../client";
import { DEFAULT_EXPLORER_URL, resolveConfig } from "../config";
import { identityFromMnemonic } from "../identity";
import { cancelReservation, NEXT_ACTION, TAG_PREFIX } from "../reservation";
import { describeRequest, selectShardNodes, type PlacementRequest } from "../archive/placement";
import {
  formatRedundancyReport,
  planRedundancy,
  type NodePlace,
  type ShardLocation,
} from "../archive/planner";
import { createTagIn } from "../resources/common";
import { configCommands, registerIdentity } from "./identity";
import { formatTable } from "./table";

/** A usage mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** Where a command writes; tests pass buffers, the bin passes the process streams. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Standard input as text (`tfgrid recover` without --state); the bin reads process.stdin. */
  stdin?: () => Promise<string>;
}

const USAGE = `usage: tfgrid <command> [options]

commands:
  identity new --name NAME [--email EMAIL]     generate a mnemonic, register it, print the config lines
  nodes [--farm ID] [--city NAME] [--min-sru GiB]
                                               nodes with site, free capacity and user-access ability
  plan --data D --parity P --nodes ID,ID,… [--size GiB] [--require-site-tolerance]
  plan --data D --parity P --count N [--farms ID,…] [--cities NAME,…] [--countries NAME,…] [--size GiB]
                                               the redundancy report of a layout (given, or chosen as
                                               S3Archive's placement would), without deploying
       [--minio ID] [--tlog ID] [--standby ID]  where the index lives: MinIO (default: the first
                                               shard's node), its TLOG namespace, a standby MinIO
  reservations [--tid TID]                     your reservations with state, expiry and workload ids
  recover [--state FILE] [--dry-run]           after an interrupted \`pulumi up\`: cancel the reservations
                                               of the export's pending creates (export on stdin
                                               without --state); identity from TFGRID_TID and
                                               TFGRID_MNEMONIC

common options:
  --explorer URL   explorer base URL (default: $TFGRID_EXPLORER_URL, else ${DEFAULT_EXPLORER_URL})
  --json           machine-readable output
`;

const NEXT_ACTION_NAMES = ["create", "sign", "pay", "deploy", "delete", "invalid", "deleted"];
const RESULT_STATES = ["error", "ok", "deleted"];

function explorerUrl(values: { explorer?: string }, env: NodeJS.ProcessEnv): string {
  return values.explorer ?? env.TFGRID_EXPLORER_URL ?? DEFAULT_EXPLORER_URL;
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not a non-negative integer`);
  }
  return n;
}

/** Free capacity the way the SDK's node finder computed it: total − max(0, reserved). */
function free(node: Node, unit: "cru" | "mru" | "sru" | "hru"): number {
  return node.total_resources[unit] - Math.max(0, node.reserved_resources[unit]);
}

function canServeAccess(node: Node): boolean {
  return Boolean(node.public_config?.ipv4);
}

async function identityNew(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      name: { type: "string" },
      email: { type: "string" },
      explorer: { type: "string" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
  });
  if (positionals[0] !== "new")
    throw new UsageError(
      `unknown identity command "${positionals[0] ?? ""}"; use: tfgrid identity new`,
    );
  if (!values.name)
    throw new UsageError("identity new needs --name NAME (lower case, 3+ characters)");
  const identity = await registerIdentity({
    explorerUrl: explorerUrl(values, io.env),
    name: values.name,
    email: values.email,
    uniqueSuffix: false,
  });
  if (values.json) {
    io.out(JSON.stringify(identity, null, 2) + "\n");
    return;
  }
  io.out(
    [
      `Registered ${identity.name} as tid ${identity.tid} on ${identity.explorerUrl}.`,
      "The mnemonic below is the identity's private key: keep it secret, it is shown only once.",
      "",
      ...configCommands(identity),
      "",
    ].join("\n"),
  );
}

async function nodes(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      farm: { type: "string" },
      city: { type: "string" },
      "min-sru": { type: "string" },
      explorer: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const minSru = positiveInt("min-sru", values["min-sru"]) ?? 0;
  const client = new ExplorerClient({ baseUrl: explorerUrl(values, io.env) });
  const list = (
    await client.listNodes({ farm: positiveInt("farm", values.farm), city: values.city })
  ).filter((n) => free(n, "sru") >= minSru);
  const rows = list.map((n) => ({
    nodeId: n.node_id,
    farmId: n.farm_id,
    city: n.location.city,
    country: n.location.country,
    freeCru: free(n, "cru"),
    freeMruGiB: free(n, "mru"),
    freeSruGiB: free(n, "sru"),
    freeHruGiB: free(n, "hru"),
    userAccess: canServeAccess(n),
  }));
  if (values.json) {
    io.out(JSON.stringify(rows, null, 2) + "\n");
    return;
  }
  io.out(
    formatTable(
      [
        "NODE",
        "FARM",
        "SITE",
        "FREE CRU",
        "FREE MRU GiB",
        "FREE SRU GiB",
        "FREE HRU GiB",
        "USER ACCESS",
      ],
      rows.map((r) => [
        r.nodeId,
        String(r.farmId),
        `${r.city}, ${r.country}`,
        String(r.freeCru),
        String(r.freeMruGiB),
        String(r.freeSruGiB),
        String(r.freeHruGiB),
        r.userAccess ? "yes (public IPv4)" : "no",
      ]),
    ) + `\n${rows.length} node${rows.length === 1 ? "" : "s"}\n`,
  );
}

const list = (v: string | undefined): string[] =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

async function plan(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: "string" },
      parity: { type: "string" },
      nodes: { type: "string" },
      count: { type: "string" },
      farms: { type: "string" },
      cities: { type: "string" },
      countries: { type: "string" },
      size: { type: "string" },
      "require-site-tolerance": { type: "boolean" },
      minio: { type: "string" },
      tlog: { type: "string" },
      standby: { type: "string" },
      explorer: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const dataShards = positiveInt("data", values.data ?? "4")!;
  const parityShards = positiveInt("parity", values.parity ?? "2")!;
  const sizeGiB = positiveInt("size", values.size ?? "10")!;
  const ids = list(values.nodes);
  const placing = [values.count, values.farms, values.cities, values.countries].some(
    (v) => v !== undefined,
  );
  if (ids.length > 0 && placing) {
    throw new UsageError("plan takes either --nodes or a placement request (--count …), not both");
  }
  if (ids.length === 0 && !placing) {
    throw new UsageError(
      "plan needs --nodes ID,ID,… (the shard nodes, in order) or a placement request (--count N [--farms ID,…])",
    );
  }
  if (placing && values.count === undefined) {
    throw new UsageError("a placement request needs --count N (the number of shards)");
  }
  const client = new ExplorerClient({ baseUrl: explorerUrl(values, io.env) });
  const shards: ShardLocation[] = [];
  let chosen = "";
  if (placing) {
    // The same choice S3Archive's placement makes (minimum free SSD = the shard size).
    const request: PlacementRequest = {
      count: positiveInt("count", values.count)!,
      farms: list(values.farms).map((f) => positiveInt("farms", f)!),
      cities: list(values.cities),
      countries: list(values.countries),
      minFreeSsdGiB: sizeGiB,
    };
    const picked = selectShardNodes(
      await client.listNodes(),
      request,
      Math.floor(Date.now() / 1000),
    );
    if ("problem" in picked) throw new Error(`placement: ${picked.problem}`);
    for (const n of picked.nodes) shards.push({ ...n, sizeGiB });
    chosen = `Placement (${describeRequest(request)}) chose, in shard order: ${picked.nodes.map((n) => n.nodeId).join(", ")}\n\n`;
  } else {
    for (const nodeId of ids) {
      const node = await client.getNode(nodeId);
      shards.push({
        nodeId,
        farmId: node.farm_id,
        city: node.location.city,
        country: node.location.country,
        sizeGiB,
      });
    }
  }
  // The metadata side: MinIO (default: the first shard's node, as S3Archive), TLOG, standby.
  const place = async (nodeId: string | undefined): Promise<NodePlace | undefined> => {
    if (nodeId === undefined) return undefined;
    const known = shards.find((s) => s.nodeId === nodeId);
    if (known) return { nodeId, farmId: known.farmId, city: known.city, country: known.country };
    const node = await client.getNode(nodeId);
    return {
      nodeId,
      farmId: node.farm_id,
      city: node.location.city,
      country: node.location.country,
    };
  };
  const minio = (await place(values.minio)) ?? (await place(shards[0]?.nodeId));
  const tlog = await place(values.tlog);
  const standby = await place(values.standby);
  const report = planRedundancy({
    shards,
    dataShards,
    parityShards,
    requireSiteFailureTolerance: values["require-site-tolerance"] ?? false,
    ...(minio
      ? { metadata: { minio, ...(tlog ? { tlog } : {}), ...(standby ? { standby } : {}) } }
      : {}),
  });
  io.out(
    values.json
      ? JSON.stringify(report, null, 2) + "\n"
      : chosen + formatRedundancyReport(report) + "\n",
  );
}

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

async function reservations(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { tid: { type: "string" }, explorer: { type: "string" }, json: { type: "boolean" } },
  });
  const tid = positiveInt("tid", values.tid ?? io.env.TFGRID_TID);
  if (!tid) throw new UsageError("reservations needs --tid TID (or TFGRID_TID)");
  const client = new ExplorerClient({ baseUrl: explorerUrl(values, io.env) });
  const rows = (await client.listReservations({ customer_tid: tid })).map(reservationRow);
  if (values.json) {
    io.out(JSON.stringify(rows, null, 2) + "\n");
    return;
  }
  io.out(
    formatTable(
      ["ID", "STATE", "EXPIRES", "WORKLOADS", "RESULTS"],
      rows.map((r) => [
        String(r.id),
        r.state,
        r.expiresAt,
        r.workloads.join(","),
        r.results.join(",") || "-",
      ]),
    ) + `\n${rows.length} reservation${rows.length === 1 ? "" : "s"} of tid ${tid}\n`,
  );
}

/** A create the engine began but never finished, as `pulumi stack export` records it. */
interface PendingCreate {
  urn: string;
  type: string;
  createTag?: string;
}

/**
 * Resource types whose create registers a reservation (and carries a createTag). The component's
 * other dynamic resources (its password, placement, layout record) reserve nothing: a pending
 * create of one leaves nothing on the grid to recover.
 */
const RESERVATION_TYPE = /\/tfgrid:(Network|ZdbNamespace|Volume|Container)$/;

/** The pending creates of reservation-backed resources in a `pulumi stack export` document. */
export function pendingCreates(exported: unknown, source: string): PendingCreate[] {
  const deployment = (exported as { deployment?: unknown } | null)?.deployment;
  if (typeof deployment !== "object" || deployment === null) {
    throw new Error(
      `${source} is not the output of \`pulumi stack export\` (no deployment object)`,
    );
  }
  const ops = (deployment as { pending_operations?: unknown }).pending_operations;
  const list = Array.isArray(ops) ? (ops as unknown[]) : [];
  return list.flatMap((op) => {
    const o = op as {
      type?: string;
      resource?: { urn?: string; type?: string; inputs?: Record<string, unknown> };
    };
    if (o.type !== "creating" || !o.resource?.urn) return [];
    if (!RESERVATION_TYPE.test(o.resource.type ?? "")) return [];
    const tag = createTagIn(o.resource.inputs);
    return [
      {
        urn: o.resource.urn,
        type: o.resource.type ?? "",
        ...(tag !== undefined ? { createTag: tag } : {}),
      },
    ];
  });
}

/** What recover did to one reservation. */
type RecoverAction = "cancelled" | "cancel-pending" | "already-gone" | "would-cancel";

async function recover(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      state: { type: "string" },
      "dry-run": { type: "boolean" },
      tid: { type: "string" },
      explorer: { type: "string" },
      json: { type: "boolean" },
    },
  });
  let text: string;
  const source = values.state ?? "stdin";
  if (values.state !== undefined) text = fs.readFileSync(values.state, "utf8");
  else text = io.stdin ? await io.stdin() : "";
  if (text.trim() === "") {
    throw new UsageError(
      "recover needs the output of `pulumi stack export`: --state FILE, or the export on stdin",
    );
  }
  let exported: unknown;
  try {
    exported = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${source} is not JSON (${(e as Error).message}); pass the output of \`pulumi stack export\``,
    );
  }
  const pending = pendingCreates(exported, source);
  // Identity and explorer as the provider resolves them from the environment (same messages).
  const config = resolveConfig(undefined, {
    ...io.env,
    ...(values.tid !== undefined ? { TFGRID_TID: values.tid } : {}),
    TFGRID_EXPLORER_URL: explorerUrl(values, io.env),
  });
  const identity = identityFromMnemonic(config.mnemonic, config.tid);
  const client = new ExplorerClient({ baseUrl: config.explorerUrl });
  const tagged = pending.filter((p) => p.createTag !== undefined);
  const all =
    tagged.length > 0 ? await client.listReservations({ customer_tid: identity.tid }) : [];
  const now = Math.floor(Date.now() / 1000);
  const results = [];
  for (const p of tagged) {
    const found = all.filter((r) => r.metadata === TAG_PREFIX + p.createTag);
    const reservations: { id: number; action: RecoverAction }[] = [];
    for (const r of found) {
      let action: RecoverAction;
      if (r.next_action >= NEXT_ACTION.delete || r.data_reservation.expiration_reservation <= now) {
        action = "already-gone";
      } else if (values["dry-run"]) {
        action = "would-cancel";
      } else {
        const outcome = await cancelReservation(client, identity, r.id, {
          deadlineMs: Date.now() + Math.min(config.deployTimeoutSeconds, 120) * 1000,
          pollIntervalMs: config.pollIntervalMs,
          log: () => undefined,
        });
        action = outcome === "deleted" ? "cancelled" : "cancel-pending";
      }
      reservations.push({ id: r.id, action });
    }
    results.push({ urn: p.urn, type: p.type, createTag: p.createTag!, reservations });
  }
  const untagged = pending.filter((p) => p.createTag === undefined).map((p) => p.urn);
  if (values.json) {
    io.out(JSON.stringify({ pendingCreates: results, untagged }, null, 2) + "\n");
    return;
  }
  const lines: string[] = [];
  const words: Record<RecoverAction, string> = {
    cancelled: "cancelled",
    "cancel-pending": "cancelled (nodes have not all confirmed yet)",
    "already-gone": "already cancelled or expired",
    "would-cancel": "would be cancelled (dry run)",
  };
  for (const r of results) {
    const name = r.urn.split("::").pop();
    if (r.reservations.length === 0) lines.push(`${name}: nothing was registered`);
    for (const x of r.reservations) lines.push(`${name}: reservation ${x.id} ${words[x.action]}`);
  }
  for (const urn of untagged) {
    lines.push(
      `${urn.split("::").pop()}: no createTag (created by an older provider); check \`tfgrid reservations\` by hand`,
    );
  }
  lines.push(
    pending.length === 0
      ? "no pending creates in the export: nothing to recover"
      : `${pending.length} pending create${pending.length === 1 ? "" : "s"}; next: pulumi refresh --clear-pending-creates --yes, then pulumi up`,
  );
  io.out(lines.join("\n") + "\n");
}

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<void>> = {
  identity: identityNew,
  nodes,
  plan,
  reservations,
  recover,
};

/** Runs one command line; returns the exit code instead of exiting, so tests can call it. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (Object.hasOwn(COMMANDS, command) && (rest.includes("--help") || rest.includes("-h"))) {
    io.out(USAGE);
    return 0;
  }
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    await run(rest, io);
    return 0;
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.err(`tfgrid: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const hint =
      (err as { code?: string }).code === "explorer.network"
        ? "\n(is the explorer running? point at it with --explorer URL or TFGRID_EXPLORER_URL; start a local grid with: npx localgrid)"
        : "";
    io.err(`tfgrid ${command}: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    stdin: async () => {
      if (process.stdin.isTTY) return "";
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  }).then((code) => process.exit(code));
}
