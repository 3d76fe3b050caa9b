/**
 * The bad-input catalogue (issue #6): every row is one wrong setting of a raw resource, the S3
 * archive stack or the provider configuration. Each must fail at `pulumi preview` with a message
 * that names the property, the bad value and the fix — and reserve nothing.
 *
 * One local grid process and one registered identity serve the whole file; one stack per program
 * is reused, its stack file restored between rows. To add a case, add a row.
 *
 * Node ids in `config` values are written as placeholders and filled in from the grid:
 * `$NODE` (a node without a public IPv4), `$NODE2`, `$PUBNODE` (one with a public IPv4),
 * `$GHOST` (a well-formed node id the grid does not know), `$CLOSED` (a loopback port this file
 * opened and closed again), `$OTHER` (the mnemonic of another registered identity), `$GRIDROOT`
 * (the grid's URL without its /explorer path).
 */
import * as fs from "fs";
import * as path from "path";
import bs58 from "bs58";
import { ExplorerClient } from "../../provider/client";
import { registerIdentity, RegisteredIdentity } from "../../provider/cli/identity";
import { GridProcess } from "../../scripts/lib/grid-process";
import { repoRoot } from "../../scripts/lib/repo";
import { StackWorkspace } from "../../scripts/lib/workspace";
import { closedLoopbackPort } from "../support/ports";
import { pulumiBinDir, tempDir, TEST_SECRET_KEY } from "./harness";

const MINUTES = 60_000;

interface Row {
  name: string;
  /** `stack`: the top-level S3 archive program; `resource`: tests/e2e/programs/resource. */
  program: "stack" | "resource";
  /** Config to set for this row (plain); JSON for objects. */
  config: Record<string, string>;
  secretConfig?: Record<string, string>;
  /** Keys to remove for this row. */
  remove?: string[];
  /** Substrings the output must hold: the property, the bad value, the fix. */
  expect: string[];
  /** Substrings the output must NOT hold (secrets). */
  absent?: string[];
  /** Substrings the output's diagnostics must hold exactly once. */
  once?: string[];
}

/** A `resource` row: `case:type` and `case:args`. */
const res = (type: string, args: Record<string, unknown>): Record<string, string> => ({
  "case:type": type,
  "case:args": JSON.stringify(args),
});

const zdb = (over: Record<string, unknown>) =>
  res("ZdbNamespace", { nodeId: "$NODE", sizeGiB: 1, mode: "seq", diskType: "SSD", ...over });
const volume = (over: Record<string, unknown>) =>
  res("Volume", { nodeId: "$NODE", sizeGiB: 1, diskType: "SSD", ...over });
const container = (over: Record<string, unknown>) =>
  res("Container", {
    nodeId: "$NODE",
    flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
    cpu: 1,
    memoryMiB: 1024,
    network: { name: "net", ip: "172.20.15.16" },
    ...over,
  });
const network = (over: Record<string, unknown>) =>
  res("Network", { name: "net", ipRange: "172.20.0.0/16", nodes: ["$NODE"], ...over });

/** A valid 24-word mnemonic with its last word changed: a bad checksum. */
const BAD_CHECKSUM =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon " +
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
const WORDS_23 = Array.from({ length: 23 }, () => "zoo").join(" ");

const ROWS: Row[] = [
  // ---- ZdbNamespace ----
  {
    name: "zdb sizeGiB 0",
    program: "resource",
    config: zdb({ sizeGiB: 0 }),
    expect: ["sizeGiB", "0 is not a valid sizeGiB", "use a whole number between 1 and 100000"],
  },
  {
    name: "zdb sizeGiB -1",
    program: "resource",
    config: zdb({ sizeGiB: -1 }),
    expect: ["sizeGiB", "-1 is not a valid sizeGiB", "use a whole number between 1 and 100000"],
  },
  {
    name: "zdb sizeGiB 2.5",
    program: "resource",
    config: zdb({ sizeGiB: 2.5 }),
    expect: ["sizeGiB", "2.5 is not a valid sizeGiB", "use a whole number"],
  },
  {
    name: 'zdb sizeGiB "ten" (wrong type)',
    program: "resource",
    config: zdb({ sizeGiB: "ten" }),
    expect: ["sizeGiB", '"ten" is not a valid sizeGiB', "use a whole number"],
  },
  {
    name: 'zdb mode "fast"',
    program: "resource",
    config: zdb({ mode: "fast" }),
    expect: ["mode", '"fast" is not a known 0-db mode', 'use one of "seq", "user"'],
  },
  {
    name: 'zdb diskType "NVME"',
    program: "resource",
    config: zdb({ diskType: "NVME" }),
    expect: ["diskType", '"NVME" is not a known diskType', 'use one of "SSD", "HDD"'],
  },
  {
    name: 'zdb nodeId "abc"',
    program: "resource",
    config: zdb({ nodeId: "abc" }),
    expect: ["nodeId", '"abc" is not a node id', "use the base58 node_id of a 32-byte key"],
  },
  {
    name: "zdb nodeId of 31 bytes",
    program: "resource",
    config: zdb({ nodeId: bs58.encode(Buffer.alloc(31, 7)) }),
    expect: ["nodeId", `"${bs58.encode(Buffer.alloc(31, 7))}" is not a node id`, "32-byte key"],
  },
  {
    name: "zdb nodeId unknown to the grid",
    program: "resource",
    config: zdb({ nodeId: "$GHOST" }),
    expect: ["nodeId", "$GHOST", "is not known to the explorer", "pick one from GET /nodes"],
  },
  {
    name: "zdb public not a boolean",
    program: "resource",
    config: zdb({ public: "yes" }),
    expect: ["public", '"yes" is not a boolean', "set public to true or false"],
  },
  {
    name: "zdb durationHours 0.5",
    program: "resource",
    config: zdb({ durationHours: 0.5 }),
    expect: ["durationHours", "0.5 is not a valid durationHours", "from 1 to 87600"],
  },
  // ---- Volume ----
  {
    name: "volume sizeGiB 0",
    program: "resource",
    config: volume({ sizeGiB: 0 }),
    expect: ["sizeGiB", "0 is not a valid sizeGiB", "use a whole number between 1 and 100000"],
  },
  {
    name: 'volume diskType "hdd" (case matters)',
    program: "resource",
    config: volume({ diskType: "hdd" }),
    expect: ["diskType", '"hdd" is not a disk type', 'use "SSD"'],
  },
  {
    name: 'volume diskType "HDD" (refused by the explorer)',
    program: "resource",
    config: volume({ diskType: "HDD" }),
    expect: ["diskType", '"HDD" volumes are refused by the explorer', 'use "SSD"'],
  },
  {
    name: "volume nodeId unknown to the grid",
    program: "resource",
    config: volume({ nodeId: "$GHOST" }),
    expect: ["nodeId", "$GHOST", "is not known to the explorer", "pick one from GET /nodes"],
  },
  // ---- Container ----
  {
    name: "container cpu 0",
    program: "resource",
    config: container({ cpu: 0 }),
    expect: ["cpu", "0 is not a valid cpu (vCPU)", "use a whole number between 1 and 32"],
  },
  {
    name: "container memoryMiB 100000000",
    program: "resource",
    config: container({ memoryMiB: 100000000 }),
    expect: ["memoryMiB", "100000000 is not a valid memoryMiB", "between 128 and 262144"],
  },
  {
    name: "container ip on the gateway .1",
    program: "resource",
    config: container({ network: { name: "net", ip: "172.20.15.1" } }),
    expect: ["network.ip", '"172.20.15.1" is the node gateway', "use a host address .2–.254"],
  },
  {
    name: "container ip on the network address .0",
    program: "resource",
    config: container({ network: { name: "net", ip: "172.20.15.0" } }),
    expect: ["network.ip", '"172.20.15.0" is the /24\'s network address', ".2–.254"],
  },
  {
    name: "container ip on the broadcast address .255",
    program: "resource",
    config: container({ network: { name: "net", ip: "172.20.15.255" } }),
    expect: ["network.ip", '"172.20.15.255" is the broadcast address', ".2–.254"],
  },
  {
    name: "container ip 10.0.0.300",
    program: "resource",
    config: container({ network: { name: "net", ip: "10.0.0.300" } }),
    expect: ["network.ip", '"10.0.0.300" is not an IPv4 address', 'use e.g. "172.20.15.16"'],
  },
  {
    name: 'container mountpoint "data" (relative)',
    program: "resource",
    config: container({ volumes: [{ volumeId: "12-1", mountpoint: "data" }] }),
    expect: ["volumes.0.mountpoint", '"data" is not an absolute mountpoint', 'use e.g. "/data"'],
  },
  {
    name: "container flist over plain http",
    program: "resource",
    config: container({ flist: "http://hub.grid.tf/azmy.3bot/minio.flist" }),
    expect: ["flist", '"http://hub.grid.tf/azmy.3bot/minio.flist"', "use https"],
  },
  {
    name: "container credential in plain env",
    program: "resource",
    config: container({ env: { SECRET_KEY: "x" } }),
    expect: ["env.SECRET_KEY", "would be stored in plain text", "move it to secretEnv"],
  },
  // ---- Network ----
  {
    name: "network ipRange 8.8.0.0/16 (not private)",
    program: "resource",
    config: network({ ipRange: "8.8.0.0/16" }),
    expect: ["ipRange", '"8.8.0.0/16" is not private', 'use a private /16 such as "172.20.0.0/16"'],
  },
  {
    name: "network ipRange 172.20.0.0/24 (not /16)",
    program: "resource",
    config: network({ ipRange: "172.20.0.0/24" }),
    expect: ["ipRange", '"172.20.0.0/24" is a /24, not a /16', "use a private /16"],
  },
  {
    name: "network ipRange 100.64.0.0/16 (CGNAT)",
    program: "resource",
    config: network({ ipRange: "100.64.0.0/16" }),
    expect: ["ipRange", '"100.64.0.0/16" overlaps 100.64.0.0/10', "use a private /16"],
  },
  {
    name: "network node listed twice",
    program: "resource",
    config: network({ nodes: ["$NODE", "$NODE"] }),
    expect: ["nodes.1", "node $NODE is listed twice", "list each node once"],
  },
  {
    name: "network nodeSubnets outside the range",
    program: "resource",
    config: network({ nodeSubnets: { $NODE: "10.1.2.0/24" } }),
    expect: ["nodeSubnets.$NODE", '"10.1.2.0/24" is not a /24 of 172.20.0.0/16', "172.20.15.0/24"],
  },
  {
    name: "network two nodes pinned to one /24",
    program: "resource",
    config: network({
      nodes: ["$NODE", "$NODE2"],
      nodeSubnets: { $NODE: "172.20.3.0/24", $NODE2: "172.20.3.0/24" },
    }),
    expect: ["nodeSubnets", "172.20.3.0/24", "$NODE2"],
  },
  {
    name: "network access node without a public IPv4",
    program: "resource",
    config: network({ addAccess: { nodeId: "$NODE" } }),
    expect: ["addAccess.nodeId", "node $NODE has no public IPv4", "set addAccess.ipv4 to false"],
  },
  {
    name: "network node unknown to the grid",
    program: "resource",
    config: network({ nodes: ["$GHOST"] }),
    expect: ["nodes.0", "node $GHOST is not known to the explorer", "pick one from GET /nodes"],
  },
  // ---- S3Archive through the top-level stack (s3:* config) ----
  {
    name: "s3:dataShards 0",
    program: "stack",
    config: { "s3:dataShards": "0" },
    expect: ["s3:dataShards", "0", "set dataShards to at least 1"],
  },
  {
    name: "s3:parityShards -1",
    program: "stack",
    config: { "s3:parityShards": "-1" },
    expect: ["s3:parityShards", "-1", "set parityShards to 0 or more"],
  },
  {
    name: "4+4 over 6 shards",
    program: "stack",
    config: { "s3:parityShards": "4" },
    // The fix names the stack's key, not the component's placement.count.
    expect: ["s3:shardCount = 6", "raise s3:shardCount to 8", "s3:dataShards/s3:parityShards"],
  },
  {
    name: "requireSiteFailureTolerance with the reference 4+2 over two farms",
    program: "stack",
    config: { "s3:requireSiteFailureTolerance": "true" },
    expect: ["s3:parityShards = 2", "requireSiteFailureTolerance", "use 3+3 with this layout"],
    // Printed once, as written: the SDK used to prefix it at each of the 24 inputs it rejected.
    absent: ["error serializing"],
    once: ['S3Archive "s3": 2 problems in its settings'],
  },
  {
    name: "parity 0 with requireSiteFailureTolerance",
    program: "stack",
    config: { "s3:parityShards": "0", "s3:requireSiteFailureTolerance": "true" },
    expect: [
      "s3:parityShards = 0",
      "requireSiteFailureTolerance",
      "set parityShards to at least 1",
    ],
  },
  {
    name: "s3:minioIp outside the network",
    program: "stack",
    config: { "s3:minioIp": "10.1.2.3" },
    expect: ["s3:minioIp", '"10.1.2.3"', "172.20.0.0/16"],
  },
  {
    name: "s3:minioIp on the gateway .1",
    program: "stack",
    config: { "s3:minioIp": "172.20.15.1" },
    expect: ["s3:minioIp", '"172.20.15.1"', "pick an address from .2 to .254"],
  },
  {
    name: "s3:shardNodes with a node the grid does not know",
    program: "stack",
    config: {
      "s3:shardNodes": JSON.stringify(["$NODE", "$NODE2", "$GHOST"]),
      "s3:dataShards": "2",
      "s3:parityShards": "1",
    },
    remove: ["s3:shardCount", "s3:shardFarms"],
    expect: ["s3:shardNodes[2]", "$GHOST", "use a node id listed by GET /nodes"],
  },
  {
    name: 's3:accessKey "ab"',
    program: "stack",
    config: { "s3:accessKey": "ab" },
    expect: ["s3:accessKey", '"ab"', "at least 3 characters"],
  },
  {
    name: 's3:secretKey "short"',
    program: "stack",
    config: {},
    secretConfig: { "s3:secretKey": "short" },
    // The value is a secret: the message says "(secret)" instead of echoing it.
    expect: ["s3:secretKey", "at least 8 characters", "set a longer secretKey"],
    absent: ['"short"'],
  },
  {
    name: "s3:shardCount 0",
    program: "stack",
    config: { "s3:shardCount": "0" },
    expect: ["s3:shardCount = 0", "set s3:shardCount to at least s3:dataShards + s3:parityShards"],
  },
  {
    name: "s3:shardFarms with a farm the grid does not know",
    program: "stack",
    config: { "s3:shardFarms": "[99999]" },
    // Named as the placement request's farms (the ShardPlacement check), not as s3:shardFarms.
    expect: [
      "placement.farms: 99999 has no node on the explorer",
      "farms with nodes: 71, 12775, 82872",
      "check the farm ids",
    ],
  },
  {
    name: "s3:networkIpRange not /16",
    program: "stack",
    config: { "s3:networkIpRange": "172.20.0.0/24" },
    expect: ["s3:networkIpRange", '"172.20.0.0/24"', 'use e.g. "172.20.0.0/16"'],
  },
  // ---- provider configuration (tfgrid:*), through the stack ----
  {
    name: "tfgrid:mnemonic missing",
    program: "stack",
    config: {},
    remove: ["tfgrid:mnemonic"],
    expect: ["tfgrid:mnemonic is not set", "pulumi config set --secret tfgrid:mnemonic"],
  },
  {
    name: "tfgrid:mnemonic of 23 words",
    program: "stack",
    config: {},
    secretConfig: { "tfgrid:mnemonic": WORDS_23 },
    expect: ["tfgrid:mnemonic", "has 23 words, expected 24"],
    absent: [WORDS_23],
  },
  {
    name: "tfgrid:mnemonic with a bad checksum",
    program: "stack",
    config: {},
    secretConfig: { "tfgrid:mnemonic": BAD_CHECKSUM },
    expect: ["tfgrid:mnemonic", "has a bad checksum"],
    absent: [BAD_CHECKSUM],
  },
  {
    name: 'tfgrid:tid "abc"',
    program: "stack",
    config: { "tfgrid:tid": "abc" },
    expect: ["tfgrid:tid", '"abc" is not a positive integer', "pulumi config set tfgrid:tid"],
  },
  {
    // Through a raw resource: the stack's shard placement reads tfgrid:explorerUrl without the
    // https rule (provider/archive/placement.ts explorerUrlFrom) and fails on the lookup instead.
    name: "tfgrid:explorerUrl plain http to a non-loopback host",
    program: "resource",
    config: { ...zdb({}), "tfgrid:explorerUrl": "http://example.com/explorer" },
    expect: [
      "tfgrid:explorerUrl",
      '"http://example.com/explorer" uses plain http to a non-loopback host',
      "use https",
      "tfgrid:allowInsecureExplorer",
    ],
  },
  {
    name: "tfgrid:explorerUrl without /explorer",
    program: "stack",
    config: { "tfgrid:explorerUrl": "$GRIDROOT" },
    expect: [
      '"$GRIDROOT" does not end in /explorer',
      "pulumi config set tfgrid:explorerUrl $GRIDROOT/explorer",
    ],
    // Caught from the URL itself: no request, so neither the router's 404 nor a second "check".
    absent: ["no such route", "check tfgrid:explorerUrl", "check that tfgrid:explorerUrl"],
  },
  {
    name: "tfgrid:explorerUrl unreachable",
    program: "stack",
    config: { "tfgrid:explorerUrl": "http://127.0.0.1:$CLOSED/explorer" },
    expect: [
      "tfgrid:explorerUrl",
      "ECONNREFUSED 127.0.0.1:$CLOSED",
      "start that explorer",
      "point tfgrid:explorerUrl (TFGRID_EXPLORER_URL) at a reachable one",
    ],
  },
  {
    name: "tfgrid:explorerUrl unreachable, a resource used directly",
    program: "resource",
    config: { ...zdb({}), "tfgrid:explorerUrl": "http://127.0.0.1:$CLOSED/explorer" },
    expect: [
      "tfgrid:explorerUrl",
      "the explorer at http://127.0.0.1:$CLOSED/explorer cannot be reached",
      "ECONNREFUSED",
      "pulumi config set tfgrid:explorerUrl",
    ],
  },
  {
    name: "tfgrid:mnemonic of another identity",
    program: "resource",
    config: zdb({}),
    secretConfig: { "tfgrid:mnemonic": "$OTHER" },
    expect: [
      "tfgrid:mnemonic is not the key of identity",
      "(tfgrid:tid)",
      "or set tfgrid:tid to this mnemonic's identity",
      "npx tfgrid identity new",
    ],
    absent: ["$OTHER"],
  },
  {
    name: "tfgrid:tid not registered",
    program: "stack",
    config: { "tfgrid:tid": "9999" },
    expect: ["tfgrid:tid 9999 is not registered on the explorer", "npx tfgrid identity new"],
  },
  {
    name: "tfgrid:durationHours 0.5",
    program: "stack",
    config: { "tfgrid:durationHours": "0.5" },
    expect: ["tfgrid:durationHours", '"0.5" is below the minimum of 1 hour', "durationHours 24"],
  },
  {
    name: "tfgrid:deployTimeoutSeconds 0",
    program: "stack",
    config: { "tfgrid:deployTimeoutSeconds": "0" },
    expect: [
      "tfgrid:deployTimeoutSeconds",
      '"0" is not a positive integer',
      "pulumi config set tfgrid:deployTimeoutSeconds 600",
    ],
  },
];

/** One reusable stack of a program: its stack file is restored before each row. */
interface Program {
  ws: StackWorkspace;
  stackFile: string;
  baseline: string;
}

let dir: string;
let grid: GridProcess;
let identity: RegisteredIdentity;
let client: ExplorerClient;
let placeholders: Record<string, string>;
const programs: Partial<Record<Row["program"], Program>> = {};

const fill = (text: string): string =>
  text.replace(
    /\$(GHOST|PUBNODE|NODE2|NODE|CLOSED|OTHER|GRIDROOT)/g,
    (_m, k: string) => placeholders[k],
  );

async function program(kind: Row["program"]): Promise<Program> {
  const existing = programs[kind];
  if (existing) return existing;
  const ws = await StackWorkspace.create({
    dir: path.join(dir, kind),
    stack: "bad",
    pulumiBinDir: pulumiBinDir(),
    passphrase: "e2e-passphrase",
    projectSource:
      kind === "resource"
        ? path.join(repoRoot(), "tests", "e2e", "programs", "resource")
        : undefined,
    env: { TFGRID_POLL_INTERVAL_MS: "100" },
  });
  await ws.setConfig("tfgrid:explorerUrl", grid.url);
  await ws.setConfig("tfgrid:tid", String(identity.tid));
  await ws.setConfig("tfgrid:mnemonic", identity.mnemonic, true);
  if (kind === "stack") await ws.setConfig("s3:secretKey", TEST_SECRET_KEY, true);
  const stackFile = path.join(ws.projectDir, "Pulumi.bad.yaml");
  const p = { ws, stackFile, baseline: fs.readFileSync(stackFile, "utf8") };
  programs[kind] = p;
  return p;
}

beforeAll(async () => {
  for (const k of Object.keys(process.env)) if (k.startsWith("TFGRID_")) delete process.env[k];
  dir = tempDir("bad-input");
  grid = await GridProcess.start({
    dataDir: path.join(dir, "grid"),
    args: ["--poll-interval-ms", "50", "--provision-delay-ms", "100"],
  });
  identity = await registerIdentity({ explorerUrl: grid.url, name: "e2e-bad-input" });
  client = new ExplorerClient({ baseUrl: grid.url });
  const nodes = await client.listNodes();
  const plain = nodes.filter((n) => !n.public_config?.ipv4);
  const pub = nodes.find((n) => !!n.public_config?.ipv4);
  placeholders = {
    NODE: plain[0].node_id,
    NODE2: plain[1].node_id,
    PUBNODE: pub!.node_id,
    GHOST: bs58.encode(Buffer.alloc(32, 9)),
    CLOSED: String(await closedLoopbackPort()),
    GRIDROOT: new URL(grid.url).origin,
    OTHER: (await registerIdentity({ explorerUrl: grid.url, name: "e2e-other" })).mnemonic,
  };
}, 5 * MINUTES);

afterAll(async () => {
  await grid?.stop();
  if (dir && !process.env.KEEP_E2E_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

/** What a row gets wrong: a resource type, or the namespace of its first key (`s3`, `tfgrid`). */
const surface = (r: Row): string =>
  r.program === "resource"
    ? r.config["case:type"]
    : [
        ...Object.keys(r.config),
        ...Object.keys(r.secretConfig ?? {}),
        ...(r.remove ?? []),
      ][0].split(":")[0];

/** A row about a provider setting, whichever program shows it. */
const isSettingRow = (r: Row): boolean =>
  surface(r) === "tfgrid" ||
  Object.keys(r.config).some((k) => k.startsWith("tfgrid:")) ||
  Object.keys(r.secretConfig ?? {}).some((k) => k.startsWith("tfgrid:"));

test("the catalogue holds at least 30 cases over every surface", () => {
  expect(ROWS.length).toBeGreaterThanOrEqual(30);
  expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
  const surfaces = new Set(ROWS.map(surface));
  expect([...surfaces].sort()).toEqual(
    ["Container", "Network", "Volume", "ZdbNamespace", "s3", "tfgrid"].sort(),
  );
});

describe.each(ROWS.map((r) => [r.name, r] as const))("%s", (_name, row) => {
  test(
    "fails at preview naming the property, the value and the fix; nothing reserved",
    async () => {
      const p = await program(row.program);
      fs.writeFileSync(p.stackFile, p.baseline);
      for (const key of row.remove ?? []) await p.ws.must(["config", "rm", key]);
      const args = ["config", "set-all"];
      for (const [k, v] of Object.entries(row.config)) args.push("--plaintext", `${k}=${fill(v)}`);
      for (const [k, v] of Object.entries(row.secretConfig ?? {}))
        args.push("--secret", `${k}=${fill(v)}`);
      if (args.length > 2) await p.ws.must(args);

      const result = await p.ws.run(["preview", "--diff"]);
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.code).not.toBe(0);
      for (const s of row.expect) expect(output).toContain(fill(s));
      for (const s of row.absent ?? []) expect(output).not.toContain(fill(s));
      for (const s of row.once ?? [])
        expect({ s, times: output.split(s).length - 1 }).toEqual({ s, times: 1 });
      // A provider setting is no input of the resource: its failure reads as the resource's
      // problem, never as "property tfgrid:… value {<nil>} has a problem".
      if (isSettingRow(row)) {
        expect(output).toMatch(/resource '[^']+' has a problem: .*tfgrid:/);
        expect(output).not.toContain("{<nil>}");
      }
      // The mnemonic is never echoed, whatever the row.
      expect(output).not.toContain(identity.mnemonic);

      expect(await client.listReservations({ customer_tid: identity.tid })).toEqual([]);
    },
    3 * MINUTES,
  );
});
