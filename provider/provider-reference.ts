/**
 * What a dynamic resource of this package hands Pulumi as its provider: a thin reference to the
 * installed package, not the provider's code. Pulumi serializes the provider object into every
 * resource's state (inputs and outputs) and parses it with whatever TypeScript the program has —
 * TypeScript 3.8.3 bundled in `@pulumi/pulumi` when a plain-JavaScript program has none. So the
 * object below captures only a few strings, and each hook, when the dynamic-provider host calls
 * it, loads `pulumi-tfgrid/providers` with Node's ordinary module resolution from the program's
 * folder (the host's working directory). The provider's own dependencies (axios, zod, tweetnacl)
 * then resolve from where the package is installed, in any layout (npm, nested, pnpm).
 *
 * As with a provider plugin, the installed version reads, updates and deletes existing resources;
 * the reference records the version that created the resource (kept in the state's outputs).
 * Everything inside `providerReference` must parse with TypeScript 3.8.3 (no `??=`, no `#private`,
 * no `static {}`): tests/unit/provider-reference.test.ts checks it.
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

/** The resource types whose provider lives in `pulumi-tfgrid/providers`. */
export type ProviderName =
  | "ZdbNamespace"
  | "Volume"
  | "Container"
  | "Network"
  | "ShardPlacement"
  | "ArchiveLayout"
  | "StablePassword";

/** The hooks of a dynamic provider; the reference forwards each of them. */
export const PROVIDER_HOOKS = [
  "configure",
  "check",
  "diff",
  "create",
  "update",
  "read",
  "delete",
] as const;

/**
 * The module of the installed package that implements every provider. Resources created before
 * 0.2 hold their provider's own code in their state's outputs instead; the dynamic-provider host
 * reads and deletes them with that code, which still works, until they are replaced.
 */
export const PROVIDERS_ENTRY = "pulumi-tfgrid/providers";

let version: string | undefined;

/**
 * The package's own version, from its package.json (found from source or from dist). Read once
 * per process: the provider host asks for it on every hook call.
 */
export function packageVersion(): string {
  if (version !== undefined) return version;
  let dir = __dirname;
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      version = (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
      return version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`pulumi-tfgrid: no package.json above ${__dirname}`);
    dir = up;
  }
}

const references = new Map<ProviderName, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object for resources of type `name`. One object per type, so that Pulumi's
 * serialization cache serializes each once per program.
 */
export function providerReference(name: ProviderName): pulumi.dynamic.ResourceProvider {
  let reference = references.get(name);
  if (!reference) {
    reference = referenceTo(name, packageVersion());
    references.set(name, reference);
  }
  return reference;
}

type Hook = (...args: unknown[]) => Promise<unknown>;

/** Exported for tests: the reference object, as serialized. */
export function referenceTo(name: ProviderName, version: string): pulumi.dynamic.ResourceProvider {
  // Only `target` and the functions below are captured into state: keep them short.
  const target = { entry: PROVIDERS_ENTRY, name, version };
  const load = (): Record<string, Hook> => {
    const dir = process.cwd();
    try {
      return require("module")
        .createRequire(dir + "/index.js")(target.entry)
        .implementation(target.name, target.version);
    } catch (e) {
      if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
      if (!String((e as Error).message).includes(target.entry)) throw e;
      throw new Error(
        `pulumi-tfgrid is not installed in ${dir}, where this Pulumi program runs: run \`npm install\` there (its package.json must list pulumi-tfgrid; this stack's ${target.name} resources were created by pulumi-tfgrid ${target.version}), then run the command again`,
      );
    }
  };
  const shim: Record<string, Hook> = {};
  for (const hook of PROVIDER_HOOKS) {
    shim[hook] = async (...args: unknown[]) => load()[hook](...args);
  }
  return shim as unknown as pulumi.dynamic.ResourceProvider;
}
