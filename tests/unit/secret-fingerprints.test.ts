// The CLI masks both sides of a secret as [secret] in every diff it prints, so a changed password
// or secret env value would force a replacement whose preview names nothing (issue #11). check
// adds `secretFingerprints`: per secret, an HMAC of its value under a key derived from the
// customer's identity — the same on every check (also the engine's re-check of a replacement,
// which has no old inputs), different when the value is, never a reason to replace by itself.
import { generateMnemonic, identityFromMnemonic } from "../../provider/identity";
import {
  SECRET_FINGERPRINTS,
  fingerprintKey,
  secretFingerprints,
} from "../../provider/resources/secret-fingerprints";
import { containerProvider } from "../../provider/resources/container-provider";
import { zdbNamespaceProvider } from "../../provider/resources/zdb-provider";
import { UNKNOWN } from "../../provider/resources/validation";
import { NODE, useFreshIdentityEnv } from "./provider-env";

useFreshIdentityEnv();

const key = fingerprintKey(identityFromMnemonic(generateMnemonic(), 7));

describe("secretFingerprints", () => {
  it("same value, same fingerprint; another value or another identity, another one", () => {
    const a = secretFingerprints(["password"], { password: "a" }, key);
    expect(a.password).toMatch(/^[0-9a-f]{16}$/);
    expect(secretFingerprints(["password"], { password: "a" }, key)).toEqual(a);
    expect(secretFingerprints(["password"], { password: "b" }, key)).not.toEqual(a);
    const other = fingerprintKey(identityFromMnemonic(generateMnemonic(), 7));
    expect(secretFingerprints(["password"], { password: "a" }, other)).not.toEqual(a);
  });

  it("one fingerprint per entry of an object of secrets; unknown while the value is", () => {
    const f = secretFingerprints(["secretEnv"], { secretEnv: { SHARDS: UNKNOWN, KEY: "k" } }, key);
    expect(Object.keys(f).sort()).toEqual(["secretEnv.KEY", "secretEnv.SHARDS"]);
    expect(f["secretEnv.SHARDS"]).toBe(UNKNOWN);
    expect(f["secretEnv.KEY"]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("check adds it with or without old inputs alike; it holds no secret and never replaces", async () => {
    const news = { nodeId: NODE, sizeGiB: 1, password: "first-password" };
    const olds = (await zdbNamespaceProvider.check!({}, news)).inputs;
    const again = (await zdbNamespaceProvider.check!(olds, news)).inputs;
    expect(again[SECRET_FINGERPRINTS]).toEqual(olds[SECRET_FINGERPRINTS]);
    const changed = (await zdbNamespaceProvider.check!({}, { ...news, password: "second" })).inputs;
    expect(changed[SECRET_FINGERPRINTS]).not.toEqual(olds[SECRET_FINGERPRINTS]);
    expect(JSON.stringify(changed[SECRET_FINGERPRINTS])).not.toContain("second");
    expect((await zdbNamespaceProvider.diff!("7", olds, changed)).replaces).toEqual(["password"]);
    const stale = { ...olds, [SECRET_FINGERPRINTS]: { password: "0000000000000000" } };
    expect((await zdbNamespaceProvider.diff!("7", stale, again)).changes).toBe(false);

    const c = { nodeId: NODE, flist: "https://h/x.flist", secretEnv: { SECRET_KEY: "k" } };
    const c1 = (await containerProvider.check!({}, c)).inputs;
    expect(Object.keys(c1[SECRET_FINGERPRINTS] as object)).toEqual(["secretEnv.SECRET_KEY"]);
  });
});
