// The program side of the four reservation-backed resources: how a resource class hands its args to
// Pulumi. Runs in the user's program; the provider is a few lines that the provider host resolves
// to pulumi-tfgrid/providers (provider-reference.ts), so nothing here reaches the host.
import * as pulumi from "@pulumi/pulumi";
import { ReferencedResource, type ProviderName } from "../provider-reference";

/** What Pulumi needs to know about a resource type besides its args. */
interface Shape {
  /** The type token's name (`tfgrid:<type>`) and the provider the reference loads. */
  type: ProviderName;
  /** The args passed on as inputs, in this order. */
  inputs: readonly string[];
  /** The outputs its provider sets. */
  outputs: readonly string[];
  /** Inputs and outputs kept secret in state; a secret input is wrapped in `pulumi.secret`. */
  secrets: readonly string[];
}

/** The shape of the resource whose args are `A`: its inputs are names of `A`. */
export interface ResourceShape<A> extends Shape {
  inputs: readonly (keyof A & string)[];
}

/** A dynamic resource of this package: one reservation on the grid. */
export abstract class TfgridResource extends ReferencedResource {
  /** Reservation length in hours (the input, or the config's `tfgrid:durationHours`). */
  declare readonly durationHours: pulumi.Output<number>;
  /** The reservation id (also the resource id). */
  declare readonly reservationId: pulumi.Output<number>;
  /** `<rid>-<wid>`, the node's name for the workload. */
  declare readonly workloadId: pulumi.Output<string>;
  /** Absolute expiry (ISO 8601), computed at create. */
  declare readonly expiresAt: pulumi.Output<string>;

  protected constructor(
    shape: Shape,
    name: string,
    args: object,
    opts: pulumi.CustomResourceOptions | undefined,
  ) {
    const props: Record<string, unknown> = {};
    for (const k of shape.inputs) {
      const v: unknown = Reflect.get(args, k);
      props[k] = shape.secrets.includes(k) && v !== undefined ? pulumi.secret(v) : v;
    }
    for (const k of shape.outputs) props[k] = undefined;
    const secrets = [...(opts?.additionalSecretOutputs ?? []), ...shape.secrets];
    const options = shape.secrets.length > 0 ? { ...opts, additionalSecretOutputs: secrets } : opts;
    super(shape.type, name, props, options);
  }
}
