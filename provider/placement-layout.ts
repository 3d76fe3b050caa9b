/**
 * ArchiveLayout: records an S3 archive's shard layout (DATA+PARITY and the shard list) in the
 * stack so that a change of layout is visible in `pulumi preview --diff` as a replacement of this
 * resource, with a notice that says what it means: MinIO writes its layout once, so a new layout
 * is a new, EMPTY archive. Nothing is reserved on the grid.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerReference } from "./provider-reference";

/** The notice stored beside the layout, shown in diffs. */
export const LAYOUT_NOTICE =
  "MinIO writes its shard layout once: a new layout replaces the metadata volume and the MinIO container, and the archive starts EMPTY";

type Props = Record<string, unknown>;

/** The dynamic provider of {@link ArchiveLayout}: a replace whenever the layout string changes. */
export const archiveLayoutProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    const changed = olds.layout !== news.layout;
    return { changes: changed, replaces: changed ? ["layout"] : [] };
  },

  async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
    const crypto: typeof import("crypto") = require("crypto");
    // Not all digits: reservation-backed resources are the ones with numeric ids.
    return { id: `layout-${crypto.randomBytes(8).toString("hex")}`, outs: inputs };
  },

  async read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
    return { id, props: props ?? {} };
  },
};

/** Arguments of {@link ArchiveLayout}. */
export interface ArchiveLayoutArgs {
  /** e.g. `"4+2 seq SSD 10GiB: <node>,<node>,…"`. */
  layout: pulumi.Input<string>;
}

/** A record of an archive's layout; replaced (with {@link LAYOUT_NOTICE} in the diff) when it changes. */
export class ArchiveLayout extends pulumi.dynamic.Resource {
  declare readonly layout: pulumi.Output<string>;
  declare readonly notice: pulumi.Output<string>;

  constructor(name: string, args: ArchiveLayoutArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerReference("ArchiveLayout"),
      name,
      { layout: args.layout, notice: LAYOUT_NOTICE },
      opts,
      "tfgrid",
      "ArchiveLayout",
    );
  }
}
