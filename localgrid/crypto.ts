/**
 * All cryptography of the local grid, on libsodium only. The provider seals and signs with
 * tweetnacl; opening and verifying here with libsodium is what makes the two implementations
 * check each other (docs/ARCHITECTURE.md#the-local-grid).
 */
import sodium from "libsodium-wrappers";
import bs58 from "bs58";
import { createHash } from "node:crypto";

let ready = false;

/** libsodium loads a wasm module asynchronously; every entry point awaits this once. */
export async function cryptoReady(): Promise<void> {
  if (!ready) {
    await sodium.ready;
    ready = true;
  }
}

export interface NodeKeys {
  /** base58 of the ed25519 public key: the node id (docs/protocol.md#http-signatures). */
  nodeId: string;
  publicKeyHex: string;
  signSecretKey: Uint8Array;
  boxPublicKey: Uint8Array;
  boxSecretKey: Uint8Array;
}

/** Derives a node identity from a 32-byte seed, as zos derives its identity from its seed file. */
export function nodeKeysFromSeed(seedHex: string): NodeKeys {
  const seed = sodium.from_hex(seedHex);
  if (seed.length !== 32) throw new Error(`node seed must be 32 bytes of hex, got ${seed.length}`);
  const kp = sodium.crypto_sign_seed_keypair(seed);
  return {
    nodeId: bs58.encode(Buffer.from(kp.publicKey)),
    publicKeyHex: sodium.to_hex(kp.publicKey),
    signSecretKey: kp.privateKey,
    boxPublicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(kp.publicKey),
    boxSecretKey: sodium.crypto_sign_ed25519_sk_to_curve25519(kp.privateKey),
  };
}

/** Deterministic seeds so the default grid has the same node ids on every start. */
export function seedFromLabel(label: string): string {
  return createHash("sha256").update(label).digest("hex");
}

export function isHex(s: string, bytes?: number): boolean {
  return /^([0-9a-fA-F]{2})*$/.test(s) && (bytes === undefined || s.length === bytes * 2);
}

/** ed25519 detached verify; false for malformed input instead of throwing. */
export function verifyDetached(message: Uint8Array, sigHex: string, pubkeyHex: string): boolean {
  if (!isHex(sigHex, 64) || !isHex(pubkeyHex, 32)) return false;
  try {
    return sodium.crypto_sign_verify_detached(
      sodium.from_hex(sigHex),
      message,
      sodium.from_hex(pubkeyHex),
    );
  } catch {
    return false;
  }
}

export function signDetachedHex(message: Uint8Array, secretKey: Uint8Array): string {
  return sodium.to_hex(sodium.crypto_sign_detached(message, secretKey));
}

/**
 * Opens a hex sealed box (docs/protocol.md#sealed-boxes) with the node's X25519 keys. Returns null
 * when it does not open, so the caller can name the secret that failed.
 */
export function openSealedHex(hex: string, keys: NodeKeys): string | null {
  if (!isHex(hex) || hex.length < 96) return null;
  try {
    const plain = sodium.crypto_box_seal_open(
      sodium.from_hex(hex),
      keys.boxPublicKey,
      keys.boxSecretKey,
    );
    return Buffer.from(plain).toString("utf8");
  } catch {
    return null;
  }
}

export const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));
