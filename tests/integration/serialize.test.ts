// Each dynamic provider is serialized by value into state (GUIDE §4). This does what
// pulumi.dynamic.Resource does (serializeFunction(() => provider, { allowSecrets: true })), loads
// the text in a fresh node process like the dynamic-provider host (require + .handler()), and
// runs check there.
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { generateMnemonic } from "../../provider/identity";
import { containerProvider } from "../../provider/resources/container";
import { networkProvider } from "../../provider/resources/network";
import { volumeProvider } from "../../provider/resources/volume";
import { zdbNamespaceProvider } from "../../provider/resources/zdb";

const NODE = "3FPBJQSuUmyMH2JhRWkYvEKEn8RCTLEYz5QxVGAivvN7";
const cases = [
  {
    name: "ZdbNamespace",
    provider: zdbNamespaceProvider,
    inputs: { nodeId: NODE, sizeGiB: 10, mode: "seq", password: "pw" },
    failures: [],
  },
  { name: "Volume", provider: volumeProvider, inputs: { nodeId: NODE, sizeGiB: 10 }, failures: [] },
  {
    name: "Container",
    provider: containerProvider,
    inputs: {
      nodeId: NODE,
      flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
      network: { name: "net", ip: "172.20.15.16" },
    },
    failures: [],
  },
  {
    // Well-formed network inputs make check look nodes up; a bad range stops before any HTTP.
    name: "Network",
    provider: networkProvider,
    inputs: { name: "net", ipRange: "8.8.0.0/16", nodes: [NODE] },
    failures: [
      {
        property: "ipRange",
        reason: '"8.8.0.0/16" is not private (RFC 1918); use a private /16 such as "172.20.0.0/16"',
      },
    ],
  },
] as const;

const MAX_BYTES = 115_000;
const dir = path.join(__dirname, "..", "..", ".serialize-tmp");
const sizes: Record<string, number> = {};

beforeAll(() => fs.mkdirSync(dir, { recursive: true }));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  // Recorded for the report: bytes of each serialized provider.
  console.log(`serialized provider sizes: ${JSON.stringify(sizes)}`);
});

describe.each(cases)("$name provider", ({ name, provider, inputs, failures }) => {
  it("serializes within budget and runs check in a fresh process", async () => {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    sizes[name] = Buffer.byteLength(sf.text);
    expect(sf.containsSecrets).toBe(false);
    expect(sf.text).not.toMatch(/mnemonic":\s*"[a-z]+ [a-z]+/);
    // Target was 50 KB; the explorer client (≈34 KB) and config (≈12 KB) alone exceed it, so
    // the budget guards against regressions rather than meeting the target (see report).
    expect(sizes[name]).toBeLessThan(MAX_BYTES);
    const file = path.join(dir, `${name}.js`);
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
      TFGRID_EXPLORER_URL: "http://127.0.0.1:9/explorer",
    };
    delete env.JEST_WORKER_ID;
    const out = execFileSync(process.execPath, ["-e", script], { env, cwd: dir, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      methods: ["configure", "check", "diff", "create", "read", "delete"],
      failures,
    });
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
