import nacl from "tweetnacl";
import bs58 from "bs58";
import { blake2b } from "@noble/hashes/blake2b";
import { TfgridError } from "./errors";
import type { Identity } from "./identity";

// ed2curve ships no types; this is the one function we use.
const ed2curve: { convertPublicKey(pk: Uint8Array): Uint8Array | null } = require("ed2curve");

/** Raised for malformed keys (bad hex, wrong length, not a curve point). */
export class CryptoError extends TfgridError {
  constructor(message: string) {
    super("crypto.invalid_key", message);
  }
}

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Detached ed25519 signature of `message` (UTF-8 if a string), 128 lower-case hex chars. */
export function signHex(secretKey: Uint8Array, message: string | Uint8Array): string {
  if (secretKey.length !== nacl.sign.secretKeyLength) {
    throw new CryptoError(`ed25519 secret key must be 64 bytes, got ${secretKey.length}`);
  }
  const bytes = typeof message === "string" ? utf8(message) : message;
  return hex(nacl.sign.detached(bytes, secretKey));
}

/**
 * Customer signature for `POST /reservations`: over the exact UTF-8 bytes of `json`
 * (protocol.md#customer-signature).
 */
export function signCreate(identity: Identity, json: string): string {
  return signHex(identity.secretKey, json);
}

/**
 * The bytes signed to cancel: ASCII decimal id immediately followed by `json`
 * (protocol.md#provision-and-delete-signatures).
 */
export function deleteMessage(reservationId: number, json: string): Uint8Array {
  return utf8(String(reservationId) + json);
}

/**
 * Sign-delete signature: over UTF-8 of `String(reservationId) + json`
 * (protocol.md#provision-and-delete-signatures).
 */
export function signDelete(identity: Identity, reservationId: number, json: string): string {
  return signHex(identity.secretKey, deleteMessage(reservationId, json));
}

function publicKeyFromHex(publicKeyHex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(publicKeyHex)) {
    throw new CryptoError(
      `node public key must be 64 hex characters (32 bytes), got ${JSON.stringify(publicKeyHex.slice(0, 80))}`,
    );
  }
  return new Uint8Array(Buffer.from(publicKeyHex, "hex"));
}

/**
 * Anonymous sealed box (libsodium `crypto_box_seal`) of `plaintext` (UTF-8) to a node's ed25519
 * key converted to X25519 (protocol.md#sealed-boxes):
 * ephemeral_pk ‖ box(m, blake2b24(ephemeral_pk ‖ recipient_pk)).
 * Returns lower-case hex; 48 bytes longer than the plaintext.
 */
export function sealForNode(nodePublicKeyHex: string, plaintext: string): string {
  const recipient = ed2curve.convertPublicKey(publicKeyFromHex(nodePublicKeyHex));
  if (recipient === null) {
    throw new CryptoError(`node public key ${nodePublicKeyHex} is not a valid ed25519 point`);
  }
  const ephemeral = nacl.box.keyPair();
  const nonceInput = new Uint8Array(64);
  nonceInput.set(ephemeral.publicKey, 0);
  nonceInput.set(recipient, 32);
  const nonce = blake2b(nonceInput, { dkLen: nacl.box.nonceLength });
  const boxed = nacl.box(utf8(plaintext), nonce, recipient, ephemeral.secretKey);
  const out = new Uint8Array(32 + boxed.length);
  out.set(ephemeral.publicKey, 0);
  out.set(boxed, 32);
  return hex(out);
}

/** A node id is base58 of its 32-byte ed25519 public key; returns that key as lower-case hex. */
export function nodeIdToPublicKeyHex(nodeId: string): string {
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(nodeId);
  } catch {
    throw new CryptoError(`node id ${JSON.stringify(nodeId)} is not valid base58`);
  }
  if (bytes.length !== 32) {
    throw new CryptoError(
      `node id ${JSON.stringify(nodeId)} decodes to ${bytes.length} bytes, expected a 32-byte ed25519 key`,
    );
  }
  return hex(bytes);
}
