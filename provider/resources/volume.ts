import * as pulumi from "@pulumi/pulumi";
import { providerReference } from "../provider-reference";
import { z } from "zod";
import type { Reservation } from "../client/schemas";
import { makeProvider, withDuration, WORKLOAD_ID, type Props, type ResourceSpec } from "./common";
import {
  durationSchema,
  known,
  nodeIdSchema,
  positiveInt,
  unknownNodeFailures,
  validate,
} from "./validation";

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

const diskTypeSchema = (): z.ZodTypeAny =>
  z.unknown().superRefine((v, ctx) => {
    if (v === "HDD") {
      ctx.addIssue({
        code: "custom",
        message: `"HDD" volumes are refused by the explorer since 2020-06-23; use "SSD"`,
      });
    } else if (v !== "SSD") {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v)} is not a disk type; use "SSD"`,
      });
    }
  });

const schema = () =>
  z.object({
    nodeId: known(nodeIdSchema()),
    sizeGiB: known(positiveInt("sizeGiB (GiB)", 100_000)),
    diskType: known(diskTypeSchema()),
    durationHours: known(durationSchema()),
  });

/** The Volume workload (explorer-api §3.6). */
export function volumeWorkload(p: Props): object {
  return {
    workload_id: WORKLOAD_ID,
    node_id: p.nodeId,
    size: p.sizeGiB,
    type: p.diskType === "HDD" ? 0 : 1,
    stats_aggregator: [],
    farmer_tid: 0,
  };
}

export const volumeSpec: ResourceSpec = {
  type: "Volume",
  inputKeys: ["nodeId", "sizeGiB", "diskType", "durationHours"],
  normalize: (p) => ({ diskType: "SSD", ...p }),
  async check(news, _olds, config) {
    const inputs: Props = {
      nodeId: news.nodeId,
      sizeGiB: news.sizeGiB,
      diskType: news.diskType ?? "SSD",
      durationHours: withDuration(news, config),
      // A label for diffs only (see VolumeArgs.layout): not in inputKeys.
      ...(news.layout !== undefined ? { layout: news.layout } : {}),
    };
    const failures = validate(schema(), inputs);
    failures.push(...(await unknownNodeFailures(config, inputs.nodeId)));
    return { inputs, failures };
  },
  deleteBeforeReplace: () => false,
  async build(inputs) {
    return {
      lists: { volumes: [volumeWorkload(inputs)] },
      what: "volume",
      nodeIds: [String(inputs.nodeId)],
    };
  },
  results(_props: Props, r: Reservation): Props {
    const gwid = `${r.id}-${WORKLOAD_ID}`;
    const res = r.results.find((x) => x.workload_id === gwid && x.state === 1);
    const d = (res?.data_json ?? {}) as { volume_id?: string };
    return { volumeId: d.volume_id || gwid };
  },
};

export const volumeProvider = makeProvider(volumeSpec);

/** A volume: one reservation holding one Volume workload. */
export class Volume extends pulumi.dynamic.Resource {
  declare readonly nodeId: pulumi.Output<string>;
  declare readonly sizeGiB: pulumi.Output<number>;
  declare readonly diskType: pulumi.Output<"SSD">;
  declare readonly durationHours: pulumi.Output<number>;
  declare readonly reservationId: pulumi.Output<number>;
  /** `<rid>-<wid>`: what a container's `volumes[].volumeId` takes. */
  declare readonly volumeId: pulumi.Output<string>;
  declare readonly workloadId: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string>;

  constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      nodeId: args.nodeId,
      sizeGiB: args.sizeGiB,
      diskType: args.diskType,
      durationHours: args.durationHours,
      layout: args.layout,
      reservationId: undefined,
      volumeId: undefined,
      workloadId: undefined,
      expiresAt: undefined,
    };
    super(providerReference("Volume"), name, props, opts, "tfgrid", "Volume");
  }
}
