// check adds a fresh `__createTag` to every reservation-backed resource's inputs: the tag create
// registers the reservation under (metadata), recorded by the engine in its pending operation so
// that `tfgrid recover` can find what an interrupted `pulumi up` left. It must never cause a diff,
// and never show in one: the CLI leaves `__` keys out of what it prints.
import { TAG_PREFIX } from "../../provider/reservation";
import { CREATE_TAG, LEGACY_CREATE_TAG, createTagOf } from "../../provider/resources/common";
import { containerProvider } from "../../provider/resources/container-provider";
import { volumeProvider } from "../../provider/resources/volume-provider";
import { zdbNamespaceProvider } from "../../provider/resources/zdb-provider";
import { NODE, useFreshIdentityEnv } from "./provider-env";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
useFreshIdentityEnv();

describe("createTag", () => {
  it("check adds a new random uuid on every call, also when the old inputs carry one", async () => {
    const news = { nodeId: NODE, sizeGiB: 1 };
    const first = await volumeProvider.check!({}, news);
    const second = await volumeProvider.check!(first.inputs, news);
    expect(first.failures).toEqual([]);
    expect(String(first.inputs[CREATE_TAG])).toMatch(UUID);
    expect(String(second.inputs[CREATE_TAG])).toMatch(UUID);
    expect(second.inputs[CREATE_TAG]).not.toBe(first.inputs[CREATE_TAG]);
    // The CLI hides `__` keys from diffs; nothing else is added.
    expect(CREATE_TAG.startsWith("__")).toBe(true);
    expect(Object.keys(second.inputs).filter((k) => !(k in news) && k !== CREATE_TAG)).toEqual([
      "diskType",
      "durationHours",
    ]);
  });

  it("a different createTag alone is no change and no replacement", async () => {
    const news = { nodeId: NODE, sizeGiB: 10, password: "p" };
    const olds = (await zdbNamespaceProvider.check!({}, news)).inputs;
    const again = (await zdbNamespaceProvider.check!(olds, news)).inputs;
    expect(again[CREATE_TAG]).not.toBe(olds[CREATE_TAG]);
    expect(await zdbNamespaceProvider.diff!("4", olds, again)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    // State written before createTag existed compares equal too.
    const legacy = { ...olds };
    delete legacy[CREATE_TAG];
    expect(await zdbNamespaceProvider.diff!("4", legacy, again)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const ct = { nodeId: NODE, flist: "https://h/x.flist", cpu: 1 };
    const c1 = (await containerProvider.check!({}, ct)).inputs;
    const c2 = (await containerProvider.check!(c1, { ...ct, cpu: 2 })).inputs;
    expect((await containerProvider.diff!("1", c1, c2)).replaces).toEqual(["cpu"]);
  });

  it("createTagOf: the metadata tag is the checked createTag, else a fresh one", () => {
    expect(createTagOf({ [CREATE_TAG]: "3f2a" })).toBe(`${TAG_PREFIX}3f2a`);
    expect(createTagOf({ [LEGACY_CREATE_TAG]: "9e1b" })).toBe(`${TAG_PREFIX}9e1b`);
    expect(createTagOf({ [CREATE_TAG]: "new", [LEGACY_CREATE_TAG]: "old" })).toBe(
      `${TAG_PREFIX}new`,
    );
    const fresh = createTagOf({});
    expect(fresh.slice(0, TAG_PREFIX.length)).toBe(TAG_PREFIX);
    expect(fresh.slice(TAG_PREFIX.length)).toMatch(UUID);
    expect(createTagOf({ [CREATE_TAG]: "" })).not.toBe(TAG_PREFIX);
    expect(createTagOf({ [CREATE_TAG]: 5 })).not.toBe(`${TAG_PREFIX}5`);
  });
});
