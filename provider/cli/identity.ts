import { randomBytes } from "crypto";
import { ExplorerClient } from "../client";
import { generateMnemonic, keyPairFromMnemonic } from "../identity";

/** What `tfgrid identity new` (and the demo) hands back: everything the stack config needs. */
export interface RegisteredIdentity {
  tid: number;
  name: string;
  email: string;
  /** Secret: the identity's private key as 24 words. */
  mnemonic: string;
  publicKeyHex: string;
  explorerUrl: string;
}

export interface RegisterIdentityOptions {
  explorerUrl: string;
  /** 3Bot name; lower case, ≥ 3 characters. A random suffix is added when `uniqueSuffix`. */
  name: string;
  email?: string;
  /** Default true: add a random suffix so repeated runs do not collide (409). */
  uniqueSuffix?: boolean;
}

/**
 * Generates a fresh mnemonic and registers its public key on the explorer's phonebook
 * (`POST /users`). Registration is unsigned in this era (protocol.md#users): first come, first
 * served.
 */
export async function registerIdentity(
  options: RegisterIdentityOptions,
): Promise<RegisteredIdentity> {
  const suffix = options.uniqueSuffix === false ? "" : `-${randomBytes(3).toString("hex")}`;
  const base = options.name.toLowerCase();
  const name = base.endsWith(".3bot")
    ? base.replace(/\.3bot$/, `${suffix}.3bot`)
    : `${base}${suffix}.3bot`;
  const email = (options.email ?? `${name.replace(/\.3bot$/, "")}@example.com`).toLowerCase();
  const mnemonic = generateMnemonic();
  const publicKeyHex = Buffer.from(keyPairFromMnemonic(mnemonic).publicKey).toString("hex");
  const client = new ExplorerClient({ baseUrl: options.explorerUrl });
  const user = await client.registerUser({ name, email, pubkey: publicKeyHex });
  return { tid: user.id, name, email, mnemonic, publicKeyHex, explorerUrl: options.explorerUrl };
}

/** The `pulumi config set` lines that make a stack use this identity (mnemonic as a secret). */
export function configCommands(identity: RegisteredIdentity): string[] {
  return [
    `pulumi config set tfgrid:explorerUrl ${identity.explorerUrl}`,
    `pulumi config set tfgrid:tid ${identity.tid}`,
    `pulumi config set --secret tfgrid:mnemonic "${identity.mnemonic}"`,
  ];
}
