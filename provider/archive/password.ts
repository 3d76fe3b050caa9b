/**
 * StablePassword: the archive's 0-db password, generated once by its provider
 * (password-provider.ts) and kept in state.
 */
import * as pulumi from "@pulumi/pulumi";
import { ReferencedResource } from "../provider-reference";
import { DEFAULTS } from "./args";

/** Arguments of {@link StablePassword}. */
export interface StablePasswordArgs {
  /** Number of hex characters. Default 32 (128 bits). */
  length?: number;
}

/**
 * A random password generated once and kept in state (secret): stable across runs, so the 0-db
 * namespaces it protects are not replaced. Hex only, so it is safe inside a `SHARDS` URL.
 */
export class StablePassword extends ReferencedResource {
  declare readonly length: pulumi.Output<number>;
  /** The password (secret). */
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: StablePasswordArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      "StablePassword",
      name,
      { length: args.length ?? DEFAULTS.passwordLength, value: undefined },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "value"] },
    );
  }
}
