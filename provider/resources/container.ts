// Container, program side: its args, defaults and resource class (runs in the user's program). The
// provider side is container-provider.ts.
import type * as pulumi from "@pulumi/pulumi";
import { TfgridResource, type ResourceShape } from "./tfgrid-resource";

/** Arguments of a container. */
export interface ContainerArgs {
  /** Node (base58 id) running the container. */
  nodeId: pulumi.Input<string>;
  /** Flist URL, e.g. `https://hub.grid.tf/azmy.3bot/minio.flist`. */
  flist: pulumi.Input<string>;
  /** Command run at start. Default `""` (the flist's own). */
  entrypoint?: pulumi.Input<string>;
  /** Plain environment. Never put secrets here: use `secretEnv`. Default `{}`. */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Environment whose values are sealed to the node; secret in state. Default `{}`. */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** vCPUs, 1–32. Default 1. */
  cpu?: pulumi.Input<number>;
  /** Memory in MiB, 128–262144. Default 1024. */
  memoryMiB?: pulumi.Input<number>;
  /** Root filesystem size in MiB. Default 256. */
  diskSizeMiB?: pulumi.Input<number>;
  /** Overlay network (by name) and the container's IPv4 inside the node's /24. */
  network?: pulumi.Input<{ name: pulumi.Input<string>; ip: pulumi.Input<string> }>;
  /** Volumes (`<rid>-<wid>` on the same node) and absolute mountpoints. Default `[]`. */
  volumes?: pulumi.Input<
    pulumi.Input<{ volumeId: pulumi.Input<string>; mountpoint: pulumi.Input<string> }>[]
  >;
  /** Request a public IPv6. Default false. */
  publicIp6?: pulumi.Input<boolean>;
  /** Run coreX (web console) instead of the entrypoint. Default false. */
  interactive?: pulumi.Input<boolean>;
  /** Reservation length in hours. Default: config `tfgrid:durationHours` (24). */
  durationHours?: pulumi.Input<number>;
}

/**
 * The defaults of the optional args: check applies them, diff compares old state with them, and
 * the args docs above and schema.json state them (tests/unit/schema.test.ts checks both).
 */
export const CONTAINER_DEFAULTS = {
  entrypoint: "",
  env: {},
  secretEnv: {},
  cpu: 1,
  memoryMiB: 1024,
  diskSizeMiB: 256,
  volumes: [],
  publicIp6: false,
  interactive: false,
} as const;

export const CONTAINER_SHAPE: ResourceShape<ContainerArgs> = {
  type: "Container",
  inputs: [
    "nodeId",
    "flist",
    "entrypoint",
    "env",
    "secretEnv",
    "cpu",
    "memoryMiB",
    "diskSizeMiB",
    "network",
    "volumes",
    "publicIp6",
    "interactive",
    "durationHours",
  ],
  outputs: ["reservationId", "workloadId", "ipv4", "ipv6", "expiresAt"],
  secrets: ["secretEnv"],
};

/** A container: one reservation holding one Container workload. */
export class Container extends TfgridResource {
  declare readonly nodeId: pulumi.Output<string>;
  declare readonly flist: pulumi.Output<string>;
  declare readonly env: pulumi.Output<Record<string, string>>;
  declare readonly secretEnv: pulumi.Output<Record<string, string>>;
  /** The private IPv4 in the overlay network. */
  declare readonly ipv4: pulumi.Output<string>;
  /** The public IPv6 when `publicIp6`, else "". */
  declare readonly ipv6: pulumi.Output<string>;

  constructor(name: string, args: ContainerArgs, opts?: pulumi.CustomResourceOptions) {
    super(CONTAINER_SHAPE, name, args, opts);
  }
}
