// What the provider side of every reservation-backed resource shares: the spec a resource
// supplies (make-provider.ts turns it into the dynamic provider), the per-call context, the stack
// config kept by configure, and the bookkeeping inputs and outputs (create tag, owner, failed
// create) that every resource's state carries. Runs in the provider host only.
import type * as pulumi from "@pulumi/pulumi";
import { randomUUID } from "crypto";
import {
  CONFIG_DEFAULTS,
  ConfigError,
  resolveConfig,
  SETTING_KEYS,
  type ConfigSource,
  type ProviderConfig,
} from "../config";
import { identityFromMnemonic, type Identity } from "../identity";
import { ExplorerClient } from "../client/explorer";
import type { Reservation } from "../client/schemas";
import { processSlot } from "../process-slot";
import { TAG_PREFIX, type Log, type Owner, type WorkloadLists } from "../reservation";
import type { Failure } from "./validation";

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
  outputs?: Props;
}

/** Property values as the engine hands them to check and diff: not validated yet. */
export type Props = Record<string, unknown>;

/** Outputs create adds to the inputs of every reservation-backed resource. */
export interface Deployed {
  reservationId: number;
  workloadId: string;
  customerTid: number;
  expiresAt: string;
}

/**
 * A resource's behaviour; everything else is shared. `I` is the resource's validated inputs (what
 * create and refresh receive, as check returned them), `O` the outputs its results add.
 */
export interface ResourceSpec<I extends Props, O extends Props> {
  /** Type name for messages, e.g. "ZdbNamespace". */
  type: string;
  /** Input properties, in the order diffs report them. */
  inputKeys: readonly (keyof I & string)[];
  /**
   * Validates and applies defaults; `config` is undefined when it failed to resolve. In preview a
   * value may still be unknown, so the inputs are the engine's values with defaults applied.
   */
  check(
    news: Props,
    olds: Props,
    config: ProviderConfig | undefined,
  ): Promise<{ inputs: Props; failures: Failure[] }>;
  /** The resource's defaults, applied to old state for comparison (state of older providers). */
  defaults?: Readonly<Props>;
  /** Whether old and new cannot coexist on the grid (e.g. the same container IP). */
  deleteBeforeReplace(olds: Props, news: Props): boolean;
  /** Inputs holding secrets (an object: each entry is one secret); see SECRET_FINGERPRINTS. */
  secretInputs?: readonly (keyof I & string)[];
  build(inputs: I, ctx: Ctx): Promise<Built>;
  /**
   * Outputs derived from a deployed reservation's results (create and refresh; a refresh without
   * state has no inputs).
   */
  results(inputs: Partial<I>, r: Reservation): Partial<O>;
}

/** Workload id of the single workload of every reservation we create. */
export const WORKLOAD_ID = 1;

// configure() keeps the stack config here for the later methods of this provider process.
const configSlot = processSlot<Record<string, string | undefined> | undefined>(
  "__pulumiTfgridConfigSource",
  () => undefined,
);

/** The config source stored by configure, if any. */
export function configSource(): ConfigSource | undefined {
  const values = configSlot.get();
  if (!values) return undefined;
  return { get: (key: string) => values[key] };
}

/** Stores the stack config values for later methods (what the provider's configure does). */
export function storeConfig(config: { get(key: string): string | undefined }): void {
  configSlot.set(Object.fromEntries(SETTING_KEYS.map((k) => [k, config.get(k)])));
}

/** Forgets configure's values (tests). */
export function clearConfig(): void {
  configSlot.clear();
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
  const list = e instanceof ConfigError ? e.problems : [e instanceof Error ? e.message : String(e)];
  return list.map((reason) => ({
    property: /^(tfgrid:[A-Za-z]+)/.exec(reason)?.[1] ?? "tfgrid",
    reason,
  }));
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

/** Applies the config's default duration (check) unless the input carries one. */
export function withDuration(news: Props, config: ProviderConfig | undefined): unknown {
  return news.durationHours ?? config?.durationHours ?? CONFIG_DEFAULTS.durationHours;
}
