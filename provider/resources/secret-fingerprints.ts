// The secretFingerprints input: which secret changed, without telling its value. Provider side.
import { createHash, createHmac } from "crypto";
import type { Identity } from "../identity";
import type { Props } from "./common";
import { containsUnknown, isPlainObject, stableJson, UNKNOWN } from "./validation";

/**
 * The input check adds to show which secret changed. The CLI masks every secret as `[secret]` on
 * both sides of a diff, so a changed password or secret env value would force a replacement whose
 * preview names no property at all. This map holds, per secret (`password`,
 * `secretEnv.SECRET_KEY`, …), a keyed fingerprint of its value: an HMAC under a key derived from
 * the customer's own identity, so it changes exactly when the value does, is the same on every
 * run (the engine re-checks a replacement without its old inputs, so it cannot be a counter), and
 * tells nothing about the value to whoever reads the state without the mnemonic. The preview then
 * says `[diff: ~secretFingerprints]`. Not in any `inputKeys`: the secret itself forces the
 * replacement.
 */
export const SECRET_FINGERPRINTS = "secretFingerprints";

function secretEntries(keys: readonly string[], props: Props): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of keys) {
    const v = props[key];
    if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) out.push([`${key}.${k}`, x]);
    } else if (v !== undefined) {
      out.push([key, v]);
    }
  }
  return out;
}

/** The fingerprint key of an identity: derived from its seed, never the seed itself. */
export function fingerprintKey(identity: Identity): Buffer {
  return createHash("sha256")
    .update("pulumi-tfgrid/secret-fingerprint\0")
    .update(identity.secretKey.subarray(0, 32))
    .digest();
}

/** The {@link SECRET_FINGERPRINTS} map of `news` (unknown where the value is not known yet). */
export function secretFingerprints(
  keys: readonly string[],
  news: Props,
  key: Buffer,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of secretEntries(keys, news)) {
    out[name] = containsUnknown(value)
      ? UNKNOWN
      : createHmac("sha256", key)
          .update(`${name}\0${stableJson(value)}`)
          .digest("hex")
          .slice(0, 16);
  }
  return out;
}
