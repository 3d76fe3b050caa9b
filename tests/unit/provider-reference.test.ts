/**
 * What every resource hands Pulumi as its provider: the type token `pulumi.dynamic.Resource` would
 * register it under, and `providerModule(type)` as `__provider` — under 500 bytes of CommonJS
 * that compile on their own and name the type and the package version. (Running the text as the
 * dynamic-provider host does, against a local grid: tests/integration/serialize.test.ts.)
 */
import * as path from "path";
import * as vm from "vm";
import * as pulumi from "@pulumi/pulumi";
import { providerModule, type ProviderName } from "../../provider/provider-reference";
import {
  ArchiveLayout,
  Container,
  Network,
  ShardPlacement,
  StablePassword,
  Volume,
  ZdbNamespace,
} from "../../provider";

const registered = new Map<string, { type: string; provider: unknown }>();
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.set(args.name, { type: args.type, provider: args.inputs.__provider });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: () => ({}),
  },
  "project",
  "stack",
  true,
);

const VERSION = (require(path.join(__dirname, "../../package.json")) as { version: string })
  .version;
const NODE = "Fd2j18DQ13hA7WK78R752gtG7nNatzkmeh29x5Wzbo45";

const resources: [ProviderName, () => pulumi.CustomResource][] = [
  ["ZdbNamespace", () => new ZdbNamespace("ZdbNamespace", { nodeId: NODE, sizeGiB: 1 })],
  ["Volume", () => new Volume("Volume", { nodeId: NODE, sizeGiB: 1 })],
  [
    "Container",
    () =>
      new Container("Container", {
        nodeId: NODE,
        flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
        network: { name: "net", ip: "172.20.15.16" },
      }),
  ],
  [
    "Network",
    () => new Network("Network", { name: "net", ipRange: "172.20.0.0/16", nodes: [NODE] }),
  ],
  ["ShardPlacement", () => new ShardPlacement("ShardPlacement", { request: { count: 6 } })],
  ["StablePassword", () => new StablePassword("StablePassword")],
  [
    "ArchiveLayout",
    () =>
      new ArchiveLayout("ArchiveLayout", {
        settings: { dataShards: 4, parityShards: 2 },
        layout: "4+2",
      }),
  ],
];

it.each(resources)(
  "a %s registers as Pulumi's dynamic resource of that type, with the reference as its provider",
  async (type, make) => {
    const resource = make();
    await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
    expect(registered.get(type)).toEqual({
      type: `pulumi-nodejs:dynamic/tfgrid:${type}`,
      provider: providerModule(type),
    });
  },
);

it.each(resources.map(([type]) => type))(
  "the %s provider text compiles alone, exports handler and names the type and the version",
  (type) => {
    const text = providerModule(type);
    const exports: { handler?: unknown } = {};
    // Compiling runs nothing: handler() is what loads the package (tests/integration/serialize).
    new vm.Script(text).runInNewContext({ exports, require, process });
    expect(typeof exports.handler).toBe("function");
    expect(text).toContain(`.implementation('${type}','${VERSION}')`);
    expect(text).toContain("'pulumi-tfgrid/providers'");
    expect(Buffer.byteLength(text)).toBeLessThan(500);
    // Stored as a JSON string twice per resource: nothing in it needs escaping.
    expect(JSON.stringify(text)).toBe(`"${text}"`);
  },
);

it("a version given records that version (the downgrade check reads it)", () => {
  expect(providerModule("Volume", "9.8.7")).toContain(".implementation('Volume','9.8.7')");
});
