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
    this.code = code;
    // Every subclass is named after itself without repeating its name.
    this.name = new.target.name;
  }
}
