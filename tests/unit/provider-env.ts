import bs58 from "bs58";
import nacl from "tweetnacl";
import { generateMnemonic } from "../../provider/identity";
import { clearConfig } from "../../provider/resources/common";

/** A node id from a real ed25519 key, so sealing to it works. */
export const NODE = bs58.encode(nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(7)).publicKey);

/**
 * For tests calling provider hooks directly: each test starts with no stored stack config and a
 * fresh identity in `TFGRID_MNEMONIC`/`TFGRID_TID`; the file's environment is restored after.
 */
export function useFreshIdentityEnv(): void {
  const saved = { ...process.env };
  beforeEach(() => {
    clearConfig();
    Object.assign(process.env, { TFGRID_MNEMONIC: generateMnemonic(), TFGRID_TID: "7" });
  });
  afterAll(() => {
    process.env = saved;
  });
}
