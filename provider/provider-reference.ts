/**
 * What a resource of this package stores as its provider: a few lines of CommonJS that, in
 * Pulumi's dynamic-provider host, load the installed package's `pulumi-tfgrid/providers` — not the
 * provider's code.
 *
 * Pulumi's Node dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) takes a resource's
 * `__provider` property, loads it as a module (`require-from-string`) and calls its exported
 * `handler()` for the provider object; it copies the same text into the resource's outputs. So the
 * text is stored twice per resource, and every step of `pulumi up` rewrites the whole state: it is
 * written here by hand (about 330 bytes) instead of by `pulumi.dynamic.Resource`, whose closure serializer
 * wraps every forwarding function of an object in its own scope (~3 KB, and TypeScript loaded in
 * the program to parse them).
 *
 * The host runs in the program's folder: Node's ordinary module resolution from there finds the
 * package and its own dependencies (axios, zod, tweetnacl) wherever the installer put them (npm,
 * nested, pnpm). As with a provider plugin, the installed version reads, updates and deletes
 * existing resources; the text records the version that wrote it, and `implementation` refuses a
 * downgrade.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The resource types whose provider lives in `pulumi-tfgrid/providers`. */
export type ProviderName =
  | "ZdbNamespace"
  | "Volume"
  | "Container"
  | "Network"
  | "ShardPlacement"
  | "ArchiveLayout"
  | "StablePassword";

/**
 * The module of the installed package that implements every provider. Resources created by 0.1
 * hold their provider's own code in their state's outputs instead, and those created by 0.2.0 a
 * serialized closure that calls `implementation` per hook: the host still runs both.
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

/**
 * The module text the host loads for resources of type `name`: `handler()` returns the installed
 * package's provider for that type. When the package is missing from the program's folder (a
 * `pulumi destroy` from a fresh checkout before `npm install`), the message says so and how to fix
 * it, rather than Node's stack trace. Plain ES5 with string concatenation: the host evaluates it
 * with whatever Node runs Pulumi, and it must keep working in every later version of the package.
 */
export function providerModule(name: ProviderName, createdBy: string = packageVersion()): string {
  const notInstalled = `'pulumi-tfgrid is not installed in '+d+': run \`npm install\` there, then run the command again'`;
  // One line, no indentation, single quotes (JSON escapes double ones): every byte is stored
  // twice per resource, and the engine rewrites the whole state after every step.
  return (
    `exports.handler=function(){var d=process.cwd(),m=${quoted(PROVIDERS_ENTRY)},p;` +
    `try{p=require('module').createRequire(d+'/index.js')(m)}` +
    `catch(e){if(e.code!=='MODULE_NOT_FOUND'||e.message.indexOf(m)<0)throw e;` +
    `throw new Error(${notInstalled})}` +
    `return p.implementation(${quoted(name)},${quoted(createdBy)})}`
  );
}

/** A JavaScript string literal in single quotes (a type name or a version: nothing to escape). */
function quoted(value: string): string {
  return `'${value.replace(/[\\']/g, "\\$&")}'`;
}

/** The property Pulumi's dynamic-provider host reads the provider from. */
const PROVIDER_KEY = "__provider";

/**
 * The base of every resource of this package: a custom resource of Pulumi's Node dynamic provider
 * (type `pulumi-nodejs:dynamic/tfgrid:<name>`, as `pulumi.dynamic.Resource` would register it)
 * whose provider is `providerModule(name)`. Runs in the user's program.
 */
export abstract class ReferencedResource extends pulumi.CustomResource {
  protected constructor(
    type: ProviderName,
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      `pulumi-nodejs:dynamic/tfgrid:${type}`,
      name,
      { ...props, [PROVIDER_KEY]: providerModule(type) },
      opts,
    );
  }
}
