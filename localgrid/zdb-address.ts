/**
 * The local grid's check of a MinIO container's `TLOG` / `MASTER` secret env
 * (docs/protocol.md#minio-environment, docs/protocol.md#tlog-and-master): one
 * `namespace:password@[ip]:port` naming a 0-db namespace that is deployed on this grid for the same
 * user, with that namespace's password and address.
 *
 * A real zos node does not read a container's env. The local grid checks it because a wrong
 * TLOG is otherwise silent until the day it is needed: MinIO would log metadata to nowhere, and a
 * redeployed MinIO or a standby would have nothing to rebuild the index from.
 */
import { HttpError } from "./errors";
import { ResultState, WorkloadType } from "./types";
import type { Store } from "./store";

/** The secret env keys that name one 0-db namespace each. */
export const NAMESPACE_ENV_KEYS = ["TLOG", "MASTER"] as const;

/**
 * `ns:password@[ipv6]:port` (IPv6 in brackets, as zos reports 0-db addresses) or
 * `ns:password@host:port`.
 */
const ADDRESS = /^([^:@,\s]+):([^@,\s]*)@(\[[0-9A-Fa-f:.]+\]|[^:@,\s[\]]+):(\d{1,5})$/;

export interface ZdbAddress {
  namespace: string;
  password: string;
  host: string;
  port: number;
}

/** Parses one address, or undefined when it is not one. */
export function parseZdbAddress(value: string): ZdbAddress | undefined {
  const m = ADDRESS.exec(value);
  if (!m) return undefined;
  return {
    namespace: m[1],
    password: m[2],
    host: m[3].replace(/^\[|\]$/g, ""),
    port: Number(m[4]),
  };
}

/** The address a deployed 0-db namespace reported in its result, if it has an ok one. */
function reportedAddress(store: Store, gwid: string): { ip: string; port: number } | undefined {
  let result;
  try {
    result = store.getWorkload(gwid).result?.[0];
  } catch (e) {
    if (e instanceof HttpError) return undefined;
    throw e;
  }
  if (!result || result.state !== ResultState.ok) return undefined;
  const data = (
    typeof result.data_json === "string" ? JSON.parse(result.data_json) : result.data_json
  ) as { IP?: string; Port?: number } | null;
  return data?.IP ? { ip: data.IP, port: data.Port ?? 0 } : undefined;
}

/** The password the namespace's node opened, if it kept one. */
function namespacePassword(store: Store, gwid: string): string | undefined {
  try {
    const p = store.getSecrets(gwid).password;
    return typeof p === "string" ? p : undefined;
  } catch (e) {
    if (e instanceof HttpError) return undefined;
    throw e;
  }
}

/**
 * What is wrong with `key` in container `container`'s env for `user`, as a sentence naming the
 * key, the problem and the fix; undefined when it is right or absent. It must be sealed (it holds
 * the namespace password), so a clear-text `environment` entry is refused.
 */
export function namespaceEnvProblem(
  store: Store,
  container: string,
  key: string,
  clearEnv: Record<string, string> | null | undefined,
  secretEnv: Record<string, string>,
  user: number,
): string | undefined {
  if (clearEnv?.[key] !== undefined) {
    return `container ${container}: ${key} is in environment, which the explorer stores in clear text, and it holds a 0-db password; put it in secret_environment, sealed to the node's key`;
  }
  const value = secretEnv[key];
  if (!value) return undefined;
  const where = `container ${container}: secret_environment ${key}`;
  const a = parseZdbAddress(value);
  if (!a) {
    return `${where} is not one namespace:password@[ip]:port (MinIO reads exactly one 0-db address there); use the TLOG namespace's endpoint`;
  }
  const found = store.findProvisioned(a.namespace);
  if (!found || found.w.type !== WorkloadType.zdb) {
    return `${where} names namespace "${a.namespace}", which is not a 0-db namespace deployed on this grid; deploy the TLOG namespace first and use its endpoint`;
  }
  if (found.w.user !== user) {
    return `${where} names namespace "${a.namespace}" of another user; use a namespace of your own`;
  }
  const reported = reportedAddress(store, a.namespace);
  if (!reported || reported.ip !== a.host || reported.port !== a.port) {
    const expected = reported ? `[${reported.ip}]:${reported.port}` : "(no address reported yet)";
    return `${where} gives ${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port} for namespace "${a.namespace}", but it listens on ${expected} (node ${found.nodeId}); use the endpoint the namespace reported`;
  }
  const password = namespacePassword(store, a.namespace);
  if (password !== undefined && password !== a.password) {
    return `${where} has the wrong password for namespace "${a.namespace}"; use the password the namespace was deployed with`;
  }
  return undefined;
}
