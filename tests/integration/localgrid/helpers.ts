/**
 * Test-only helpers: hand-built, hand-signed explorer requests with libsodium. Deliberately
 * independent of provider/ — these tests check localgrid against the reference, not against
 * the provider's reading of it.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import sodium from "libsodium-wrappers";
import { startLocalGrid } from "../../../localgrid";
import type { LocalGrid, LocalGridOptions } from "../../../localgrid";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function http(method: string, url: string, body?: unknown): Promise<HttpAnswer> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export interface TestUser {
  tid: number;
  name: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  pubkeyHex: string;
}

let userSeq = 0;

/** Registers a fresh user with a new ed25519 key. */
export async function registerUser(url: string, name?: string): Promise<TestUser> {
  await sodium.ready;
  const kp = sodium.crypto_sign_keypair();
  const n = name ?? `tester${++userSeq}.${process.pid}`;
  const res = await http("POST", `${url}/users`, {
    name: n,
    email: `${n}@example.org`,
    pubkey: sodium.to_hex(kp.publicKey),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return {
    tid: res.body.id,
    name: n,
    publicKey: kp.publicKey,
    secretKey: kp.privateKey,
    pubkeyHex: sodium.to_hex(kp.publicKey),
  };
}

export const signHex = (msg: string, user: TestUser): string =>
  sodium.to_hex(sodium.crypto_sign_detached(sodium.from_string(msg), user.secretKey));

/** Seals a secret to a node's ed25519 key (hex), the docs/protocol.md#sealed-boxes construction. */
export function sealFor(publicKeyHex: string, plaintext: string): string {
  const curve = sodium.crypto_sign_ed25519_pk_to_curve25519(sodium.from_hex(publicKeyHex));
  return sodium.to_hex(sodium.crypto_box_seal(sodium.from_string(plaintext), curve));
}

export const nowS = (): number => Math.floor(Date.now() / 1000);

export type Data = Record<string, unknown>;

/** A data_reservation with every list empty and the customer as the only delete signer. */
export function dataReservation(user: TestUser, parts: Data = {}, nowSeconds = nowS()): Data {
  return {
    description: "",
    currencies: ["TFT"],
    signing_request_provision: { signers: [], quorum_min: 0 },
    signing_request_delete: { signers: [user.tid], quorum_min: 1 },
    containers: [],
    volumes: [],
    zdbs: [],
    networks: [],
    kubernetes: [],
    proxies: [],
    reverse_proxies: [],
    subdomains: [],
    domain_delegates: [],
    gateway4to6: [],
    expiration_provisioning: nowSeconds + 900,
    expiration_reservation: nowSeconds + 24 * 3600,
    ...parts,
  };
}

/** The create body: serialize once, sign those bytes, send the same object. */
export function reservationBody(user: TestUser, data: Data, extra: Data = {}): Data {
  const json = JSON.stringify(data);
  return {
    json,
    data_reservation: data,
    customer_tid: user.tid,
    customer_signature: signHex(json, user),
    next_action: 0,
    signatures_provision: [],
    signatures_farmer: [],
    signatures_delete: [],
    epoch: 0,
    metadata: "",
    results: [],
    ...extra,
  };
}

export async function createReservation(url: string, user: TestUser, data: Data): Promise<number> {
  const res = await http("POST", `${url}/reservations`, reservationBody(user, data));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body.reservation_id;
}

export async function signDelete(url: string, user: TestUser, rid: number): Promise<HttpAnswer> {
  const r = await http("GET", `${url}/reservations/${rid}`);
  return http("POST", `${url}/reservations/${rid}/sign/delete`, {
    tid: user.tid,
    signature: signHex(`${rid}${r.body.json}`, user),
    epoch: nowS(),
  });
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 10000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the reservation's results satisfy `n` entries, and returns the reservation. */
export async function waitResults(
  url: string,
  rid: number,
  n: number,
): Promise<Data & { results: Data[]; next_action: number }> {
  return waitFor(`${n} results of reservation ${rid}`, async () => {
    const r = await http("GET", `${url}/reservations/${rid}`);
    return r.body.results.length >= n ? r.body : undefined;
  });
}

export async function waitState(
  url: string,
  rid: number,
  state: number,
): Promise<Data & { results: Data[]; next_action: number }> {
  return waitFor(`reservation ${rid} next_action ${state}`, async () => {
    const r = await http("GET", `${url}/reservations/${rid}`);
    return r.body.next_action === state ? r.body : undefined;
  });
}

export interface NodeInfo {
  node_id: string;
  public_key_hex: string;
  farm_id: number;
  reserved_resources: { cru: number; mru: number; hru: number; sru: number };
  wg_ports: number[];
}

export async function nodes(url: string): Promise<NodeInfo[]> {
  return (await http("GET", `${url}/nodes?size=1000`)).body;
}

/** A 44-character base64 WireGuard private key text. */
export function wgKey(): string {
  return Buffer.from(sodium.randombytes_buf(32)).toString("base64");
}

export function zdb(node: NodeInfo, wid: number, extra: Data = {}): Data {
  return {
    workload_id: wid,
    node_id: node.node_id,
    size: 10,
    mode: 0,
    password: sealFor(node.public_key_hex, "zdb-secret"),
    disk_type: 1,
    public: false,
    stats_aggregator: [],
    farmer_tid: 0,
    ...extra,
  };
}

export function volume(node: NodeInfo, wid: number, extra: Data = {}): Data {
  return {
    workload_id: wid,
    node_id: node.node_id,
    size: 10,
    type: 1,
    stats_aggregator: [],
    farmer_tid: 0,
    ...extra,
  };
}

export function network(
  name: string,
  wid: number,
  resources: { node: NodeInfo; subnet: string; port: number; key?: string }[],
): Data {
  return {
    name,
    workload_id: wid,
    iprange: "172.20.0.0/16",
    stats_aggregator: [],
    farmer_tid: 0,
    network_resources: resources.map((r) => ({
      node_id: r.node.node_id,
      wireguard_private_key_encrypted: r.key ?? sealFor(r.node.public_key_hex, wgKey()),
      wireguard_public_key: "x3v9AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
      wireguard_listen_port: r.port,
      iprange: r.subnet,
      peers: [],
    })),
  };
}

export function container(
  node: NodeInfo,
  wid: number,
  netName: string,
  ip: string,
  extra: Data = {},
): Data {
  return {
    workload_id: wid,
    node_id: node.node_id,
    flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
    hub_url: "",
    environment: { DATA: "4", PARITY: "2" },
    secret_environment: { SHARDS: sealFor(node.public_key_hex, "ns:pw@[::1]:9900") },
    entrypoint: "/bin/entrypoint",
    interactive: false,
    volumes: [],
    network_connection: [{ network_id: netName, ipaddress: ip, public_ip6: false }],
    stats_aggregator: [],
    logs: [],
    farmer_tid: 0,
    capacity: { cpu: 2, memory: 2048, disk_size: 256, disk_type: 1 },
    ...extra,
  };
}

/** A test file's grid (nodes poll every 20 ms, provision at once), its nodes and one user. */
export interface GridFixture {
  grid: LocalGrid;
  url: string;
  all: NodeInfo[];
  user: TestUser;
}

/** Starts a grid before the file's tests and closes it after; fields are set in beforeAll. */
export function useGrid(userName?: string, opts: LocalGridOptions = {}): GridFixture {
  const f = {} as GridFixture;
  beforeAll(async () => {
    f.grid = await startLocalGrid({ port: 0, pollIntervalMs: 20, provisionDelayMs: 0, ...opts });
    f.url = f.grid.url;
    f.all = await nodes(f.url);
    f.user = await registerUser(f.url, userName);
  });
  afterAll(() => f.grid?.close());
  return f;
}

const ROOT = join(__dirname, "../../..");
export const CLI = join(ROOT, "dist/localgrid/cli.js");

/** Builds dist/ when a test file runs on its own before any build. */
export function ensureCli(): void {
  if (!existsSync(CLI))
    spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: ROOT, stdio: "ignore" });
}

/** The `localgrid` CLI as a child process: what a crash (kill -9) is tried against. */
export interface GridChild {
  proc: ChildProcess;
  url: string;
  origin: string;
  /** Everything it wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no handler runs, nothing is flushed. */
  kill9(): Promise<void>;
}

/**
 * Starts the CLI on a free port with nodes polling every 20 ms and provisioning at once.
 * `fileSizeKiB` caps the size of any file it writes (`ulimit -f`): a write past it fails with
 * EFBIG, as on a full disk.
 */
export function startGridChild(
  dir: string,
  extra: string[] = [],
  limits: { fileSizeKiB?: number } = {},
): Promise<GridChild> {
  ensureCli();
  const args = ["--port", "0", "--data-dir", dir, "--poll-interval-ms", "20"];
  args.push("--provision-delay-ms", "0", ...extra);
  const proc = limits.fileSizeKiB
    ? spawn(
        "bash",
        ["-c", `ulimit -f ${limits.fileSizeKiB} && exec "$0" "$@"`, process.execPath, CLI, ...args],
        { stdio: ["ignore", "pipe", "pipe"] },
      )
    : spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (c) => resolve(c)));
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once("line", (line) => {
      const m = /^localgrid listening on (http:\/\/127\.0\.0\.1:\d+\/explorer)$/.exec(line);
      if (!m) return reject(new Error(`unexpected first line: ${line}`));
      resolve({
        proc,
        url: m[1],
        origin: new URL(m[1]).origin,
        stderr: () => err,
        stop: () => {
          proc.kill("SIGTERM");
          return exited;
        },
        kill9: async () => {
          proc.kill("SIGKILL");
          await exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`cli exited ${code}: ${err}`)));
  });
}
