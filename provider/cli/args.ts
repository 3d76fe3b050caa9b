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

/** The options of every command (util.parseArgs' form). */
export const COMMON_OPTIONS = {
  explorer: { type: "string" },
  json: { type: "boolean" },
} as const;

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
