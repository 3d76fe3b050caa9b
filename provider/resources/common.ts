// The shared dynamic-provider factory: configure/check/diff/create/read/delete for a resource
// described by a ResourceSpec. The returned provider is serialized by value into state (GUIDE
// §4): it closes over the spec only; configuration is read at call time, the client and identity
// are built inside each method.
import type * as pulumi from "@pulumi/pulumi";
import { createHash, createHmac, randomUUID } from "crypto";
import { resolveConfig, type ConfigSource, type ProviderConfig } from "../config";
import { identityFromMnemonic, type Identity } from "../identity";
import { identityFailures } from "../identity-check";
import { isNotFound } from "../client/errors";
import { ExplorerClient } from "../client/explorer";
import type { Reservation } from "../client/schemas";
import {
  cancelReservation,
  DeployFailure,
  expirationOf,
  TAG_PREFIX,
  isGone,
  ownershipProblem,
  registerIdempotent,
  reservationData,
  waitForResults,
  type Log,
  type Owner,
  type WorkloadLists,
} from "../reservation";
import { UNKNOWN, type Failure } from "./validation";

/** Everything a method needs, built fresh per call. */
export interface Ctx {
  config: ProviderConfig;
  identity: Identity;
  client: ExplorerClient;
  log: Log;
}

/** What a resource's build step returns: its workload lists and what to wait for. */
export interface Built {
  lists: WorkloadLists;
  /** Workload kind for messages: "0-db", "volume", "container", "network". */
  what: string;
  /** Nodes that must each report an ok result. */
  nodeIds: string[];
  /** Outputs known before deploy (e.g. WireGuard public keys, the wg-quick file). */
  outputs?: Record<string, unknown>;
}

export type Props = Record<string, unknown>;

/** A resource's behaviour; everything else is shared. */
export interface ResourceSpec {
  /** Type name for messages, e.g. "ZdbNamespace". */
  type: string;
  /** Input properties, in the order diffs report them. */
  inputKeys: readonly string[];
  /** Validates and applies defaults; `config` is undefined when it failed to resolve. */
  check(
    news: Props,
    olds: Props,
    config: ProviderConfig | undefined,
  ): Promise<{ inputs: Props; failures: Failure[] }>;
  /** Defaults applied to old state for comparison (state written by older providers). */
  normalize?(props: Props): Props;
  /** Whether old and new cannot coexist on the grid (e.g. the same container IP). */
  deleteBeforeReplace(olds: Props, news: Props): boolean;
  /** Inputs holding secrets (an object: each entry is one secret); see {@link SECRET_FINGERPRINTS}. */
  secretInputs?: readonly string[];
  build(inputs: Props, ctx: Ctx): Promise<Built>;
  /** Outputs derived from a deployed reservation's results (create and refresh). */
  results(props: Props, r: Reservation): Props;
}

/** Workload id of the single workload of every reservation we create. */
export const WORKLOAD_ID = 1;

const CONFIG_KEYS = [
  "explorerUrl",
  "mnemonic",
  "tid",
  "durationHours",
  "deployTimeoutSeconds",
  "pollIntervalMs",
  "allowInsecureExplorer",
];

// configure() keeps the stack config here, on the provider host process, never in the
// serialized provider object (which is written to state before configure ever runs).
const SLOT = "__pulumiTfgridConfigSource";

type Slot = Record<string, Record<string, string | undefined> | undefined>;

/** The config source stored by configure, if any. */
export function configSource(): ConfigSource | undefined {
  const values = (process as unknown as Slot)[SLOT];
  if (!values) return undefined;
  return { get: (key: string) => values[key] };
}

/** Stores the stack config values for later methods (what the provider's configure does). */
export function storeConfig(config: { get(key: string): string | undefined }): void {
  const values: Record<string, string | undefined> = {};
  for (const k of CONFIG_KEYS) values[`tfgrid:${k}`] = config.get(`tfgrid:${k}`);
  (process as unknown as Slot)[SLOT] = values;
}

/** Forgets configure's values (tests). */
export function clearConfig(): void {
  delete (process as unknown as Slot)[SLOT];
}

/** Progress through the engine's log when running under Pulumi; silent in tests. */
export function progressLog(): Log {
  return (msg: string) => {
    if (process.env.JEST_WORKER_ID !== undefined) return;
    const p: typeof pulumi = require("@pulumi/pulumi");
    void p.log.info(msg);
  };
}

export function makeCtx(): Ctx {
  const config = resolveConfig(configSource(), process.env);
  const identity = identityFromMnemonic(config.mnemonic, config.tid);
  const client = new ExplorerClient({ baseUrl: config.explorerUrl });
  return { config, identity, client, log: progressLog() };
}

/** Config problems as check failures on the `tfgrid:*` key they concern. */
export function configFailures(e: unknown): Failure[] {
  const err = e as { message?: string; problems?: unknown };
  const list = Array.isArray(err.problems)
    ? (err.problems as unknown[])
    : [err.message ?? String(e)];
  return list.map((p) => {
    const reason = String(p);
    return { property: /^(tfgrid:[A-Za-z]+)/.exec(reason)?.[1] ?? "tfgrid", reason };
  });
}

/** Stable JSON for comparisons: object keys sorted. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === "object" && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Props).sort(([a], [b]) => (a < b ? -1 : 1)))
      : val,
  );
}

function containsUnknown(v: unknown): boolean {
  return stableJson(v)?.includes(UNKNOWN) ?? false;
}

/**
 * The input `check` adds to every reservation-backed resource: a fresh id per check that create
 * puts into the reservation's `metadata` (as `pulumi-tfgrid:<createTag>`), never into the signed
 * json. The engine records checked inputs in its pending operation before it calls create, so
 * after an interrupted `pulumi up` the export names the tag of every create in flight and
 * `tfgrid recover` can find and cancel what those creates registered. Not in any `inputKeys`, so
 * it never forces a replacement; and its `__` prefix marks it as internal bookkeeping, which the
 * CLI leaves out of every diff it prints (`[diff: …]` and `--diff`).
 */
export const CREATE_TAG = "__createTag";

/**
 * Where earlier versions kept the tag: still read (by `tfgrid recover`), never written. A resource
 * created by them shows `-createTag` once, in the preview of its replacement.
 */
export const LEGACY_CREATE_TAG = "createTag";

/** The create tag recorded in checked inputs (either key), or undefined. */
export function createTagIn(inputs: Props | undefined): string | undefined {
  for (const key of [CREATE_TAG, LEGACY_CREATE_TAG]) {
    const t = inputs?.[key];
    if (typeof t === "string" && t !== "") return t;
  }
  return undefined;
}

/** The metadata tag create registers under: the checked createTag, else a fresh one. */
export function createTagOf(inputs: Props): string {
  return TAG_PREFIX + (createTagIn(inputs) ?? randomUUID());
}

/**
 * The input check adds to show which secret changed. The CLI masks every secret as `[secret]` on
 * both sides of a diff, so a changed password or secret env value would force a replacement whose
 * preview names no property at all. This map holds, per secret (`password`,
 * `secretEnv.SECRET_KEY`, …), a keyed fingerprint of its value: an HMAC under a key derived from
 * the customer's own identity, so it changes exactly when the value does, is the same on every
 * run (the engine re-checks a replacement without its old inputs, so it cannot be a counter), and
 * tells nothing about the value to whoever reads the state without the mnemonic. The preview then
 * says `[diff: ~secretFingerprints]`. Not in any `inputKeys`: the secret itself forces the
 * replacement.
 */
export const SECRET_FINGERPRINTS = "secretFingerprints";

function secretEntries(keys: readonly string[], props: Props): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of keys) {
    const v = props[key];
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Props)) out.push([`${key}.${k}`, x]);
    } else if (v !== undefined) {
      out.push([key, v]);
    }
  }
  return out;
}

/** The fingerprint key of an identity: derived from its seed, never the seed itself. */
export function fingerprintKey(identity: Identity): Buffer {
  return createHash("sha256")
    .update("pulumi-tfgrid/secret-fingerprint\0")
    .update(identity.secretKey.subarray(0, 32))
    .digest();
}

/** The {@link SECRET_FINGERPRINTS} map of `news` (unknown where the value is not known yet). */
export function secretFingerprints(
  keys: readonly string[],
  news: Props,
  key: Buffer,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of secretEntries(keys, news)) {
    out[name] = containsUnknown(value)
      ? UNKNOWN
      : createHmac("sha256", key)
          .update(`${name}\0${stableJson(value)}`)
          .digest("hex")
          .slice(0, 16);
  }
  return out;
}

/**
 * Who must own the reservation behind a resource's state: the configured identity, under the
 * resource's create tag. State written before createTag existed has none; then the expiry the
 * create computed stands in for it (see ownershipProblem).
 */
export function ownerOf(props: Props | undefined, tid: number): Owner {
  const tag = props?.[CREATE_TAG];
  const expiresAt = props?.expiresAt;
  return {
    tid,
    tag: typeof tag === "string" && tag !== "" ? TAG_PREFIX + tag : undefined,
    expiresAt: typeof expiresAt === "string" ? expiresAt : undefined,
  };
}

/**
 * The output a failed create leaves on a resource whose reservation it could not cancel (the
 * engine keeps such a resource, with its id, for the next run): its reason. The next `up` replaces
 * the resource, naming this property, and `destroy` cancels the reservation.
 */
export const CREATE_FAILED = "createFailed";

/** Thrown by create when the cancel of a failed reservation failed too: the engine keeps the id. */
export interface PartialFailure extends Error {
  id: string;
  properties: Props;
  reasons: string[];
}

export function makeProvider(spec: ResourceSpec): pulumi.dynamic.ResourceProvider {
  return {
    async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
      storeConfig(req.config);
    },

    async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
      let config: ProviderConfig | undefined;
      let identity: Identity | undefined;
      const failures: Failure[] = [];
      try {
        config = resolveConfig(configSource(), process.env);
        identity = identityFromMnemonic(config.mnemonic, config.tid);
        // Before anything is reserved: a reachable explorer that knows this key for this tid.
        failures.push(...(await identityFailures(config, identity)));
      } catch (e) {
        failures.push(...configFailures(e));
      }
      const r = await spec.check(news ?? {}, olds ?? {}, config);
      failures.push(...r.failures);
      const inputs: Props = { ...r.inputs, [CREATE_TAG]: randomUUID() };
      if (spec.secretInputs && identity) {
        inputs[SECRET_FINGERPRINTS] = secretFingerprints(
          spec.secretInputs,
          r.inputs,
          fingerprintKey(identity),
        );
      }
      return { inputs, failures };
    },

    async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
      if (olds[CREATE_FAILED] !== undefined) {
        // Its reservation is cancelled or being cancelled: delete it first, then create anew.
        return { changes: true, replaces: [CREATE_FAILED], deleteBeforeReplace: true };
      }
      const old = spec.normalize ? spec.normalize(olds) : olds;
      news = spec.normalize ? spec.normalize(news) : news;
      const replaces = spec.inputKeys.filter(
        (k) => containsUnknown(news[k]) || stableJson(old[k]) !== stableJson(news[k]),
      );
      return {
        changes: replaces.length > 0,
        replaces,
        deleteBeforeReplace: replaces.length > 0 && spec.deleteBeforeReplace(old, news),
      };
    },

    async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
      const ctx = makeCtx();
      const built = await spec.build(inputs, ctx);
      const now = Math.floor(Date.now() / 1000);
      const durationHours = Number(inputs.durationHours ?? ctx.config.durationHours);
      const timeout = ctx.config.deployTimeoutSeconds;
      const data = reservationData(ctx.identity.tid, built.lists, {
        now,
        durationHours,
        deployTimeoutSeconds: timeout,
      });
      const rid = await registerIdempotent(
        ctx.client,
        ctx.identity,
        data,
        ctx.log,
        createTagOf(inputs),
      );
      const gwid = `${rid}-${WORKLOAD_ID}`;
      const base: Props = {
        ...inputs,
        ...built.outputs,
        reservationId: rid,
        workloadId: gwid,
        customerTid: ctx.identity.tid,
        expiresAt: new Date(expirationOf(now, durationHours) * 1000).toISOString(),
      };
      try {
        const r = await waitForResults(ctx.client, {
          rid,
          gwid,
          what: built.what,
          nodeIds: built.nodeIds,
          deadlineMs: Date.now() + timeout * 1000,
          pollIntervalMs: ctx.config.pollIntervalMs,
          log: ctx.log,
        });
        return { id: String(rid), outs: { ...base, ...spec.results(base, r) } };
      } catch (e) {
        const why = e instanceof DeployFailure || e instanceof Error ? e.message : String(e);
        let outcome: string;
        try {
          const c = await cancelReservation(ctx.client, ctx.identity, rid, {
            deadlineMs: Date.now() + Math.min(timeout, 120) * 1000,
            pollIntervalMs: ctx.config.pollIntervalMs,
            log: ctx.log,
            owner: ownerOf(base, ctx.identity.tid),
          });
          outcome =
            c === "pending"
              ? `reservation ${rid} was cancelled (nodes have not all confirmed yet)`
              : `reservation ${rid} was cancelled`;
        } catch (ce) {
          // Keep the id in state (ErrorResourceInitFailed): the next up/destroy deletes it.
          const msg = `${spec.type} create failed: ${why}; cancelling reservation ${rid} failed too (${(ce as Error).message}): it stays in the stack so that \`pulumi destroy\` can cancel it`;
          const pf = new Error(msg) as PartialFailure;
          pf.id = String(rid);
          pf.properties = { ...base, [CREATE_FAILED]: why };
          pf.reasons = [msg];
          throw pf;
        }
        throw new Error(`${spec.type} create failed: ${why}; ${outcome}`);
      }
    },

    async read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
      const ctx = makeCtx();
      let r: Reservation;
      try {
        r = await ctx.client.getReservation(Number(id));
      } catch (e) {
        // Only the explorer's own "not found" proves absence; a router 404 is an error.
        if (isNotFound(e)) return { id: "", props: {} };
        throw e;
      }
      // An id alone proves nothing (an explorer that lost data hands ids out again): a
      // reservation of another identity, or without this resource's create tag, is never adopted.
      const problem = ownershipProblem(r, ownerOf(props, ctx.identity.tid));
      if (problem !== undefined) {
        ctx.log(`${spec.type} ${id}: ${problem}; the resource's reservation is gone`);
        return { id: "", props: {} };
      }
      // An empty id tells the engine the resource is gone: refresh drops it from the stack.
      if (isGone(r, Math.floor(Date.now() / 1000))) return { id: "", props: {} };
      const base = props ?? {};
      return { id, props: { ...base, ...spec.results(base, r) } };
    },

    async delete(id: string, props?: Props): Promise<void> {
      const ctx = makeCtx();
      // Throws (CancelError) unless the explorer shows the reservation deleted, or in delete
      // with our signature: the engine then keeps the resource and the next destroy retries.
      const state = await cancelReservation(ctx.client, ctx.identity, Number(id), {
        deadlineMs: Date.now() + ctx.config.deployTimeoutSeconds * 1000,
        pollIntervalMs: ctx.config.pollIntervalMs,
        log: ctx.log,
        owner: ownerOf(props, ctx.identity.tid),
      }).catch((e: unknown) => {
        throw new Error(
          `${spec.type} ${id}: ${(e as Error).message}; it stays in the stack: run \`pulumi destroy\` again`,
        );
      });
      if (state === "pending") {
        ctx.log(`reservation ${id} is cancelled; some nodes have not confirmed the removal yet`);
      }
    },
  };
}

/** Applies the config's default duration (check) unless the input carries one. */
export function withDuration(news: Props, config: ProviderConfig | undefined): unknown {
  return news.durationHours ?? config?.durationHours ?? 24;
}
