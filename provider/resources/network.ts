// Network, program side: its args, defaults and resource class (runs in the user's program). The
// provider side is network-provider.ts.
import type * as pulumi from "@pulumi/pulumi";
import { TfgridResource, type ResourceShape } from "./tfgrid-resource";

/** A user access point: a /24 for the user's machine, entering through a public node. */
export interface NetworkAccessArgs {
  /** Member node with a public endpoint of the requested family. */
  nodeId: pulumi.Input<string>;
  /** The user's /24 inside the network. Default: the highest free /24 (e.g. x.y.254.0/24). */
  subnet?: pulumi.Input<string>;
  /** Dial the node's IPv4 (true) or IPv6 (false) endpoint. Default true. */
  ipv4?: pulumi.Input<boolean>;
}

/** Arguments of an overlay network. */
export interface NetworkArgs {
  /** Network name; containers join it by this name. */
  name: pulumi.Input<string>;
  /** Private /16 (RFC 1918, outside 100.64.0.0/10), e.g. `172.20.0.0/16`. */
  ipRange: pulumi.Input<string>;
  /** Member nodes; each gets one /24. */
  nodes: pulumi.Input<pulumi.Input<string>[]>;
  /** Pinned /24s per node (others are allocated, and kept stable across updates). Default `{}`. */
  nodeSubnets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Optional user access point; yields the `wireguardConfig` output. */
  addAccess?: pulumi.Input<NetworkAccessArgs>;
  /** Reservation length in hours. Default: config `tfgrid:durationHours` (24). */
  durationHours?: pulumi.Input<number>;
}

/** The defaults of the optional args: check applies them; the docs above state them (checked). */
export const NETWORK_DEFAULTS = { nodeSubnets: {} } as const;
/** The defaults of `addAccess`'s optional fields; its subnet defaults to the highest free /24. */
export const NETWORK_ACCESS_DEFAULTS = { ipv4: true } as const;

export const NETWORK_SHAPE: ResourceShape<NetworkArgs> = {
  type: "Network",
  inputs: ["name", "ipRange", "nodes", "nodeSubnets", "addAccess", "durationHours"],
  outputs: [
    "listenPorts",
    "wireguardPublicKeys",
    "wireguardConfig",
    "reservationId",
    "workloadId",
    "expiresAt",
  ],
  secrets: ["wireguardConfig"],
};

/** An overlay network: one reservation holding one network workload with one resource per node. */
export class Network extends TfgridResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly ipRange: pulumi.Output<string>;
  declare readonly nodes: pulumi.Output<string[]>;
  /** node id → its /24. */
  declare readonly nodeSubnets: pulumi.Output<Record<string, string>>;
  /** node id → WireGuard listen port. */
  declare readonly listenPorts: pulumi.Output<Record<string, number>>;
  /** node id → WireGuard public key (base64). */
  declare readonly wireguardPublicKeys: pulumi.Output<Record<string, string>>;
  /** With `addAccess`: the user's wg-quick file (secret). */
  declare readonly wireguardConfig: pulumi.Output<string | undefined>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(NETWORK_SHAPE, name, args, opts);
  }
}
