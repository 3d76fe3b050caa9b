// Each dynamic provider is serialized by value into state (GUIDE §4); those that reach the explorer
// client go in packed (provider/packed.ts). This does what pulumi.dynamic.Resource does
// (serializeFunction(() => provider, { allowSecrets: true })) with the provider each resource
// hands Pulumi, loads the text in a fresh node process like the dynamic-provider host (require +
// .handler()), and runs check there.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { generateMnemonic } from "../../provider/identity";
import { packedProvider, type PackedType } from "../../provider/packed";

const NODE = "3FPBJQSuUmyMH2JhRWkYvEKEn8RCTLEYz5QxVGAivvN7";
const LOOPBACK = "http://127.0.0.1:9/explorer";
const RESOURCE_HOOKS = ["configure", "check", "diff", "create", "read", "delete"];
const cases: {
  type: PackedType;
  inputs: Record<string, unknown>;
  explorerUrl?: string;
  hooks?: string[];
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
    hooks: ["configure", "check", "diff", "create", "read"],
    failures: [
      {
        property: "tfgrid:explorerUrl",
        reason:
          'tfgrid:explorerUrl (from TFGRID_EXPLORER_URL): "http://explorer.example.org/explorer" uses plain http to a non-loopback host, which exposes reservations to tampering; use https, or accept the risk with: pulumi config set tfgrid:allowInsecureExplorer true (or TFGRID_ALLOW_INSECURE_EXPLORER=true)',
      },
    ],
  },
];

// The target of issue #3: under 50 KB of provider code in state per resource.
const MAX_BYTES = 50_000;
const dir = path.join(__dirname, "..", "..", ".serialize-tmp");
const sizes: Record<string, number> = {};

beforeAll(() => fs.mkdirSync(dir, { recursive: true }));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  // Recorded for the report: bytes of each serialized provider.
  console.log(`serialized provider sizes: ${JSON.stringify(sizes)}`);
});

describe.each(cases)("$type provider", ({ type, inputs, explorerUrl, hooks, failures }) => {
  it("serializes within budget and runs check in a fresh process", async () => {
    const provider = packedProvider(type);
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    sizes[type] = Buffer.byteLength(sf.text);
    expect(sf.containsSecrets).toBe(false);
    expect(sf.text).not.toMatch(/mnemonic":\s*"[a-z]+ [a-z]+/);
    expect(sizes[type]).toBeLessThan(MAX_BYTES);
    // docs/limits.md: the code in state is readable with `base64 -d | gunzip`.
    const packed = sf.text.match(/gzipBase64: "([A-Za-z0-9+/=]+)"/);
    expect(packed).not.toBeNull();
    const source = zlib.gunzipSync(Buffer.from(packed![1], "base64")).toString("utf8");
    expect(source).toContain("module.exports");
    const file = path.join(dir, `${type}.js`);
    fs.writeFileSync(file, sf.text);
    const script = `
      const p = require(${JSON.stringify(file)}).${sf.exportName}();
      const methods = ["configure", "check", "diff", "create", "read", "delete"].filter((m) => typeof p[m] === "function");
      p.configure({ config: { get: () => undefined, require: () => { throw new Error("x"); } } })
        .then(() => p.check({}, ${JSON.stringify(inputs)}))
        .then((r) => { process.stdout.write(JSON.stringify({ methods, failures: r.failures })); })
        .catch((e) => { process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) })); });
    `;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TFGRID_MNEMONIC: generateMnemonic(),
      TFGRID_TID: "7",
      TFGRID_EXPLORER_URL: explorerUrl ?? LOOPBACK,
    };
    delete env.JEST_WORKER_ID;
    const out = execFileSync(process.execPath, ["-e", script], { env, cwd: dir, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ methods: hooks ?? RESOURCE_HOOKS, failures });
  });
});

// Classes serialized into a provider lose what `super(message)` sets; the node's refusal must still
// reach `pulumi up` word for word.
describe("errors thrown by serialized providers", () => {
  it("keep their message and name in a fresh process", async () => {
    const { DeployFailure } = await import("../../provider/reservation");
    const { SubnetError } = await import("../../provider/network/subnets");
    const sf = await pulumi.runtime.serializeFunction(() => () => [
      new DeployFailure("node N refused 0-db 2-1: disk failed", "N"),
      new SubnetError("172.20.0.0/16 has no free /24 left for node N"),
    ]);
    const file = path.join(dir, "errors.js");
    fs.writeFileSync(file, sf.text);
    const script = `
      const errors = require(${JSON.stringify(file)}).${sf.exportName}()();
      process.stdout.write(JSON.stringify(errors.map((e) => [e.name, e.message])));
    `;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([
      ["DeployFailure", "node N refused 0-db 2-1: disk failed"],
      ["SubnetError", "172.20.0.0/16 has no free /24 left for node N"],
    ]);
  });
});
