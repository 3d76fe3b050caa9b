import { startLocalGrid, type LocalGrid } from "../../localgrid";
import { registerIdentity } from "../../provider/cli/identity";
import { clearIdentityChecks } from "../../provider/identity-check";
import { clearConfig } from "../../provider/resources/common";

/** The first node of the local grid's default grid: a real ed25519 key, so sealing to it works. */
export const NODE = "Fd2j18DQ13hA7WK78R752gtG7nNatzkmeh29x5Wzbo45";

/**
 * For tests calling provider hooks directly: a local grid of this file's own (port 0, in
 * process), so that no hook reaches the default explorer URL or anything else running on the
 * machine; each test starts with no stored stack config and a fresh identity registered there,
 * in `TFGRID_MNEMONIC`/`TFGRID_TID`/`TFGRID_EXPLORER_URL`; the file's environment is restored
 * after.
 */
export function useFreshIdentityEnv(): { grid(): LocalGrid } {
  const saved = { ...process.env };
  let grid: LocalGrid | undefined;
  beforeAll(async () => {
    grid = await startLocalGrid({ port: 0 });
  });
  beforeEach(async () => {
    clearConfig();
    clearIdentityChecks();
    const identity = await registerIdentity({ explorerUrl: grid!.url, name: "unit" });
    Object.assign(process.env, {
      TFGRID_MNEMONIC: identity.mnemonic,
      TFGRID_TID: String(identity.tid),
      TFGRID_EXPLORER_URL: grid!.url,
    });
  });
  afterAll(async () => {
    process.env = saved;
    await grid?.close();
  });
  return { grid: () => grid! };
}
