import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setAllConfig } from "@pulumi/pulumi/runtime/config";

// The committed stack file, as the engine would hand it to the program (values as strings).
const yaml: { load(text: string): unknown } = require("js-yaml");
const stackFile = yaml.load(
  fs.readFileSync(path.join(__dirname, "../../Pulumi.dev.yaml"), "utf8"),
) as { config: Record<string, unknown> };

const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
jest.spyOn(pulumi.log, "warn").mockImplementation(async () => undefined);

// The local grid's Salzburg and Vienna farms: what ShardPlacement.check would choose.
const placed = [0, 1, 2, 3, 4, 5].map((k) => ({
  nodeId: `${k % 2 === 0 ? "salzburg" : "vienna"}-${Math.floor(k / 2)}`,
  farmId: k % 2 === 0 ? 12775 : 82872,
  city: k % 2 === 0 ? "Salzburg" : "Vienna",
  country: "Austria",
}));

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const i = { ...(args.inputs as Record<string, unknown>) };
      delete i.__provider;
      registered.push({ type: args.type, name: args.name, inputs: i });
      const t = args.type.replace("pulumi-nodejs:dynamic/tfgrid:", "");
      if (t === "ShardPlacement") return { id: "p", state: { ...i, nodes: placed } };
      if (t === "StablePassword") return { id: "pw", state: { ...i, value: "f".repeat(32) } };
      if (t === "ZdbNamespace")
        return { id: "1", state: { ...i, endpoint: `${args.name}:pw@[::1]:9900` } };
      if (t === "Volume") return { id: "2", state: { ...i, volumeId: "2-1" } };
      if (t === "Container") return { id: "3", state: { ...i, ipv4: "172.20.15.16" } };
      return { id: `${args.name}-id`, state: i };
    },
    call: (args) => args.inputs,
  },
  "tfgrid-s3-archive",
  "dev",
  true,
);

const value = <T>(o: pulumi.Output<T>): Promise<T> =>
  (o as unknown as { promise(): Promise<T> }).promise();

/**
 * Runs the stack program with the committed config plus `extra`. `isolated` re-runs it in a fresh
 * module registry: fine for programs that fail before creating a resource, but closure
 * serialization of dynamic providers needs the normal registry, so a deploying run is not isolated.
 */
function loadStack(extra: Record<string, string> = {}, isolated = true) {
  const cfg: Record<string, string> = {};
  for (const [k, v] of Object.entries(stackFile.config)) {
    cfg[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  setAllConfig({ ...cfg, "s3:secretKey": "reference-secret-key", ...extra }, ["s3:secretKey"]);
  if (!isolated) return require("../../stack") as Record<string, pulumi.Output<unknown>>;
  let mod: Record<string, pulumi.Output<unknown>> = {};
  jest.isolateModules(() => {
    mod = require("../../stack");
  });
  return mod;
}

describe("the committed stack (Pulumi.dev.yaml) is the reference scenario", () => {
  it("deploys 6 shards over the Salzburg and Vienna farms, 4+2, MinIO 2 vCPU / 2 GiB, 10 GiB metadata, 24 h", async () => {
    const out = loadStack({}, false);
    expect(await value(out.endpoint)).toBe("http://172.20.15.16:9000");
    const placement = registered.find((r) => r.name === "s3-placement");
    expect(placement?.inputs).toEqual({
      request: { count: 6, farms: [12775, 82872], minFreeSsdGiB: 10 },
    });
    const zdbs = registered.filter((r) => r.name.startsWith("s3-zdb-"));
    expect(
      zdbs.map((z) => [z.inputs.nodeId, z.inputs.sizeGiB, z.inputs.mode, z.inputs.durationHours]),
    ).toEqual(placed.map((p) => [p.nodeId, 10, "seq", 24]));
    const minio = registered.find((r) => r.name === "s3-minio")?.inputs;
    expect({
      nodeId: minio?.nodeId,
      cpu: minio?.cpu,
      memoryMiB: minio?.memoryMiB,
      env: minio?.env,
      network: minio?.network,
      durationHours: minio?.durationHours,
    }).toEqual({
      nodeId: "salzburg-0",
      cpu: 2,
      memoryMiB: 2048,
      env: { DATA: "4", PARITY: "2", ACCESS_KEY: "tfgrid-demo", MINIO_ZEROSTOR_META_DIR: "/data" },
      network: { name: "s3-archive", ip: "172.20.15.16" },
      durationHours: 24,
    });
    expect(registered.find((r) => r.name === "s3-meta")?.inputs).toEqual({
      nodeId: "salzburg-0",
      sizeGiB: 10,
      diskType: "SSD",
      durationHours: 24,
      layout: "4+2 seq SSD 10GiB: salzburg-0,vienna-0,salzburg-1,vienna-1,salzburg-2,vienna-2",
    });
    expect(registered.find((r) => r.name === "s3-net")?.inputs).toEqual({
      name: "s3-archive",
      ipRange: "172.20.0.0/16",
      nodes: ["salzburg-0"],
      nodeSubnets: { "salzburg-0": "172.20.15.0/24" },
      durationHours: 24,
    });
    const report = (await value(out.redundancy)) as {
      siteLossSurvivable: boolean;
      usableGiB: number;
    };
    expect([report.siteLossSurvivable, report.usableGiB]).toEqual([false, 40]);
    expect(await value(out.redundancyReport)).toContain("Site (city) loss survivable: NO");
  });

  it("names the s3: config key and the fix when the config is bad", () => {
    expect(() => loadStack({ "s3:dataShards": "5", "s3:minioIp": "10.0.0.5" })).toThrow(
      [
        'S3Archive "s3": 2 problems in its settings:',
        "  - s3:shardCount = 6: dataShards + parityShards = 7 is more than the 6 shards listed; MinIO refuses to start. Fix: raise s3:shardCount to 7, or lower s3:dataShards/s3:parityShards so they add up to at most 6",
        '  - s3:minioIp = "10.0.0.5": the address is outside the network range 172.20.0.0/16. Fix: pick an address from .2 to .254 of one /24 inside 172.20.0.0/16 (e.g. 172.20.15.16); that /24 becomes the MinIO node\'s subnet',
      ].join("\n"),
    );
  });

  it("a fix that points at another setting names its s3: key too", () => {
    expect(() => loadStack({ "s3:shardCount": "0" })).toThrow(
      [
        'S3Archive "s3": 1 problem in its settings:',
        "  - s3:shardCount = 0: the number of shards must be a whole number from 1 to 256. Fix: set s3:shardCount to at least s3:dataShards + s3:parityShards (6)",
      ].join("\n"),
    );
  });

  it("refuses an s3: key it does not read, naming the one it likely meant", () => {
    expect(() => loadStack({ "s3:parityShard": "2", "s3:fooBar": "1" })).toThrow(
      "s3:parityShard is not a setting of this stack, so it would be ignored (did you mean s3:parityShards?); s3:fooBar is not a setting of this stack, so it would be ignored; fix or remove it in Pulumi.<stack>.yaml (pulumi config rm s3:<key>); the settings are listed in docs/configuration.md",
    );
  });

  it("says how to set the secret key when it is missing", () => {
    setAllConfig({ "s3:accessKey": "tfgrid-demo" }, []);
    expect(() =>
      jest.isolateModules(() => {
        require("../../stack");
      }),
    ).toThrow(
      "s3:secretKey is not set: MinIO needs a secret key of at least 8 characters. Set it with: pulumi config set --secret s3:secretKey <value>",
    );
  });
});
