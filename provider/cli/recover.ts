// `tfgrid recover`: after an interrupted `pulumi up`, cancel the reservations that the export's
// pending creates registered (each found by the create tag the engine recorded in its inputs).
import * as fs from "fs";
import { parseArgs } from "util";
import { ExplorerClient, type Reservation } from "../client";
import { resolveConfig, type ProviderConfig } from "../config";
import { identityFromMnemonic, type Identity } from "../identity";
import { cancelReservation, isGone, TAG_PREFIX } from "../reservation";
import { createTagIn } from "../resources/common";
import { commandOptions, explorerUrl, UsageError, type CliIo } from "./args";
import { print } from "./table";

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

const ACTION_WORDS: Record<RecoverAction, string> = {
  cancelled: "cancelled",
  "cancel-pending": "cancelled (nodes have not all confirmed yet)",
  "already-gone": "already cancelled or expired",
  "would-cancel": "would be cancelled (dry run)",
};

interface Recovered {
  urn: string;
  type: string;
  createTag: string;
  reservations: { id: number; action: RecoverAction }[];
}

/** The export as JSON, from --state FILE or stdin; `source` names it in messages. */
async function readExport(
  state: string | undefined,
  io: CliIo,
): Promise<{ exported: unknown; source: string }> {
  const source = state ?? "stdin";
  const text =
    state !== undefined ? fs.readFileSync(state, "utf8") : io.stdin ? await io.stdin() : "";
  if (text.trim() === "") {
    throw new UsageError(
      "recover needs the output of `pulumi stack export`: --state FILE, or the export on stdin",
    );
  }
  try {
    return { exported: JSON.parse(text) as unknown, source };
  } catch (e) {
    throw new Error(
      `${source} is not JSON (${(e as Error).message}); pass the output of \`pulumi stack export\``,
    );
  }
}

/** Cancels one reservation a pending create registered, unless it is gone or this is a dry run. */
async function recoverOne(
  r: Reservation,
  dryRun: boolean,
  use: { client: ExplorerClient; identity: Identity; config: ProviderConfig },
): Promise<RecoverAction> {
  if (isGone(r, Math.floor(Date.now() / 1000))) return "already-gone";
  if (dryRun) return "would-cancel";
  const outcome = await cancelReservation(use.client, use.identity, r.id, {
    deadlineMs: Date.now() + Math.min(use.config.deployTimeoutSeconds, 120) * 1000,
    pollIntervalMs: use.config.pollIntervalMs,
    log: () => undefined,
  });
  return outcome === "deleted" || outcome === "absent" ? "cancelled" : "cancel-pending";
}

/** The lines of the text report: each reservation's fate, the untagged creates, the next step. */
function reportLines(results: Recovered[], untagged: string[], pending: number): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const name = r.urn.split("::").pop();
    if (r.reservations.length === 0) lines.push(`${name}: nothing was registered`);
    for (const x of r.reservations) {
      lines.push(`${name}: reservation ${x.id} ${ACTION_WORDS[x.action]}`);
    }
  }
  for (const urn of untagged) {
    lines.push(
      `${urn.split("::").pop()}: no createTag (created by an older provider); check \`tfgrid reservations\` by hand`,
    );
  }
  lines.push(
    pending === 0
      ? "no pending creates in the export: nothing to recover"
      : `${pending} pending create${pending === 1 ? "" : "s"}; next: pulumi refresh --clear-pending-creates --yes, then pulumi up`,
  );
  return lines;
}

export async function recover(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: commandOptions(["state", "tid"], ["dry-run"]),
  });
  const { exported, source } = await readExport(values.state, io);
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
  const results: Recovered[] = [];
  for (const p of tagged) {
    const reservations = [];
    for (const r of all.filter((x) => x.metadata === TAG_PREFIX + p.createTag)) {
      const action = await recoverOne(r, values["dry-run"] ?? false, { client, identity, config });
      reservations.push({ id: r.id, action });
    }
    results.push({ urn: p.urn, type: p.type, createTag: p.createTag!, reservations });
  }
  const untagged = pending.filter((p) => p.createTag === undefined).map((p) => p.urn);
  print(
    io,
    values.json,
    { pendingCreates: results, untagged },
    () => reportLines(results, untagged, pending.length).join("\n") + "\n",
  );
}
