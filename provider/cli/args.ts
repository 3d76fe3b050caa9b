// What every `tfgrid` command shares: where it writes, its usage errors, the options they all take
// and how option values are read.
import { DEFAULT_EXPLORER_URL } from "../config";

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

type StringOptions<S extends string> = { [K in S]: { type: "string" } };
type BooleanOptions<B extends string> = { [K in B]: { type: "boolean" } };

/**
 * A command's options in util.parseArgs' form: `strings` and `booleans` by name, plus the two
 * every command takes (--explorer URL, --json).
 */
export function commandOptions<S extends string, B extends string = never>(
  strings: readonly S[],
  booleans: readonly B[] = [],
): StringOptions<S | "explorer"> & BooleanOptions<B | "json"> {
  const options: Record<string, { type: "string" | "boolean" }> = {
    explorer: { type: "string" },
    json: { type: "boolean" },
  };
  for (const name of strings) options[name] = { type: "string" };
  for (const name of booleans) options[name] = { type: "boolean" };
  return options as StringOptions<S | "explorer"> & BooleanOptions<B | "json">;
}

/** --explorer, else $TFGRID_EXPLORER_URL, else the local grid's default. */
export function explorerUrl(values: { explorer?: string }, env: NodeJS.ProcessEnv): string {
  return values.explorer ?? env.TFGRID_EXPLORER_URL ?? DEFAULT_EXPLORER_URL;
}

/** `--name value` as a non-negative integer (undefined when absent); a UsageError otherwise. */
export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--${name} ${JSON.stringify(value)} is not a non-negative integer`);
  }
  return n;
}

/** A comma-separated option value as its non-empty items. */
export const commaList = (v: string | undefined): string[] =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
