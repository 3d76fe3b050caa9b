/**
 * Root of every error the provider raises on purpose. `code` is a stable, machine-readable string
 * (e.g. `"config.invalid"`, `"explorer.not_found"`) that callers and tests may match on; the
 * message is for humans and may be reworded.
 */
export class TfgridError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    // Set explicitly: Pulumi serializes classes into ES5 functions where `super(message)` becomes
    // `Error.call(this, message)` (which does not set it) and `new.target` is undefined. For the
    // same reason every subclass assigns its `name` as a literal.
    this.message = message;
    this.code = code;
    this.name = "TfgridError";
  }
}
