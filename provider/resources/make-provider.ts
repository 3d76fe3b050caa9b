// The dynamic provider of a reservation-backed resource, made from its ResourceSpec: configure,
// check, diff, create, read and delete, each a named function below. Runs in the provider host
// (loaded through pulumi-tfgrid/providers); configuration is read at call time, the client and
// identity are built inside each method.
import type * as pulumi from "@pulumi/pulumi";
import { randomUUID } from "crypto";
import { resolveConfig, type ProviderConfig } from "../config";
import { identityFromMnemonic, type Identity } from "../identity";
import { identityFailures } from "../identity-check";
import { isNotFound } from "../client/errors";
import type { Reservation } from "../client/schemas";
import {
  cancelReservation,
  expirationOf,
  isGone,
  ownershipProblem,
  registerIdempotent,
  reservationData,
  waitForResults,
} from "../reservation";
import {
  configFailures,
  configSource,
  CREATE_FAILED,
  CREATE_TAG,
  createTagOf,
  makeCtx,
  ownerOf,
  storeConfig,
  WORKLOAD_ID,
  type Ctx,
  type Deployed,
  type PartialFailure,
  type Props,
  type ResourceSpec,
} from "./common";
import { fingerprintKey, SECRET_FINGERPRINTS, secretFingerprints } from "./secret-fingerprints";
import { containsUnknown, stableJson, type Failure } from "./validation";

/** What check adds to every resource's inputs (see common.ts and secret-fingerprints.ts). */
export interface Bookkeeping {
  [CREATE_TAG]?: string;
  [SECRET_FINGERPRINTS]?: Record<string, string>;
}

/** A resource's state: its checked inputs, what create adds, its results. */
export type State<I extends Props, O extends Props> = I &
  Bookkeeping &
  Deployed &
  Partial<O> & { [CREATE_FAILED]?: string };

/**
 * The provider's SDK type: create receives what check returned; state may lack what older
 * versions did not write (and is empty when a resource is imported), hence Partial.
 */
export type SpecProvider<I extends Props, O extends Props> = pulumi.dynamic.ResourceProvider<
  I & Bookkeeping,
  Partial<State<I, O>>
>;

const GONE = { id: "", props: {} };

/** The config, the identity and check's failures about them (unreachable explorer, wrong key). */
async function identityForCheck(): Promise<{
  config?: ProviderConfig;
  identity?: Identity;
  failures: Failure[];
}> {
  try {
    const config = resolveConfig(configSource(), process.env);
    const identity = identityFromMnemonic(config.mnemonic, config.tid);
    // Before anything is reserved: a reachable explorer that knows this key for this tid.
    // A copy: identity-check.ts shares its result between checks.
    return { config, identity, failures: [...(await identityFailures(config, identity))] };
  } catch (e) {
    return { failures: configFailures(e) };
  }
}

/**
 * Starts the identity check every resource's check awaits (one per process, identity-check.ts)
 * ahead of the first of them: the archive's placement starts it while its node listing is in
 * flight, so the first 0-db's check does not wait one more round trip. Never fails: the checks
 * report what it finds.
 */
export function startIdentityCheck(): void {
  void identityForCheck();
}

async function check<I extends Props, O extends Props>(
  spec: ResourceSpec<I, O>,
  olds: Props,
  news: Props,
): Promise<pulumi.dynamic.CheckResult> {
  const { config, identity, failures } = await identityForCheck();
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
}

function diff<I extends Props, O extends Props>(
  spec: ResourceSpec<I, O>,
  olds: Props,
  news: Props,
): pulumi.dynamic.DiffResult {
  if (olds[CREATE_FAILED] !== undefined) {
    // Its reservation is cancelled or being cancelled: delete it first, then create anew.
    return { changes: true, replaces: [CREATE_FAILED], deleteBeforeReplace: true };
  }
  const old = { ...spec.defaults, ...olds };
  const now = { ...spec.defaults, ...news };
  const replaces = spec.inputKeys.filter(
    (k) => containsUnknown(now[k]) || stableJson(old[k]) !== stableJson(now[k]),
  );
  return {
    changes: replaces.length > 0,
    replaces,
    deleteBeforeReplace: replaces.length > 0 && spec.deleteBeforeReplace(old, now),
  };
}

async function create<I extends Props, O extends Props>(
  spec: ResourceSpec<I, O>,
  inputs: I & Bookkeeping,
): Promise<pulumi.dynamic.CreateResult<State<I, O>>> {
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
  const base = {
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
    throw await cancelFailedCreate(spec.type, ctx, base, e);
  }
}

/**
 * Cancels the reservation of a create that failed; the error create throws. When the cancel fails
 * too, a PartialFailure keeps the id in state (ErrorResourceInitFailed): the next up/destroy
 * deletes it.
 */
async function cancelFailedCreate(
  type: string,
  ctx: Ctx,
  base: Props & Deployed,
  e: unknown,
): Promise<Error> {
  const rid = base.reservationId;
  const why = e instanceof Error ? e.message : String(e);
  let outcome: string;
  try {
    const c = await cancelReservation(ctx.client, ctx.identity, rid, {
      deadlineMs: Date.now() + Math.min(ctx.config.deployTimeoutSeconds, 120) * 1000,
      pollIntervalMs: ctx.config.pollIntervalMs,
      log: ctx.log,
      owner: ownerOf(base, ctx.identity.tid),
    });
    outcome =
      c === "pending"
        ? `reservation ${rid} was cancelled (nodes have not all confirmed yet)`
        : `reservation ${rid} was cancelled`;
  } catch (ce) {
    const cause = ce instanceof Error ? ce.message : String(ce);
    const msg = `${type} create failed: ${why}; cancelling reservation ${rid} failed too (${cause}): it stays in the stack so that \`pulumi destroy\` can cancel it`;
    const pf: PartialFailure = Object.assign(new Error(msg), {
      id: String(rid),
      properties: { ...base, [CREATE_FAILED]: why },
      reasons: [msg],
    });
    return pf;
  }
  return new Error(`${type} create failed: ${why}; ${outcome}`);
}

/**
 * Before a resource is reported gone: the explorer must know this identity, with this key. Another
 * explorer (tfgrid:explorerUrl changed under a deployed stack, a fresh local grid) answers "not
 * found" for every reservation id, or hands the ids to others; taking that for "gone" would drop
 * resources whose reservations still run where they were made.
 */
async function confirmExplorer(ctx: Ctx, type: string, id: string): Promise<void> {
  const failures = await identityFailures(ctx.config, ctx.identity);
  if (failures.length === 0) return;
  throw new Error(
    `${type} ${id}: the explorer at ${ctx.config.explorerUrl} does not have its reservation, and it is not the explorer this stack was deployed on (${failures.map((f) => f.reason).join("; ")}); the resource stays in the stack: point tfgrid:explorerUrl back at the explorer that holds it`,
  );
}

async function read<I extends Props, O extends Props>(
  spec: ResourceSpec<I, O>,
  id: string,
  props: Partial<State<I, O>> | undefined,
): Promise<pulumi.dynamic.ReadResult<Partial<State<I, O>>>> {
  const ctx = makeCtx();
  let r: Reservation;
  try {
    r = await ctx.client.getReservation(Number(id));
  } catch (e) {
    // Only the explorer's own "not found" proves absence; a router 404 is an error.
    if (!isNotFound(e)) throw e;
    await confirmExplorer(ctx, spec.type, id);
    return GONE;
  }
  // An id alone proves nothing (an explorer that lost data hands ids out again): a
  // reservation of another identity, or without this resource's create tag, is never adopted.
  const problem = ownershipProblem(r, ownerOf(props, ctx.identity.tid));
  if (problem !== undefined) {
    await confirmExplorer(ctx, spec.type, id);
    ctx.log(`${spec.type} ${id}: ${problem}; the resource's reservation is gone`);
    return GONE;
  }
  // An empty id tells the engine the resource is gone: refresh drops it from the stack.
  if (isGone(r, Math.floor(Date.now() / 1000))) return GONE;
  const base: Partial<State<I, O>> = props ?? {};
  return { id, props: { ...base, ...spec.results(base, r) } };
}

async function remove(type: string, id: string, props: Props | undefined): Promise<void> {
  const ctx = makeCtx();
  // Throws (CancelError) unless the explorer shows the reservation deleted, or in delete
  // with our signature: the engine then keeps the resource and the next destroy retries.
  const state = await cancelReservation(ctx.client, ctx.identity, Number(id), {
    deadlineMs: Date.now() + ctx.config.deployTimeoutSeconds * 1000,
    pollIntervalMs: ctx.config.pollIntervalMs,
    log: ctx.log,
    owner: ownerOf(props, ctx.identity.tid),
  }).catch((e: unknown) => {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`${type} ${id}: ${why}; it stays in the stack: run \`pulumi destroy\` again`);
  });
  if (state === "absent" || state === "not-ours") await confirmExplorer(ctx, type, id);
  if (state === "pending") {
    ctx.log(`reservation ${id} is cancelled; some nodes have not confirmed the removal yet`);
  }
}

/** The dynamic provider of the resource `spec` describes. */
export function makeProvider<I extends Props, O extends Props>(
  spec: ResourceSpec<I, O>,
): SpecProvider<I, O> {
  return {
    configure: async (req) => storeConfig(req.config),
    check: (olds, news) => check(spec, olds, news),
    diff: async (_id, olds, news) => diff(spec, olds, news),
    create: (inputs) => create(spec, inputs),
    read: (id, props) => read(spec, id, props),
    delete: (id, props) => remove(spec.type, id, props),
  };
}
