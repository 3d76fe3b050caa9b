// The archive's layout record (issue #11): how a preview learns that a change starts a new,
// empty archive. check adds the old settings as `__previous` only when a recorded setting
// changed; a preview hands checked inputs back as outputs, so the program warns; create and
// update store the record without it, so an unchanged archive (whose outputs are the stored
// ones) never warns again. And the warning names each changed setting, the loss and the fix.
import { dataLossWarning } from "../../provider/archive/layout";
import { archiveLayoutProvider as p } from "../../provider/archive/layout-provider";
import { S3ArchiveArgsError } from "../../provider/archive/problems";

const LAYOUT = "4+2 seq SSD 10GiB: a,b,c,d,e,f";
const base = {
  dataShards: 4,
  parityShards: 2,
  zdbSizeGiB: 10,
  diskType: "SSD",
  shardNodes: ["a", "b", "c", "d", "e", "f"],
  minioNode: "a",
  metadataVolumeSizeGiB: 10,
  durationHours: 24,
  __layout: LAYOUT,
};

describe("ArchiveLayout provider", () => {
  it("first create: no previous layout, nothing to warn about", async () => {
    const { inputs } = await p.check!({}, base);
    expect(inputs).toEqual(base);
    expect((await p.create(inputs)).outs).toEqual(base);
  });

  it("unchanged: no previous layout and no change", async () => {
    const { inputs } = await p.check!(base, { ...base });
    expect(inputs.__previous).toBeUndefined();
    expect(await p.diff!("layout-1", base, inputs)).toEqual({ changes: false });
  });

  it("changed: check records the old settings, diff is an update, update stores without them", async () => {
    const news = { ...base, dataShards: 3, parityShards: 3, __layout: "3+3 …" };
    const { inputs } = await p.check!(base, news);
    const { __layout: _omit, ...previous } = base;
    void _omit;
    expect(inputs.__previous).toEqual({ ...previous, layout: LAYOUT });
    expect(await p.diff!("layout-1", base, inputs)).toEqual({ changes: true });
    expect((await p.update!("layout-1", base, inputs)).outs).toEqual(news);
  });

  it("a duration or metadata volume change is recorded too: both replace what holds the data", async () => {
    for (const over of [{ durationHours: 48 }, { metadataVolumeSizeGiB: 20 }, { minioNode: "b" }]) {
      const { inputs } = await p.check!(base, { ...base, ...over });
      expect(inputs.__previous).toBeDefined();
    }
  });

  it("a record written before settings were stored compares by its layout string", async () => {
    const legacy = { layout: LAYOUT, notice: "MinIO writes its shard layout once…" };
    expect((await p.check!(legacy, base)).inputs.__previous).toBeUndefined();
    expect(await p.diff!("layout-1", legacy, base)).toEqual({ changes: false });
    const changed = { ...base, __layout: "3+3 …" };
    expect((await p.check!(legacy, changed)).inputs.__previous).toEqual({ layout: LAYOUT });
    expect(await p.diff!("layout-1", legacy, changed)).toEqual({ changes: true });
  });
});

describe("dataLossWarning", () => {
  const rename = (k: string) => `s3:${k === "shardNodes" ? "shardCount" : k}`;
  it("names each changed setting, says the new archive starts empty and to copy the data out first", () => {
    const now = {
      ...base,
      dataShards: 3,
      parityShards: 3,
      shardNodes: [...base.shardNodes, "g", "h"],
    };
    const text = dataLossWarning("s3", { ...base, layout: LAYOUT }, now, rename, "172.20.15.16");
    expect(text).toContain("s3:dataShards 4 → 3, s3:parityShards 2 → 3");
    expect(text).toContain("s3:shardCount: 6 → 8 shards, 0 of 6 shards on other nodes");
    expect(text).toContain("the new archive starts EMPTY");
    expect(text).toContain("will NOT be in it");
    expect(text).toContain("Copy the data out first");
    expect(text).toContain("http://172.20.15.16:9000");
  });

  it("counts a swapped shard node", () => {
    const now = { ...base, shardNodes: ["a", "b", "c", "d", "e", "x"] };
    expect(dataLossWarning("s3", base, now, rename, "172.20.15.16")).toContain(
      "s3:shardCount: 1 of 6 shards on other nodes",
    );
  });
});

describe("S3ArchiveArgsError", () => {
  it("keeps its message as written when the SDK prefixes it at every input it rejects", () => {
    const e = new S3ArchiveArgsError("s3", [
      { property: "s3:parityShards", value: 2, reason: "too few", fix: "use 3+3" },
    ]);
    const text = e.message;
    for (let i = 0; i < 24; i++) e.message = `error serializing property "nodeId": ${e.message}`;
    expect(e.message).toBe(text);
    expect(text).not.toContain("error serializing");
    expect(String(e)).toContain("s3:parityShards = 2: too few. Fix: use 3+3");
  });
});
