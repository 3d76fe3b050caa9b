// Volume, provider side: validation, the Volume workload and its results. Runs in the provider
// host; the program side is volume.ts.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { WORKLOAD_ID } from "./common";
import { makeProvider } from "./make-provider";
import { onNodeSchema, singleWorkloadSpec } from "./single-workload";
import { known, positiveInt, rule, type Known } from "./validation";
import { VOLUME_DEFAULTS } from "./volume";

const diskTypeSchema = () =>
  rule<"SSD">((v) =>
    v === "HDD"
      ? `"HDD" volumes are refused by the explorer since 2020-06-23; use "SSD"`
      : v !== "SSD"
        ? `${JSON.stringify(v)} is not a disk type; use "SSD"`
        : undefined,
  );

const schema = () =>
  onNodeSchema({
    sizeGiB: known(positiveInt("sizeGiB (GiB)", 100_000)),
    diskType: known(diskTypeSchema()),
    // A label for diffs only (see VolumeArgs.layout): not in inputKeys.
    layout: z.unknown().optional(),
  });

/** A Volume's inputs as create receives them. */
export type VolumeInputs = Known<z.infer<ReturnType<typeof schema>>>;

export interface VolumeOutputs extends Record<string, unknown> {
  volumeId: string;
}

/** The Volume workload (protocol.md#volume-workload). */
export function volumeWorkload(p: Omit<VolumeInputs, "durationHours">): object {
  return {
    workload_id: WORKLOAD_ID,
    node_id: p.nodeId,
    size: p.sizeGiB,
    type: 1,
    stats_aggregator: [],
    farmer_tid: 0,
  };
}

export const volumeSpec = singleWorkloadSpec<VolumeInputs, VolumeOutputs>({
  type: "Volume",
  inputKeys: ["nodeId", "sizeGiB", "diskType", "durationHours"],
  labels: ["layout"],
  defaults: VOLUME_DEFAULTS,
  schema,
  list: "volumes",
  what: "volume",
  workload: volumeWorkload,
  results(_inputs, data, r) {
    const gwid = `${r.id}-${WORKLOAD_ID}`;
    const id = data?.volume_id;
    return { volumeId: typeof id === "string" && id !== "" ? id : gwid };
  },
});

/** Registered in providers.ts; the host hands it the engine's untyped values. */
export const volumeProvider: pulumi.dynamic.ResourceProvider = makeProvider(volumeSpec);
