/**
 * ArchiveLayout: records an S3 archive's shard layout (DATA, PARITY, shard size, disk type and
 * the shard nodes) in the stack. Nothing is reserved on the grid. MinIO writes its layout once, so
 * a new layout is a new, EMPTY archive; this record is how the program learns, at preview, that
 * the layout is about to change and from what:
 *
 * - `check` sees the old inputs and adds them as `__previous` when a layout setting changed;
 * - a preview of a dynamic resource's update hands the checked inputs back as its outputs, so the
 *   program reads `__previous` and warns (see `S3Archive`);
 * - `update` and `create` store the layout without `__previous`, so an unchanged archive (whose
 *   outputs are the stored ones) never warns again.
 *
 * An update in place, not a replacement: the plain preview shows `~ update [diff: ~dataShards]`
 * with the settings that changed (a replacement would not do: the engine checks a replacement
 * again without its old inputs). `__`-keys are internal bookkeeping the CLI leaves out of diffs.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerReference } from "./provider-reference";

/**
 * The settings recorded, in the order diffs name them: MinIO's layout (the first five) and what
 * else replaces the shards or the metadata volume, which loses the archive's data just the same
 * (the explorer has no update: a new reservation is a new, empty namespace or volume).
 */
export const LAYOUT_SETTINGS = [
  "dataShards",
  "parityShards",
  "zdbSizeGiB",
  "diskType",
  "shardNodes",
  "minioNode",
  "metadataVolumeSizeGiB",
  "durationHours",
  "tlogNode",
] as const;

/** What an archive's data lives on. */
export interface LayoutSettings {
  dataShards: number;
  parityShards: number;
  zdbSizeGiB: number;
  diskType: string;
  /** Node ids in shard order. */
  shardNodes: string[];
  /** The node of the metadata volume and the MinIO container. */
  minioNode: string;
  metadataVolumeSizeGiB: number;
  /** Unset: the provider's default (`tfgrid:durationHours`). */
  durationHours?: number;
  /** The node of the TLOG namespace, when the archive has one (MinIO's layout names it). */
  tlogNode?: string;
}

type Props = Record<string, unknown>;

/** The layout settings that differ between two records (old state may hold only `layout`). */
export function changedLayoutSettings(olds: Props, news: Props): string[] {
  if (olds.dataShards === undefined) {
    // A record written before the settings were stored: only the layout string compares.
    return olds.layout === undefined || olds.layout === news.__layout ? [] : ["layout"];
  }
  return LAYOUT_SETTINGS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/** The dynamic provider of {@link ArchiveLayout}: an update in place when the layout changes. */
export const archiveLayoutProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    const inputs: Props = {};
    for (const k of Object.keys(news)) if (k !== "__previous") inputs[k] = news[k];
    const had = olds && (olds.dataShards !== undefined || olds.layout !== undefined);
    if (had && changedLayoutSettings(olds, inputs).length > 0) {
      const previous: Props = {};
      for (const k of Object.keys(olds)) {
        if (k.slice(0, 2) !== "__" && k !== "layout" && k !== "notice") previous[k] = olds[k];
      }
      previous.layout = olds.__layout !== undefined ? olds.__layout : olds.layout;
      inputs.__previous = previous;
    }
    return { inputs };
  },

  async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    return { changes: changedLayoutSettings(olds, news).length > 0 };
  },

  async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
    const crypto: typeof import("crypto") = require("crypto");
    const outs: Props = {};
    for (const k of Object.keys(inputs)) if (k !== "__previous") outs[k] = inputs[k];
    // Not all digits: reservation-backed resources are the ones with numeric ids.
    return { id: `layout-${crypto.randomBytes(8).toString("hex")}`, outs };
  },

  async update(_id: string, _olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
    const outs: Props = {};
    for (const k of Object.keys(news)) if (k !== "__previous") outs[k] = news[k];
    return { outs };
  },

  async read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
    return { id, props: props ?? {} };
  },
};

/** Arguments of {@link ArchiveLayout}. */
export interface ArchiveLayoutArgs {
  settings: pulumi.Input<LayoutSettings>;
  /** The layout string (`layoutKey`), e.g. `"4+2 seq SSD 10GiB: <node>,<node>,…"`. */
  layout: pulumi.Input<string>;
}

/** The layout an archive had before this run changed it (only while a change is previewed). */
export type PreviousLayout = Partial<LayoutSettings> & { layout?: string };

/** The old settings while a change of them is previewed; undefined otherwise (module comment). */
export function previousLayout(record: ArchiveLayout): pulumi.Output<PreviousLayout | undefined> {
  return (record as unknown as { __previous: pulumi.Output<PreviousLayout | undefined> })
    .__previous;
}

/** A record of an archive's layout; see the module comment. */
export class ArchiveLayout extends pulumi.dynamic.Resource {
  declare readonly dataShards: pulumi.Output<number>;
  declare readonly parityShards: pulumi.Output<number>;
  declare readonly zdbSizeGiB: pulumi.Output<number>;
  declare readonly diskType: pulumi.Output<string>;
  declare readonly shardNodes: pulumi.Output<string[]>;
  declare readonly minioNode: pulumi.Output<string>;
  declare readonly metadataVolumeSizeGiB: pulumi.Output<number>;
  declare readonly durationHours: pulumi.Output<number | undefined>;
  declare readonly tlogNode: pulumi.Output<string | undefined>;

  constructor(name: string, args: ArchiveLayoutArgs, opts?: pulumi.CustomResourceOptions) {
    const s = pulumi.output(args.settings);
    super(
      providerReference("ArchiveLayout"),
      name,
      {
        dataShards: s.dataShards,
        parityShards: s.parityShards,
        zdbSizeGiB: s.zdbSizeGiB,
        diskType: s.diskType,
        shardNodes: s.shardNodes,
        minioNode: s.minioNode,
        metadataVolumeSizeGiB: s.metadataVolumeSizeGiB,
        durationHours: s.durationHours,
        tlogNode: s.tlogNode,
        __layout: args.layout,
        __previous: undefined,
      },
      opts,
      "tfgrid",
      "ArchiveLayout",
    );
  }
}
