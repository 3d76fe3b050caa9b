// Each resource stores a few lines of CommonJS as its provider (provider/provider-reference.ts).
// This loads that text in a fresh node process exactly as Pulumi's dynamic-provider host does
// (require-from-string, then .handler(), working directory = the program's folder) and runs
// configure and check there against a local grid.
import * as fs from "fs";
import * as path from "path";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import { startLocalGrid, type LocalGrid } from "../../localgrid";
import { registerIdentity, type RegisteredIdentity } from "../../provider/cli/identity";
import { providerModule, type ProviderName } from "../../provider/provider-reference";

const execFileAsync = promisify(execFile);
// The first node of the local grid's default grid.
const NODE = "Fd2j18DQ13hA7WK78R752gtG7nNatzkmeh29x5Wzbo45";
const ALL_HOOKS = ["configure", "check", "diff", "create", "update", "read", "delete"];
const cases: {
  type: ProviderName;
  inputs: Record<string, unknown>;
  explorerUrl?: string;
  failures: { property: string; reason: string }[];
}[] = [
  {
    type: "ZdbNamespace",
    inputs: { nodeId: NODE, sizeGiB: 10, mode: "seq", password: "pw" },
    failures: [],
  },
  { type: "Volume", inputs: { nodeId: NODE, sizeGiB: 10 }, failures: [] },
  {
    type: "Container",
    inputs: {
      nodeId: NODE,
      flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
      network: { name: "net", ip: "172.20.15.16" },
    },
    failures: [],
  },
  {
    // Well-formed network inputs make check look nodes up; a bad range stops before any HTTP.
    type: "Network",
    inputs: { name: "net", ipRange: "8.8.0.0/16", nodes: [NODE] },
    failures: [
      {
        property: "ipRange",
        reason: '"8.8.0.0/16" is not private (RFC 1918); use a private /16 such as "172.20.0.0/16"',
      },
    ],
  },
  {
    // A placement lists nodes in check; plain http to a remote host is refused before any HTTP.
    type: "ShardPlacement",
    inputs: { request: { count: 6 } },
    explorerUrl: "http://explorer.example.org/explorer",
    // A setting is no input: sent without a property, so the engine prints the reason plainly.
    failures: [
      {
        property: "",
        reason:
          'tfgrid:explorerUrl (from TFGRID_EXPLORER_URL): "http://explorer.example.org/explorer" uses plain http to a non-loopback host, which exposes reservations to tampering; use https, or accept the risk with: pulumi config set tfgrid:allowInsecureExplorer true (or TFGRID_ALLOW_INSECURE_EXPLORER=true)',
      },
    ],
  },
  { type: "ArchiveLayout", inputs: { layout: "4+2" }, failures: [] },
  { type: "StablePassword", inputs: { length: 32 }, failures: [] },
];

// Stored twice per resource and rewritten with the whole state after every step: keep it small.
const MAX_BYTES = 500;
// How the host loads a resource's provider text (cmd/dynamic-provider in @pulumi/pulumi).
const REQUIRE_FROM_STRING = require.resolve("require-from-string", {
  paths: [path.dirname(require.resolve("@pulumi/pulumi"))],
});
const HOST_LOAD = (file: string) =>
  `require(${JSON.stringify(REQUIRE_FROM_STRING)})(require("fs").readFileSync(${JSON.stringify(file)}, "utf8")).handler()`;
const REPO = path.join(__dirname, "..", "..");
const dir = path.join(__dirname, "..", "..", ".serialize-tmp");
const sizes: Record<string, number> = {};

let grid: LocalGrid;
let identity: RegisteredIdentity;

beforeAll(async () => {
  fs.mkdirSync(dir, { recursive: true });
  grid = await startLocalGrid({ port: 0 });
  identity = await registerIdentity({ explorerUrl: grid.url, name: "serialize" });
});
afterAll(async () => {
  await grid.close();
  fs.rmSync(dir, { recursive: true, force: true });
  // Recorded for the report: bytes of each serialized provider.
  console.log(`serialized provider sizes: ${JSON.stringify(sizes)}`);
});

describe.each(cases)("$type provider", ({ type, inputs, explorerUrl, failures }) => {
  it("is small and runs check in a fresh process, loaded as the host loads it", async () => {
    const text = providerModule(type);
    sizes[type] = Buffer.byteLength(text);
    expect(sizes[type]).toBeLessThan(MAX_BYTES);
    const file = path.join(dir, `${type}.js`);
    fs.writeFileSync(file, text);
    const script = `
      const p = ${HOST_LOAD(file)};
      const methods = Object.keys(p).filter((m) => typeof p[m] === "function");
      p.configure({ config: { get: () => undefined, require: () => { throw new Error("x"); } } })
        .then(() => p.check({}, ${JSON.stringify(inputs)}))
        .then((r) => { process.stdout.write(JSON.stringify({ methods, failures: r.failures ?? [] })); })
        .catch((e) => { process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) })); });
    `;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TFGRID_MNEMONIC: identity.mnemonic,
      TFGRID_TID: String(identity.tid),
      TFGRID_EXPLORER_URL: explorerUrl ?? grid.url,
    };
    delete env.JEST_WORKER_ID;
    // The host runs in the program's folder: here the repository, which names itself
    // pulumi-tfgrid and so resolves `pulumi-tfgrid/providers` to its own dist/.
    // Not execFileSync: the grid answering the child runs in this process.
    const { stdout: out } = await execFileAsync(process.execPath, ["-e", script], {
      env,
      cwd: REPO,
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual({ methods: ALL_HOOKS, failures });
  });
});

it("a program folder without the package gets the fix, not a stack trace", async () => {
  const file = path.join(dir, "volume-elsewhere.js");
  fs.writeFileSync(file, providerModule("Volume"));
  const elsewhere = fs.mkdtempSync(path.join(require("os").tmpdir(), "tfgrid-no-package-"));
  try {
    const script = `
      try { ${HOST_LOAD(file)}; process.stdout.write("loaded"); }
      catch (e) { process.stdout.write(e.message); }
    `;
    const out = execFileSync(process.execPath, ["-e", script], {
      cwd: elsewhere,
      encoding: "utf8",
    });
    const where = fs.realpathSync(elsewhere);
    expect(out).toBe(
      `pulumi-tfgrid is not installed in ${where}: run \`npm install\` there, then run the command again`,
    );
  } finally {
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
});
