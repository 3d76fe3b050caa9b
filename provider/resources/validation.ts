// Input validation shared by the four resources: zod schemas whose every leaf lets preview's
// unknown value through, and a converter from zod issues to Pulumi check failures.
import { z } from "zod";
import bs58 from "bs58";
import { parseIpv4 } from "../network/subnets";
import { isNotFound } from "../client/errors";
import { ExplorerClient } from "../client/explorer";
import { EXISTENCE_MAX_AGE_MS, getNodeCached } from "../nodecache";
import type { ProviderConfig } from "../config";

/** What the engine sends in check/diff for a value not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** An object that is not an array or null: a map of properties. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Stable JSON for comparisons: object keys sorted. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    isPlainObject(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : 1)))
      : val,
  );
}

/** Whether a value is, or holds, preview's unknown sentinel. */
export function containsUnknown(v: unknown): boolean {
  return stableJson(v)?.includes(UNKNOWN) ?? false;
}

/** A Pulumi check failure: the property path and a reason naming the value and the fix. */
export interface Failure {
  property: string;
  reason: string;
}

/**
 * A checked value with preview's unknown sentinel taken out again: what create receives (the
 * engine calls create with known values only).
 */
export type Known<T> = T extends typeof UNKNOWN
  ? never
  : T extends readonly (infer E)[]
    ? Known<E>[]
    : T extends object
      ? { [K in keyof T]: Known<T[K]> }
      : T;

/**
 * A schema over any value, typed `T`: `problem` says what is wrong with a value (in the words of a
 * check failure), undefined when it is a valid `T`.
 */
export function rule<T>(problem: (v: unknown) => string | undefined): z.ZodType<T, z.ZodTypeDef> {
  return z.custom<T>(
    (v) => problem(v) === undefined,
    (v) => ({ message: problem(v), fatal: false }),
  );
}

/** Wraps a schema so that preview's unknown sentinel passes validation untouched. */
export function known<T extends z.ZodTypeAny>(schema: T) {
  return z.union([z.literal(UNKNOWN), schema]);
}

/** Every zod issue as a failure; union issues are flattened to the non-sentinel branch's issues. */
export function toFailures(error: z.ZodError): Failure[] {
  const out: Failure[] = [];
  const visit = (issues: z.ZodIssue[]): void => {
    for (const issue of issues) {
      if (issue.code === "invalid_union") {
        // branch 0 is the unknown-sentinel literal; report the real schema's complaints
        const real = issue.unionErrors[issue.unionErrors.length - 1];
        visit(real.issues);
        continue;
      }
      out.push({ property: issue.path.join("."), reason: issue.message });
    }
  };
  visit(error.issues);
  return out;
}

const show = (v: unknown): string =>
  v === undefined
    ? "(missing)"
    : typeof v === "string"
      ? JSON.stringify(v)
      : (JSON.stringify(v) ?? String(v));

function isNodeId(v: unknown): v is string {
  if (typeof v !== "string") return false;
  try {
    return bs58.decode(v).length === 32;
  } catch {
    return false;
  }
}

/** A base58 node id of a 32-byte ed25519 key. */
export const nodeIdSchema = () =>
  rule<string>((v) =>
    isNodeId(v)
      ? undefined
      : `${show(v)} is not a node id; use the base58 node_id of a 32-byte key as listed by GET /nodes`,
  );

/** A positive whole number with a unit and an optional upper bound. */
export function positiveInt(unit: string, max?: number, min = 1) {
  return rule<number>((v) => {
    if (typeof v === "number" && Number.isInteger(v) && v >= min && (max === undefined || v <= max))
      return undefined;
    const range = max !== undefined ? `between ${min} and ${max}` : `at least ${min}`;
    return `${show(v)} is not a valid ${unit}; use a whole number ${range}`;
  });
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(values: readonly T[], what: string) {
  return rule<T>((v) =>
    values.some((x) => x === v)
      ? undefined
      : `${show(v)} is not a known ${what}; use one of ${values.map((x) => `"${x}"`).join(", ")}`,
  );
}

export function nonEmptyString(what: string, fix: string) {
  return rule<string>((v) =>
    typeof v === "string" && v.length > 0
      ? undefined
      : `${what} must be a non-empty string; ${fix}`,
  );
}

export function bool(what: string) {
  return rule<boolean>((v) =>
    typeof v === "boolean"
      ? undefined
      : `${show(v)} is not a boolean; set ${what} to true or false`,
  );
}

/** A host address in a private /24: not the network (.0), gateway (.1) or broadcast (.255). */
export const containerIpSchema = () =>
  rule<string>((v) => {
    const n = typeof v === "string" ? parseIpv4(v) : undefined;
    if (n === undefined) return `${show(v)} is not an IPv4 address; use e.g. "172.20.15.16"`;
    const o1 = n >>> 24;
    const o2 = (n >>> 16) & 255;
    const isPrivate =
      o1 === 10 || (o1 === 172 && o2 >= 16 && o2 < 32) || (o1 === 192 && o2 === 168);
    if (!isPrivate) {
      return `${show(v)} is not a private address; use an address in the network's /24 for this node`;
    }
    const roles: Record<number, string> = {
      0: "the /24's network address",
      1: "the node gateway",
      255: "the broadcast address",
    };
    const role = roles[n & 255];
    return role === undefined
      ? undefined
      : `${show(v)} is ${role}; use a host address .2–.254 of the node's /24`;
  });

/** A reservation duration in hours, at least 1 (the explorer refuses shorter). */
export const durationSchema = () =>
  rule<number>((v) =>
    typeof v === "number" && Number.isFinite(v) && v >= 1 && v <= 24 * 365 * 10
      ? undefined
      : `${show(v)} is not a valid durationHours; use a number of hours from 1 to 87600 (the explorer refuses reservations under 1 hour)`,
  );

/** Runs a schema over the defaulted inputs; every problem at once. */
export function validate(schema: z.ZodTypeAny, inputs: Record<string, unknown>): Failure[] {
  return parse(schema, inputs).failures;
}

/** The inputs parsed into the schema's typed value (unknowns kept), or every problem at once. */
export function parse<S extends z.ZodTypeAny>(
  schema: S,
  inputs: Record<string, unknown>,
): { data?: z.infer<S>; failures: Failure[] } {
  const r = schema.safeParse(inputs);
  return r.success ? { data: r.data, failures: [] } : { failures: toFailures(r.error) };
}

/** `v` typed without preview's unknown sentinel, or undefined when it holds one. */
export function knownValue<T>(v: T): Known<T> | undefined {
  // The one place the sentinel is taken out of a type: containsUnknown has just looked for it.
  return containsUnknown(v) ? undefined : (v as Known<T>);
}

/** A map of environment variables: string keys (shell-safe) to string values. */
export function envMap(what: string) {
  return z.unknown().superRefine((v, ctx): v is Record<string, string> => {
    if (!isPlainObject(v)) {
      ctx.addIssue({
        code: "custom",
        message: `${show(v)} is not a map; set ${what} to { NAME: "value" }`,
      });
      return false;
    }
    for (const [k, val] of Object.entries(v)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `${JSON.stringify(k)} is not a valid variable name; use letters, digits and _`,
        });
      } else if (typeof val !== "string" && val !== UNKNOWN) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `${show(val)} is not a string; environment values are strings`,
        });
      }
    }
    return true;
  });
}

/**
 * A failure when a well-formed node id is not known to the explorer (404), so that preview, not
 * create, reports it. Other lookup errors are left to create, which reports them with the
 * reservation context; only one attempt is made so that an offline check stays fast.
 */
export async function unknownNodeFailures(
  config: ProviderConfig | undefined,
  nodeId: unknown,
  property = "nodeId",
): Promise<Failure[]> {
  if (config === undefined || typeof nodeId !== "string" || isUnknown(nodeId)) return [];
  if (!isNodeId(nodeId)) return [];
  try {
    const client = new ExplorerClient({
      baseUrl: config.explorerUrl,
      maxRetries: 0,
      timeoutMs: 10_000,
    });
    await getNodeCached(client, config.explorerUrl, nodeId, EXISTENCE_MAX_AGE_MS);
    return [];
  } catch (e) {
    if (!isNotFound(e)) return [];
    return [
      {
        property,
        reason: `node ${nodeId} is not known to the explorer at ${config.explorerUrl}; pick one from GET /nodes`,
      },
    ];
  }
}
