import * as bip39 from "bip39";
import {
  generateMnemonic,
  identityFromMnemonic,
  IdentityError,
  keyPairFromMnemonic,
  mnemonicProblem,
  publicKeyHex,
} from "../../provider/identity";

// Entropy 00 01 02 … 1f; the public key was computed with libsodium crypto_sign_seed_keypair.
const MNEMONIC =
  "abandon amount liar amount expire adjust cage candy arch gather drum bullet absurd math era live bid rhythm alien crouch range attend journey unaware";
const PUBKEY_HEX = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const FIX =
  'set a valid one with: pulumi config set --secret tfgrid:mnemonic "<24 words>" (or TFGRID_MNEMONIC); generate one with: npx tfgrid identity new --name NAME';

function thrown(fn: () => unknown): IdentityError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdentityError) return e;
    throw e;
  }
  throw new Error("expected an IdentityError");
}

describe("identityFromMnemonic", () => {
  it("derives the known key from the known mnemonic (entropy = seed)", () => {
    const id = identityFromMnemonic(MNEMONIC, 42);
    expect(id.tid).toBe(42);
    expect(publicKeyHex(id)).toBe(PUBKEY_HEX);
    expect(id.secretKey.length).toBe(64);
    expect(Buffer.from(id.secretKey.slice(0, 32)).toString("hex")).toBe(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    );
    expect(Buffer.from(id.secretKey.slice(32)).toString("hex")).toBe(PUBKEY_HEX);
  });

  it("tolerates surrounding and repeated whitespace and upper case", () => {
    const messy = `  ${MNEMONIC.toUpperCase().split(" ").join("  \n")}\t`;
    expect(publicKeyHex(identityFromMnemonic(messy, 1))).toBe(PUBKEY_HEX);
  });

  it("rejects a wrong word count without echoing the mnemonic", () => {
    const twelve = MNEMONIC.split(" ").slice(0, 12).join(" ");
    const e = thrown(() => identityFromMnemonic(twelve, 1));
    expect(e.code).toBe("identity.mnemonic");
    expect(e.message).toBe(`tfgrid:mnemonic: has 12 words, expected 24; ${FIX}`);
    expect(thrown(() => identityFromMnemonic("", 1)).message).toBe(
      `tfgrid:mnemonic: has 0 words, expected 24; ${FIX}`,
    );
  });

  it("names the position of unknown words, not the words", () => {
    const w = MNEMONIC.split(" ");
    w[4] = "notaword";
    const e = thrown(() => identityFromMnemonic(w.join(" "), 1));
    expect(e.message).toBe(
      `tfgrid:mnemonic: word at position 5 is not in the BIP39 English word list; ${FIX}`,
    );
    expect(e.message).not.toContain("notaword");
    w[9] = "zzz";
    expect(thrown(() => identityFromMnemonic(w.join(" "), 1)).message).toBe(
      `tfgrid:mnemonic: words at positions 5, 10 are not in the BIP39 English word list; ${FIX}`,
    );
  });

  it("rejects a bad checksum", () => {
    const w = MNEMONIC.split(" ");
    [w[0], w[1]] = [w[1], w[0]];
    const e = thrown(() => identityFromMnemonic(w.join(" "), 1));
    expect(e.message).toBe(
      `tfgrid:mnemonic: has a bad checksum (a word is wrong or the words are out of order); ${FIX}`,
    );
    for (const word of w) expect(e.message).not.toContain(` ${word} `);
  });

  it("rejects a non-positive or fractional tid", () => {
    for (const tid of [0, -1, 1.5, Number.NaN]) {
      const e = thrown(() => identityFromMnemonic(MNEMONIC, tid));
      expect(e.code).toBe("identity.tid");
      expect(e.message).toBe(
        `tfgrid:tid: ${String(tid)} is not a positive integer; set it with: pulumi config set tfgrid:tid <your 3Bot id> (or TFGRID_TID)`,
      );
    }
  });
});

describe("mnemonicProblem", () => {
  it("accepts a valid mnemonic", () => {
    expect(mnemonicProblem(MNEMONIC)).toBeUndefined();
  });
  it("says singular for one word", () => {
    expect(mnemonicProblem("abandon")).toBe("has 1 word, expected 24");
  });
});

describe("generateMnemonic", () => {
  it("gives 24 valid words whose entropy is a usable 32-byte seed", () => {
    const m = generateMnemonic();
    expect(m.split(" ")).toHaveLength(24);
    expect(bip39.validateMnemonic(m)).toBe(true);
    expect(bip39.mnemonicToEntropy(m)).toHaveLength(64);
    expect(publicKeyHex(identityFromMnemonic(m, 7))).toMatch(/^[0-9a-f]{64}$/);
    expect(generateMnemonic()).not.toBe(m);
  });
});

describe("keyPairFromMnemonic", () => {
  it("gives the same key as identityFromMnemonic, before a tid exists", () => {
    const pair = keyPairFromMnemonic(MNEMONIC);
    expect(Buffer.from(pair.publicKey).toString("hex")).toBe(PUBKEY_HEX);
    expect(
      Buffer.from(pair.secretKey).equals(Buffer.from(identityFromMnemonic(MNEMONIC, 3).secretKey)),
    ).toBe(true);
    expect(() => keyPairFromMnemonic("abandon")).toThrow(
      new IdentityError("identity.mnemonic", `tfgrid:mnemonic: has 1 word, expected 24; ${FIX}`),
    );
  });

  it("errors carry a stable name and code", () => {
    const e = thrown(() => keyPairFromMnemonic(""));
    expect(e.name).toBe("IdentityError");
    expect(e.code).toBe("identity.mnemonic");
    expect(e).toBeInstanceOf(Error);
  });
});
