/**
 * What the package hands Pulumi's serializer must parse with the TypeScript 3.8.3 that
 * @pulumi/pulumi falls back to in a plain-JavaScript program (no `??=`, `#private`, `static {}`):
 * every provider reference, serialized exactly as `pulumi.dynamic.Resource` does, and each
 * function in it, parsed with that parser.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  PROVIDER_HOOKS,
  providerReference,
  type ProviderName,
} from "../../provider/provider-reference";

const ts38 = require(
  path.join(__dirname, "../../node_modules/@pulumi/pulumi/vendor/typescript@3.8.3/typescript.js"),
) as typeof import("typescript");

const NAMES: ProviderName[] = [
  "ZdbNamespace",
  "Volume",
  "Container",
  "Network",
  "ShardPlacement",
  "ArchiveLayout",
  "StablePassword",
];

function parseErrors(text: string): string[] {
  const file = ts38.createSourceFile("provider.js", text, ts38.ScriptTarget.Latest, true);
  return (file as unknown as { parseDiagnostics: { messageText: string }[] }).parseDiagnostics.map(
    (d) => d.messageText,
  );
}

it("the vendored parser is 3.8.3 and refuses what it cannot read", () => {
  expect(ts38.version).toBe("3.8.3");
  expect(parseErrors("let a; a ??= 1;")).not.toEqual([]);
});

it.each(NAMES)("the %s reference parses with TypeScript 3.8.3", async (name) => {
  const reference = providerReference(name);
  const sf = await pulumi.runtime.serializeFunction(() => reference, { allowSecrets: true });
  expect(parseErrors(sf.text)).toEqual([]);
  const hooks = reference as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const hook of PROVIDER_HOOKS) {
    expect(parseErrors(`(${hooks[hook].toString()})`)).toEqual([]);
  }
});
