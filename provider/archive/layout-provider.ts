/**
 * The provider of `ArchiveLayout` (see layout.ts), which runs in the provider host: `check` adds
 * the old settings as `__previous` when a recorded setting changed, `create` and `update` store
 * the record without them.
 */
import type * as pulumi from "@pulumi/pulumi";
import { recordId, type Props } from "./records";

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

/** A record as stored: without the `__previous` a check may have added. */
function withoutPrevious(p: Props): Props {
  const out: Props = {};
  for (const k of Object.keys(p)) if (k !== "__previous") out[k] = p[k];
  return out;
}

/** The layout settings that differ between two records (old state may hold only `layout`). */
export function changedLayoutSettings(olds: Props, news: Props): string[] {
  if (olds.dataShards === undefined) {
    // A record written before the settings were stored: only the layout string compares.
    return olds.layout === undefined || olds.layout === news.__layout ? [] : ["layout"];
  }
  return LAYOUT_SETTINGS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/** The dynamic provider of `ArchiveLayout`: an update in place when the layout changes. */
export const archiveLayoutProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    const inputs = withoutPrevious(news);
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
    return { id: recordId("layout"), outs: withoutPrevious(inputs) };
  },

  async update(_id: string, _olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: withoutPrevious(news) };
  },
};
