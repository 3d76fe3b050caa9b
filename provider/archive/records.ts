/**
 * What the archive's record resources (ShardPlacement, ArchiveLayout, StablePassword) share:
 * they reserve nothing on the grid, they only keep a decision in the stack.
 */
import { randomBytes } from "crypto";

/** Props of a record as the engine passes them to its provider. */
export type Props = Record<string, unknown>;

/** A record's id: a prefix and random hex, never all digits (the ids of reservation-backed resources). */
export function recordId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString("hex")}`;
}
