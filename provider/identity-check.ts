/**
 * The preview-time check that the configured identity can sign for this stack: the explorer is
 * reachable at the configured URL, `tfgrid:tid` is registered there, and its registered key is the
 * mnemonic's. Without it, a mnemonic of another identity passes preview and fails at `up`
 * (`failed to verify customer signature`), and an unreachable explorer fails at `up` after the
 * client's retries, naming no setting. One request per provider process and identity: every
 * resource's check shares it (in a process slot, like the node cache).
 */
import { ExplorerClient } from "./client/explorer";
import { ExplorerNetworkError, isNotFound } from "./client/errors";
import { SETTINGS, type ProviderConfig } from "./config";
import { processSlot } from "./process-slot";
import type { Identity } from "./identity";
import type { Failure } from "./resources/validation";

const slot = processSlot(
  "__pulumiTfgridIdentityChecks",
  () => new Map<string, Promise<Failure[]>>(),
);
const checks = () => slot.get();

// How to point the provider at another explorer (the table's example names a real one).
const SET_EXPLORER = `${SETTINGS.explorerUrl.key} (or ${SETTINGS.explorerUrl.env})`;
const SET_EXPLORER_CMD = "pulumi config set tfgrid:explorerUrl https://<host>/explorer";

const NEW_IDENTITY = "npx tfgrid identity new --name NAME (it prints the settings to use)";

/** Failures naming the setting to fix; empty when the identity is registered with this key. */
export function identityFailures(config: ProviderConfig, identity: Identity): Promise<Failure[]> {
  const publicKey = Buffer.from(identity.publicKey).toString("hex");
  const key = `${config.explorerUrl} ${identity.tid} ${publicKey}`;
  let pending = checks().get(key);
  if (!pending) {
    pending = lookUp(config, identity.tid, publicKey);
    checks().set(key, pending);
    // A failed lookup is asked again by the next check: the explorer may be back.
    void pending.then((failures) => failures.length > 0 && checks().delete(key));
  }
  return pending;
}

async function lookUp(config: ProviderConfig, tid: number, publicKey: string): Promise<Failure[]> {
  const url = config.explorerUrl;
  const client = new ExplorerClient({ baseUrl: url, maxRetries: 1, timeoutMs: 10_000 });
  try {
    const user = await client.getUser(tid);
    if (user.pubkey.toLowerCase() === publicKey) return [];
    return [
      {
        property: "tfgrid:mnemonic",
        reason: `tfgrid:mnemonic is not the key of identity ${tid} (tfgrid:tid) on the explorer at ${url}: its public key ${publicKey.slice(0, 12)}… differs from the registered ${user.pubkey.slice(0, 12)}…; set the mnemonic of identity ${tid} (${SETTINGS.mnemonic.example}), or set tfgrid:tid to this mnemonic's identity, or register a new identity with ${NEW_IDENTITY}`,
      },
    ];
  } catch (e) {
    if (isNotFound(e)) {
      return [
        {
          property: "tfgrid:tid",
          reason: `tfgrid:tid ${tid} is not registered on the explorer at ${url}; use the tid of your identity there, or register one with ${NEW_IDENTITY}`,
        },
      ];
    }
    if (e instanceof ExplorerNetworkError) {
      return [
        {
          property: "tfgrid:explorerUrl",
          reason: `the explorer at ${url} cannot be reached (${e.message}); start it (npm run localgrid for the local grid on 127.0.0.1:8080), or point ${SET_EXPLORER} at a reachable explorer: ${SET_EXPLORER_CMD}`,
        },
      ];
    }
    return [
      {
        property: "tfgrid:explorerUrl",
        reason: `the explorer at ${url} did not answer GET /users/${tid} as an explorer does (${e instanceof Error ? e.message : String(e)}); check ${SET_EXPLORER}: ${SET_EXPLORER_CMD}`,
      },
    ];
  }
}

/** Forgets every check (tests). */
export function clearIdentityChecks(): void {
  slot.clear();
}
