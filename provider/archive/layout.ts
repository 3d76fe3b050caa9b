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
 *
 * This file is the program side: the record, the layout key and the warning; the provider that
 * runs in the provider host is layout-provider.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { ReferencedResource } from "../provider-reference";
import { MINIO_PORT } from "./args";

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
export class ArchiveLayout extends ReferencedResource {
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
      "ArchiveLayout",
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
    );
  }
}

/** The layout string: what MinIO fixes at first start. A change means a new, empty archive. */
export function layoutKey(
  dataShards: number,
  parityShards: number,
  zdbSizeGiB: number,
  diskType: string,
  nodeIds: string[],
): string {
  return `${dataShards}+${parityShards} seq ${diskType} ${zdbSizeGiB}GiB: ${nodeIds.join(",")}`;
}

/** How a recorded setting reads in the warning. */
function describeSetting(v: unknown): string {
  return v === undefined ? "(default)" : String(v);
}

/**
 * The warning a preview prints on an archive when a change replaces its shards or its metadata
 * volume: which settings change, that the new archive starts empty, and what to do first.
 */
export function dataLossWarning(
  name: string,
  previous: PreviousLayout,
  now: LayoutSettings,
  property: (setting: string) => string,
  minioIp: string,
): string {
  const changes: string[] = [];
  for (const [k, v] of Object.entries(now) as [string, unknown][]) {
    const old = (previous as Record<string, unknown>)[k];
    if (!(k in previous) || JSON.stringify(old) === JSON.stringify(v)) continue;
    if (Array.isArray(old) && Array.isArray(v)) {
      // Shard nodes, node by node: the count may stay while a node is swapped.
      const moved = old.filter((n, i) => i < v.length && v[i] !== n).length;
      const count = old.length === v.length ? "" : ` ${old.length} → ${v.length} shards,`;
      changes.push(`${property(k)}:${count} ${moved} of ${old.length} shards on other nodes`);
    } else {
      changes.push(`${property(k)} ${describeSetting(old)} → ${describeSetting(v)}`);
    }
  }
  const what = changes.length > 0 ? changes.join(", ") : "the shard layout";
  return (
    `S3Archive "${name}": this change (${what}) replaces the archive's 0-db shards or its metadata volume, ` +
    "and MinIO writes its shard layout once: the new archive starts EMPTY, and the objects of the old " +
    "archive will NOT be in it (the old reservations are deleted). Copy the data out first (for example " +
    `\`mc mirror\` from http://${minioIp}:${MINIO_PORT} to other storage), then run \`pulumi up\`, then copy ` +
    "it back into the new archive."
  );
}
