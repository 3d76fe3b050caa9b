// The CLI masks both sides of a secret as [secret] in every diff it prints, so a changed password
// or secret env value would force a replacement whose preview names nothing (issue #11). check
// adds `secretVersions`: per secret, how often its value changed — shown as `~secretVersions`,
// revealing nothing of the value, never a reason to replace by itself.
import { SECRET_VERSIONS, secretVersions } from "../../provider/resources/common";
import { containerProvider } from "../../provider/resources/container";
import { zdbNamespaceProvider } from "../../provider/resources/zdb";
import { UNKNOWN } from "../../provider/resources/validation";
import { NODE, useFreshIdentityEnv } from "./provider-env";

useFreshIdentityEnv();

describe("secretVersions", () => {
  it("starts at 1, stays while the value stays, counts up when it changes", () => {
    const first = secretVersions(["password"], {}, { password: "a" });
    expect(first).toEqual({ password: 1 });
    const olds = { password: "a", [SECRET_VERSIONS]: first };
    expect(secretVersions(["password"], olds, { password: "a" })).toEqual({ password: 1 });
    expect(secretVersions(["password"], olds, { password: "b" })).toEqual({ password: 2 });
  });

  it("counts each entry of an object of secrets on its own; unknown while the value is", () => {
    const olds = {
      secretEnv: { SHARDS: "x", SECRET_KEY: "k" },
      [SECRET_VERSIONS]: { "secretEnv.SHARDS": 3, "secretEnv.SECRET_KEY": 1 },
    };
    expect(
      secretVersions(["secretEnv"], olds, { secretEnv: { SHARDS: "x", SECRET_KEY: "k2" } }),
    ).toEqual({ "secretEnv.SHARDS": 3, "secretEnv.SECRET_KEY": 2 });
    expect(
      secretVersions(["secretEnv"], olds, { secretEnv: { SHARDS: UNKNOWN, SECRET_KEY: "k" } }),
    ).toEqual({ "secretEnv.SHARDS": UNKNOWN, "secretEnv.SECRET_KEY": 1 });
  });

  it("check adds it, holding no secret; diff never replaces for it alone", async () => {
    const news = { nodeId: NODE, sizeGiB: 1, password: "first-password" };
    const olds = (await zdbNamespaceProvider.check!({}, news)).inputs;
    expect(olds[SECRET_VERSIONS]).toEqual({ password: 1 });
    const changed = (await zdbNamespaceProvider.check!(olds, { ...news, password: "second" }))
      .inputs;
    expect(changed[SECRET_VERSIONS]).toEqual({ password: 2 });
    expect(JSON.stringify(changed[SECRET_VERSIONS])).not.toContain("second");
    expect((await zdbNamespaceProvider.diff!("7", olds, changed)).replaces).toEqual(["password"]);
    // A state with other counts but the same values: no change.
    const same = { ...olds, [SECRET_VERSIONS]: { password: 9 } };
    expect((await zdbNamespaceProvider.diff!("7", same, olds)).changes).toBe(false);

    const c = { nodeId: NODE, flist: "https://h/x.flist", secretEnv: { SECRET_KEY: "k" } };
    const c1 = (await containerProvider.check!({}, c)).inputs;
    expect(c1[SECRET_VERSIONS]).toEqual({ "secretEnv.SECRET_KEY": 1 });
  });
});
