// Volume, program side: its args, defaults and resource class (runs in the user's program). The
// provider side is volume-provider.ts.
import type * as pulumi from "@pulumi/pulumi";
import { TfgridResource, type ResourceShape } from "./tfgrid-resource";

/** Arguments of a volume. */
export interface VolumeArgs {
  /** Node (base58 id) hosting the volume; containers mounting it must run there. */
  nodeId: pulumi.Input<string>;
  /** Size in GiB (whole number). */
  sizeGiB: pulumi.Input<number>;
  /** Only `"SSD"`: the explorer refuses HDD volumes since 2020-06-23. Default `"SSD"`. */
  diskType?: pulumi.Input<"SSD">;
  /** Reservation length in hours. Default: config `tfgrid:durationHours` (24). */
  durationHours?: pulumi.Input<number>;
  /**
   * A label naming what the volume's content is laid out for, e.g. an S3 archive's shard layout.
   * Never sent to the grid and never a reason to replace by itself: it is what the preview names
   * (`[diff: ~layout]`) when the volume is replaced because of it — pass the same value as the
   * `replacementTrigger` resource option to replace the volume when it changes (S3Archive does).
   */
  layout?: pulumi.Input<string>;
}

/**
 * The defaults of the optional args: check applies them, diff compares old state with them, and
 * the args docs above and schema.json state them (tests/unit/schema.test.ts checks both).
 */
export const VOLUME_DEFAULTS = { diskType: "SSD" } as const;

export const VOLUME_SHAPE: ResourceShape<VolumeArgs> = {
  type: "Volume",
  inputs: ["nodeId", "sizeGiB", "diskType", "durationHours", "layout"],
  outputs: ["reservationId", "volumeId", "workloadId", "expiresAt"],
  secrets: [],
};

/** A volume: one reservation holding one Volume workload. */
export class Volume extends TfgridResource {
  declare readonly nodeId: pulumi.Output<string>;
  declare readonly sizeGiB: pulumi.Output<number>;
  declare readonly diskType: pulumi.Output<"SSD">;
  /** `<rid>-<wid>`: what a container's `volumes[].volumeId` takes. */
  declare readonly volumeId: pulumi.Output<string>;

  constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(VOLUME_SHAPE, name, args, opts);
  }
}
