// ZdbNamespace, program side: its args, defaults and resource class (runs in the user's program).
// The provider side is zdb-provider.ts.
import type * as pulumi from "@pulumi/pulumi";
import { TfgridResource, type ResourceShape } from "./tfgrid-resource";

/** Arguments of a 0-db namespace. */
export interface ZdbNamespaceArgs {
  /** Node (base58 id) hosting the namespace. */
  nodeId: pulumi.Input<string>;
  /** Size in GiB (whole number). */
  sizeGiB: pulumi.Input<number>;
  /** `"seq"` (append-only, what MinIO shards need) or `"user"`. Default `"seq"`. */
  mode?: pulumi.Input<"seq" | "user">;
  /** Namespace password, sealed to the node; kept secret in state. Default `""` (none). */
  password?: pulumi.Input<string>;
  /** `"SSD"` or `"HDD"`. Default `"SSD"`. */
  diskType?: pulumi.Input<"SSD" | "HDD">;
  /** Public namespace (anyone may write without the password). Default false. */
  public?: pulumi.Input<boolean>;
  /** Reservation length in hours. Default: config `tfgrid:durationHours` (24). */
  durationHours?: pulumi.Input<number>;
}

/**
 * The defaults of the optional args: check applies them, diff compares old state with them, and
 * the args docs above and schema.json state them (tests/unit/schema.test.ts checks both).
 */
export const ZDB_DEFAULTS = {
  mode: "seq",
  password: "",
  diskType: "SSD",
  public: false,
} as const;

export const ZDB_SHAPE: ResourceShape<ZdbNamespaceArgs> = {
  type: "ZdbNamespace",
  inputs: ["nodeId", "sizeGiB", "mode", "password", "diskType", "public", "durationHours"],
  outputs: ["reservationId", "workloadId", "namespace", "ip", "port", "endpoint", "expiresAt"],
  secrets: ["password", "endpoint"],
};

/** A 0-db namespace: one reservation holding one ZDB workload. */
export class ZdbNamespace extends TfgridResource {
  declare readonly nodeId: pulumi.Output<string>;
  declare readonly sizeGiB: pulumi.Output<number>;
  declare readonly mode: pulumi.Output<"seq" | "user">;
  declare readonly password: pulumi.Output<string>;
  declare readonly diskType: pulumi.Output<"SSD" | "HDD">;
  declare readonly public: pulumi.Output<boolean>;
  declare readonly namespace: pulumi.Output<string>;
  declare readonly ip: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  /** `ns:password@[ip]:port` (secret), the MinIO `SHARDS` entry. */
  declare readonly endpoint: pulumi.Output<string>;

  constructor(name: string, args: ZdbNamespaceArgs, opts?: pulumi.CustomResourceOptions) {
    super(ZDB_SHAPE, name, args, opts);
  }
}
