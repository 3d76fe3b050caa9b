/** What is wrong with an archive's settings: one problem, and the error listing them all. */
import { TfgridError } from "../errors";
import { describeProblem, type RedundancyProblem } from "./planner";

/** One problem with the arguments: the setting, its value, why, and the fix. */
export type S3ArchiveProblem = RedundancyProblem;

/** Every problem with an archive's arguments (or its resolved layout) at once. */
export class S3ArchiveArgsError extends TfgridError {
  /** Marks it as a Pulumi RunError: the CLI prints the message without a stack trace. */
  readonly __pulumiRunError = true;

  constructor(
    readonly archive: string,
    readonly problems: S3ArchiveProblem[],
  ) {
    super(
      "s3archive.invalid_args",
      `S3Archive "${archive}": ${problems.length} problem${problems.length === 1 ? "" : "s"} in its settings:\n` +
        problems.map((p) => `  - ${describeProblem(p)}`).join("\n"),
    );
    // Thrown inside the layout gate, this one error rejects every input that waits for the gate,
    // and the SDK prefixes `error serializing property "<input>": ` to the same object's message at
    // each of them (24 times for the reference archive). The message stays as written: the
    // problems, once.
    const text = this.message;
    Object.defineProperty(this, "message", {
      get: () => text,
      set: () => undefined,
      enumerable: false,
      configurable: true,
    });
  }
}

/** The secret key MinIO refuses, checked on a plain value here and on an Input at the gate. */
export const SECRET_KEY_PROBLEM: S3ArchiveProblem = {
  property: "secretKey",
  value: "(secret)",
  reason: "MinIO needs a secret key of at least 8 characters",
  fix: "set a longer secretKey (in a stack: pulumi config set --secret <project>:secretKey <value>)",
};

/** A secret key MinIO takes: a string of at least 8 characters. */
export const secretKeyOk = (k: unknown): boolean => typeof k === "string" && k.length >= 8;

/** The error for `problems`, each named the way the user wrote the setting (`rename`). */
export function argsError(
  archive: string,
  problems: S3ArchiveProblem[],
  rename: (property: string) => string = (p) => p,
): S3ArchiveArgsError {
  return new S3ArchiveArgsError(
    archive,
    problems.map((p) => ({ ...p, property: rename(p.property) })),
  );
}
