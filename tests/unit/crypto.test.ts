import sodium from "libsodium-wrappers";
import bs58 from "bs58";
import {
  CryptoError,
  deleteMessage,
  nodeIdToPublicKeyHex,
  sealForNode,
  signCreate,
  signDelete,
  signHex,
} from "../../provider/crypto";
import { identityFromMnemonic } from "../../provider/identity";

// Seed 00 01 … 1f (the mnemonic's entropy). Expected values computed once with libsodium and
// re-checked against libsodium below.
const MNEMONIC =
  "abandon amount liar amount expire adjust cage candy arch gather drum bullet absurd math era live bid rhythm alien crouch range attend journey unaware";
const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const PUBKEY_HEX = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const NODE_ID = "FAe4sisG95oZ42w7buUn5qEE4TAnfTTFPiguZUHmhiF";
const JSON_TEXT = '{"description":"kat","currencies":["TFT"]}';
const SIG_CREATE =
  "9881062b49bdc4ed0519d0f21975690bf706dc3451ab7afadc6171378351341434da6dfc3bde10ae633b527be997dfb256d88218311a433a770b8af9e5daec06";
const SIG_DELETE_1234 =
  "5101ef57fb330246bc3a6325f55028332cbe2e67317dd1405b8cc9d1e81296102a89cceb89769b3796990ccb24a4a0d0876f1aca6f3bb8eceaf07c3877331008";

const identity = identityFromMnemonic(MNEMONIC, 42);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

beforeAll(async () => {
  await sodium.ready;
});

describe("signatures (known answers)", () => {
  it("signCreate signs the exact json bytes", () => {
    expect(signCreate(identity, JSON_TEXT)).toBe(SIG_CREATE);
    const kp = sodium.crypto_sign_seed_keypair(SEED);
    expect(hex(kp.publicKey)).toBe(PUBKEY_HEX);
    expect(hex(sodium.crypto_sign_detached(sodium.from_string(JSON_TEXT), kp.privateKey))).toBe(
      SIG_CREATE,
    );
  });

  it("signDelete signs String(id) + json with no separator", () => {
    expect(Buffer.from(deleteMessage(1234, '{"a":1}')).toString("utf8")).toBe('1234{"a":1}');
    expect(signDelete(identity, 1234, JSON_TEXT)).toBe(SIG_DELETE_1234);
    expect(signHex(identity.secretKey, `1234${JSON_TEXT}`)).toBe(SIG_DELETE_1234);
    const kp = sodium.crypto_sign_seed_keypair(SEED);
    const msg = sodium.from_string(`1234${JSON_TEXT}`);
    expect(hex(sodium.crypto_sign_detached(msg, kp.privateKey))).toBe(SIG_DELETE_1234);
  });

  it("signs UTF-8 of non-ASCII text and raw bytes identically to libsodium", () => {
    const kp = sodium.crypto_sign_seed_keypair(SEED);
    const text = 'Zürich → 東京 {"x":"é"}';
    expect(signHex(identity.secretKey, text)).toBe(
      hex(sodium.crypto_sign_detached(sodium.from_string(text), kp.privateKey)),
    );
    const bytes = Uint8Array.from([0, 255, 1, 254]);
    expect(signHex(identity.secretKey, bytes)).toBe(
      hex(sodium.crypto_sign_detached(bytes, kp.privateKey)),
    );
    expect(signHex(identity.secretKey, "")).toHaveLength(128);
  });

  it("rejects a secret key of the wrong length", () => {
    expect(() => signHex(new Uint8Array(32), "x")).toThrow(
      new CryptoError("ed25519 secret key must be 64 bytes, got 32"),
    );
  });
});

describe("sealForNode", () => {
  const node = (): { pkHex: string; open: (h: string) => string } => {
    const kp = sodium.crypto_sign_seed_keypair(Uint8Array.from({ length: 32 }, (_, i) => 200 - i));
    const xpk = sodium.crypto_sign_ed25519_pk_to_curve25519(kp.publicKey);
    const xsk = sodium.crypto_sign_ed25519_sk_to_curve25519(kp.privateKey);
    return {
      pkHex: hex(kp.publicKey),
      open: (h) => sodium.to_string(sodium.crypto_box_seal_open(sodium.from_hex(h), xpk, xsk)),
    };
  };

  it.each([
    ["empty", ""],
    ["ascii password", "s3cr3t-zdb-password"],
    ["unicode", "pässwörd 🔑 東京"],
    ["wireguard key text", "GFn6nR1vJ2mS1xQ8m9bH2c1Yw4hXzq3Kp7cA0sLr1mU="],
    ["long", "x".repeat(5000)],
  ])("libsodium crypto_box_seal_open opens it (%s)", (_name, plaintext) => {
    const n = node();
    const sealed = sealForNode(n.pkHex, plaintext);
    expect(sealed).toMatch(/^[0-9a-f]*$/);
    expect(sealed.length).toBe(2 * (Buffer.byteLength(plaintext, "utf8") + 48));
    expect(n.open(sealed)).toBe(plaintext);
  });

  it("uses a fresh ephemeral key each time", () => {
    const n = node();
    const a = sealForNode(n.pkHex, "same");
    const b = sealForNode(n.pkHex, "same");
    expect(a).not.toBe(b);
    expect(n.open(a)).toBe("same");
    expect(n.open(b)).toBe("same");
  });

  it("accepts upper-case hex keys", () => {
    const n = node();
    expect(n.open(sealForNode(n.pkHex.toUpperCase(), "ok"))).toBe("ok");
  });

  it("rejects malformed keys", () => {
    expect(() => sealForNode("abcd", "x")).toThrow(
      new CryptoError('node public key must be 64 hex characters (32 bytes), got "abcd"'),
    );
    expect(() => sealForNode("zz".repeat(32), "x")).toThrow(CryptoError);
  });
});

describe("nodeIdToPublicKeyHex", () => {
  it("decodes a base58 node id to the hex public key", () => {
    expect(nodeIdToPublicKeyHex(NODE_ID)).toBe(PUBKEY_HEX);
    expect(bs58.encode(Buffer.from(PUBKEY_HEX, "hex"))).toBe(NODE_ID);
  });

  it("throws on a wrong length or invalid base58", () => {
    const short = bs58.encode(Buffer.alloc(31, 7));
    expect(() => nodeIdToPublicKeyHex(short)).toThrow(
      new CryptoError(`node id "${short}" decodes to 31 bytes, expected a 32-byte ed25519 key`),
    );
    expect(() => nodeIdToPublicKeyHex("0OIl")).toThrow(
      new CryptoError('node id "0OIl" is not valid base58'),
    );
  });
});
