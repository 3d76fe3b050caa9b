/**
 * The phonebook (docs/protocol.md#users): registered users, their ids and keys. Creating a user
 * is not signed; updating one is, with the stored key. The store persists the users and looks the
 * signers of reservations up here.
 */
import { badRequest, conflict, internal, notFound } from "./errors";
import { isHex, utf8, verifyDetached } from "./crypto";
import { decodeBody } from "./validate";
import { USER_TYPE, VALIDATE_BODY_TYPE } from "./types";
import type { User } from "./types";

export class Phonebook {
  private counter = 0;
  private users = new Map<number, User>();

  /** `changed` is called after every change, for the journal. */
  constructor(private readonly changed: () => void) {}

  get size(): number {
    return this.users.size;
  }

  /** The id the last user got (the counter the next id is taken from). */
  get lastId(): number {
    return this.counter;
  }

  all(): User[] {
    return [...this.users.values()];
  }

  byId(tid: number): User | undefined {
    return this.users.get(tid);
  }

  /** Replays persisted users: upserts, so replaying twice is harmless. */
  restore(lastId: number, users: User[]): void {
    this.counter = lastId;
    for (const u of users) this.users.set(u.id, u);
  }

  clear(): void {
    this.counter = 0;
    this.users.clear();
  }

  create(body: string): User {
    const u = decodeBody<User & { sender_signature_hex: string }>(body, USER_TYPE);
    // User.Validate runs before the handler's own empty-name check (a 500), so "" is a 400
    // (docs/protocol.md#e1-short-user-names).
    if (u.name !== u.name.toLowerCase())
      throw badRequest(`name should be all lower case, got ${JSON.stringify(u.name)}`);
    if (u.name.length < 3)
      throw badRequest(`name should be at least 3 characters, got ${JSON.stringify(u.name)}`);
    if (u.email !== u.email.toLowerCase())
      throw badRequest(`email should be all lower case, got ${JSON.stringify(u.email)}`);
    if (!isHex(u.pubkey, 32))
      throw internal("invalid pubkey: expected 64 hex characters (32-byte ed25519 key)");
    for (const other of this.users.values()) {
      if (other.name === u.name)
        throw conflict(`user with name ${JSON.stringify(u.name)} already exists`);
      // The email index is unique and not sparse: a second "" is a duplicate too
      // (docs/protocol.md#e2-empty-emails-collide).
      if (other.email === u.email)
        throw conflict(`user with email ${JSON.stringify(u.email)} already exists`);
    }
    const user: User = {
      id: ++this.counter,
      name: u.name,
      email: u.email,
      // Stored exactly as sent (docs/protocol.md#e3-pubkey-kept-as-sent); hex decoding does not
      // care about case.
      pubkey: u.pubkey,
      host: "",
      description: "",
    };
    this.users.set(user.id, user);
    this.changed();
    return user;
  }

  list(name: string | null, email: string | null): User[] {
    return this.all().filter((u) => (!name || u.name === name) && (!email || u.email === email));
  }

  get(tidText: string): User {
    if (!/^\d+$/.test(tidText)) throw badRequest(`invalid user id ${JSON.stringify(tidText)}`);
    const u = this.users.get(Number(tidText));
    if (!u) throw notFound(`user ${tidText} not found`);
    return u;
  }

  /** `PUT /users/{tid}`: signed over tid+name+email+host+description+pubkey with the stored key. */
  update(tidText: string, body: string): void {
    if (!/^\d+$/.test(tidText)) throw badRequest(`invalid user id ${JSON.stringify(tidText)}`);
    const u = decodeBody<User & { sender_signature_hex: string }>(body, USER_TYPE);
    const cur = this.users.get(Number(tidText));
    if (!cur) throw internal(`user ${tidText} not found`);
    if (u.sender_signature_hex === "") throw badRequest("sender_signature_hex is required");
    if (!isHex(u.sender_signature_hex)) throw badRequest("sender_signature_hex is not valid hex");
    const msg = `${tidText}${u.name}${u.email}${u.host}${u.description}${u.pubkey}`;
    if (!verifyDetached(utf8(msg), u.sender_signature_hex, cur.pubkey)) {
      throw badRequest("payload verification failed: signature does not match the stored pubkey");
    }
    if (u.name !== "" && u.name !== cur.name) throw badRequest("can't change user name");
    if (u.pubkey !== "" && !isHex(u.pubkey, 32))
      throw badRequest("invalid pubkey: expected 64 hex characters");
    if (u.email !== "") cur.email = u.email;
    if (u.host !== "") cur.host = u.host;
    if (u.description !== "") cur.description = u.description;
    if (u.pubkey !== "") cur.pubkey = u.pubkey;
    this.changed();
  }

  validate(tidText: string, body: string): { is_valid: boolean } {
    const b = decodeBody<{ payload: string; signature: string }>(body, VALIDATE_BODY_TYPE);
    // The hex is decoded before the user is looked up: bad hex on an unknown tid is a 400
    // (docs/protocol.md#e4-validate-decodes-first).
    if (!isHex(b.payload)) throw badRequest("payload is not valid hex");
    if (!isHex(b.signature)) throw badRequest("signature is not valid hex");
    const u = this.get(tidText);
    return { is_valid: verifyDetached(Buffer.from(b.payload, "hex"), b.signature, u.pubkey) };
  }
}
