/**
 * Packed dynamic providers. A dynamic resource's provider goes into state by value (GUIDE §4), so
 * that the resource is later read and deleted by the code that created it. Serialized function by
 * function, a provider that reaches the explorer client, config, identity and crypto is about
 * 90–110 KB per resource, and `serializeFunction` spends seconds of every `pulumi up` analysing its
 * ~140 closures. Instead, `npm run build` (scripts/pack-providers.js) bundles each such provider
 * module with esbuild into one minified CommonJS file (30–40 KB; npm packages stay `require`s),
 * gzips it (12–21 KB as base64), and the resource passes Pulumi a small shim that carries it as a
 * string and evaluates it on first use in the dynamic-provider host. The state still holds the
 * code by value; it is only smaller — which matters beyond disk: the engine rewrites the whole
 * state after every step, and each resource holds its provider twice (inputs and outputs).
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

/** The packed providers, by resource type: the names scripts/pack-providers.js packs. */
export type PackedType = "ZdbNamespace" | "Volume" | "Container" | "Network" | "ShardPlacement";

/** What scripts/pack-providers.js writes per provider: the bundle and the hooks it defines. */
export interface PackedFile {
  exportName: string;
  /** The provider's hooks (configure, check, …): the shim defines exactly these. */
  methods: string[];
  /** The bundle, gzipped and base64-encoded. */
  gzipBase64: string;
}

/** Where the packed files live: `<package root>/dist/packed`, from source or from dist. */
function packedDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`pulumi-tfgrid: no package.json above ${__dirname}`);
    dir = up;
  }
  return path.join(dir, "dist", "packed");
}

const shims = new Map<PackedType, pulumi.dynamic.ResourceProvider>();

/**
 * The provider to hand to `pulumi.dynamic.Resource` for `type`. One object per type, so Pulumi's
 * per-provider serialization cache serializes each once per program.
 */
export function packedProvider(type: PackedType): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(type);
  if (!shim) {
    const file = path.join(packedDir(), `${type}.json`);
    let packed: PackedFile;
    try {
      packed = JSON.parse(fs.readFileSync(file, "utf8")) as PackedFile;
    } catch (e) {
      throw new Error(
        `pulumi-tfgrid: the packed ${type} provider (${file}) cannot be read (${(e as Error).message}); run \`npm run build\` in the pulumi-tfgrid package`,
      );
    }
    shim = shimFor(type, packed);
    shims.set(type, shim);
  }
  return shim;
}

// Loaded bundles, by packed source, on the process rather than in the shim: a shim called in the program
// (tests do) must still serialize as the bare source, never as the loaded provider.
const LOADED_SLOT = "__pulumiTfgridLoadedProviders";

/**
 * The object Pulumi serializes: only what is below is captured (the gzipped source, the export
 * name, the hook names), so it stays small and holds no credential. `require` is left free by
 * Pulumi's serializer and is the provider host's, so npm packages resolve from the project.
 */
function shimFor(type: string, packed: PackedFile): pulumi.dynamic.ResourceProvider {
  const { gzipBase64, exportName, methods } = packed;
  const filename = `pulumi-tfgrid-${type}-provider.js`;
  type Hooks = Record<string, (...args: unknown[]) => Promise<unknown>>;
  const load = (): Hooks => {
    const slots = process as unknown as Record<string, Map<string, Hooks> | undefined>;
    const loaded = (slots[LOADED_SLOT] ??= new Map());
    let provider = loaded.get(gzipBase64);
    if (!provider) {
      const vm: typeof import("vm") = require("vm");
      const zlib: typeof import("zlib") = require("zlib");
      const source = zlib.gunzipSync(Buffer.from(gzipBase64, "base64")).toString("utf8");
      const wrapper = `(function (module, exports, require) {\n${source}\n})`;
      const module = { exports: {} as Record<string, unknown> };
      vm.runInThisContext(wrapper, { filename })(module, module.exports, require);
      provider = module.exports[exportName] as Hooks;
      loaded.set(gzipBase64, provider);
    }
    return provider;
  };
  const shim: Hooks = {};
  for (const method of methods) shim[method] = (...args) => load()[method](...args);
  return shim as unknown as pulumi.dynamic.ResourceProvider;
}
