import * as bip39 from "bip39";
import nacl from "tweetnacl";
import { TfgridError } from "./errors";

/** A 3Bot identity: the user id (`tid`) on the explorer plus its ed25519 key pair. */
export interface Identity {
  /** 3Bot id (phonebook user id), a positive integer. */
  tid: number;
  /** ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** tweetnacl ed25519 secret key (seed ‖ public key), 64 bytes. */
  secretKey: Uint8Array;
}

/** Raised for an unusable mnemonic or tid. The message never contains the mnemonic. */
export class IdentityError extends TfgridError {}

/** Number of words of a mnemonic encoding a 32-byte seed. */
export const MNEMONIC_WORDS = 24;

const MNEMONIC_FIX =
  'set a valid one with: pulumi config set --secret tfgrid:mnemonic "<24 words>" (or TFGRID_MNEMONIC); ' +
  "generate one with: npx tfgrid identity new --name NAME";

function words(mnemonic: string): string[] {
  return mnemonic.normalize("NFKD").trim().toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * Describes what is wrong with a mnemonic, or returns undefined when it is a valid 24-word BIP39
 * (English) mnemonic. The description names word positions, never words: a typo'd word is still
 * most of a secret.
 */
export function mnemonicProblem(mnemonic: string): string | undefined {
  const list = words(mnemonic);
  if (list.length !== MNEMONIC_WORDS) {
    return `has ${list.length} word${list.length === 1 ? "" : "s"}, expected ${MNEMONIC_WORDS}`;
  }
  const wordlist = bip39.wordlists.english;
  const unknown = list.flatMap((w, i) => (wordlist.includes(w) ? [] : [i + 1]));
  if (unknown.length > 0) {
    const s = unknown.length === 1 ? "" : "s";
    return `word${s} at position${s} ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not in the BIP39 English word list`;
  }
  if (!bip39.validateMnemonic(list.join(" "))) {
    return "has a bad checksum (a word is wrong or the words are out of order)";
  }
  return undefined;
}

/** The full, actionable message for a mnemonic problem, naming the setting and the fix. */
export function mnemonicProblemMessage(problem: string): string {
  return `tfgrid:mnemonic: ${problem}; ${MNEMONIC_FIX}`;
}

/**
 * Derives the identity from a 24-word BIP39 mnemonic whose entropy is the 32-byte ed25519 seed
 * (the Jumpscale SDK convention), and the user's tid.
 * @throws IdentityError (`identity.mnemonic` or `identity.tid`) naming the problem and the fix.
 */
export function identityFromMnemonic(mnemonic: string, tid: number): Identity {
  if (!Number.isSafeInteger(tid) || tid <= 0) {
    throw new IdentityError(
      "identity.tid",
      `tfgrid:tid: ${String(tid)} is not a positive integer; set it with: pulumi config set tfgrid:tid <your 3Bot id> (or TFGRID_TID)`,
    );
  }
  const pair = keyPairFromMnemonic(mnemonic);
  return { tid, publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/**
 * The ed25519 key pair of a mnemonic alone: what registering a new identity needs before the
 * explorer has assigned its tid.
 * @throws IdentityError (`identity.mnemonic`) naming the problem and the fix.
 */
export function keyPairFromMnemonic(mnemonic: string): nacl.SignKeyPair {
  const problem = mnemonicProblem(mnemonic);
  if (problem !== undefined) {
    throw new IdentityError("identity.mnemonic", mnemonicProblemMessage(problem));
  }
  const seed = Buffer.from(bip39.mnemonicToEntropy(words(mnemonic).join(" ")), "hex");
  return nacl.sign.keyPair.fromSeed(new Uint8Array(seed));
}

/** A fresh random 24-word mnemonic (256 bits of entropy = one ed25519 seed). */
export function generateMnemonic(): string {
  return bip39.generateMnemonic(256);
}

/** Lower-case hex of the identity's 32-byte public key, as the phonebook stores `pubkey`. */
export function publicKeyHex(identity: Identity): string {
  return Buffer.from(identity.publicKey).toString("hex");
}
