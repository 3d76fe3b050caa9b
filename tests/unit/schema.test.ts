// schema.json is kept by hand; this test is what keeps it true. It validates the file against
// Pulumi's package metaschema, checks every `$ref` resolves, and reads the TypeScript sources with
// the compiler API to compare, for every resource, component and object type: property names,
// required-ness (`?`), kind (string / number / boolean / array / map / object), `plain` (not an
// Input), secret flags (what the code marks secret) and defaults (what the code applies).
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import Ajv2020 from "ajv/dist/2020";
import { CONFIG_DEFAULTS, resolveConfig, SETTING_KEYS } from "../../provider/config";
import { generateMnemonic } from "../../provider/identity";
import { CONTAINER_DEFAULTS, CONTAINER_SHAPE } from "../../provider/resources/container";
import {
  NETWORK_ACCESS_DEFAULTS,
  NETWORK_DEFAULTS,
  NETWORK_SHAPE,
} from "../../provider/resources/network";
import { VOLUME_DEFAULTS, VOLUME_SHAPE } from "../../provider/resources/volume";
import { ZDB_DEFAULTS, ZDB_SHAPE } from "../../provider/resources/zdb";
import { DEFAULTS } from "../../provider/archive/args";
import { DOMAIN_LEVELS } from "../../provider/archive/planner";

const ROOT = path.join(__dirname, "..", "..");
const T = "tfgrid:index:";

interface PropSpec {
  type?: string;
  $ref?: string;
  items?: PropSpec;
  additionalProperties?: PropSpec;
  oneOf?: PropSpec[];
  description?: string;
  default?: unknown;
  secret?: boolean;
  plain?: boolean;
  defaultInfo?: { environment: string[] };
}
interface ObjSpec {
  description: string;
  properties: Record<string, PropSpec>;
  required?: string[];
}
interface ResSpec extends ObjSpec {
  isComponent?: boolean;
  inputProperties: Record<string, PropSpec>;
  requiredInputs: string[];
}
interface PackageSchema {
  name: string;
  description: string;
  config: { variables: Record<string, PropSpec>; defaults: string[] };
  types: Record<string, ObjSpec & { type: string }>;
  resources: Record<string, ResSpec>;
}

const schema: PackageSchema = JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8"));

// ---------------------------------------------------------------------------------------------
// Reading the TypeScript sources.

const sources = new Map<string, ts.SourceFile>();
function source(rel: string): ts.SourceFile {
  let sf = sources.get(rel);
  if (!sf) {
    const text = fs.readFileSync(path.join(ROOT, rel), "utf8");
    sf = ts.createSourceFile(rel, text, ts.ScriptTarget.ES2022, true);
    sources.set(rel, sf);
  }
  return sf;
}

/** What a TypeScript property type is, in schema terms. */
type Kind =
  | { k: "string" | "number" | "boolean" | "literal-object" }
  | { k: "named"; name: string }
  | { k: "array" | "map"; of: Kind }
  | { k: "union"; of: Kind[] };

interface TsProp {
  name: string;
  optional: boolean;
  /** The type is not wrapped in `Input<…>` / `Output<…>` (a plain value). */
  plain: boolean;
  /** `undefined` is part of the type (an output that may be absent). */
  mayBeUndefined: boolean;
  kind: Kind;
  typeNode: ts.TypeNode;
  jsdoc: string;
}

const isWrapper = (t: ts.TypeNode): t is ts.TypeReferenceNode =>
  ts.isTypeReferenceNode(t) && /^(pulumi\.)?(Input|Output)$/.test(t.typeName.getText());

function unwrap(t: ts.TypeNode): ts.TypeNode {
  while (ts.isParenthesizedTypeNode(t) || (isWrapper(t) && t.typeArguments?.length === 1)) {
    t = ts.isParenthesizedTypeNode(t) ? t.type : (t as ts.TypeReferenceNode).typeArguments![0];
  }
  return t;
}

const isUndefined = (t: ts.TypeNode) => t.kind === ts.SyntaxKind.UndefinedKeyword;

function kindOf(node: ts.TypeNode): Kind {
  const t = unwrap(node);
  if (t.kind === ts.SyntaxKind.StringKeyword) return { k: "string" };
  if (t.kind === ts.SyntaxKind.NumberKeyword) return { k: "number" };
  if (t.kind === ts.SyntaxKind.BooleanKeyword) return { k: "boolean" };
  if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return { k: "string" };
  if (ts.isTypeLiteralNode(t)) return { k: "literal-object" };
  if (ts.isArrayTypeNode(t)) return { k: "array", of: kindOf(t.elementType) };
  if (ts.isUnionTypeNode(t)) {
    const members = t.types.filter((m) => !isUndefined(m)).map(kindOf);
    if (members.every((m) => m.k === "string")) return { k: "string" };
    return members.length === 1 ? members[0] : { k: "union", of: members };
  }
  if (ts.isTypeReferenceNode(t)) {
    const name = t.typeName.getText();
    if (name === "Record" && t.typeArguments?.length === 2) {
      return t.typeArguments[0].kind === ts.SyntaxKind.StringKeyword
        ? { k: "map", of: kindOf(t.typeArguments[1]) }
        : { k: "literal-object" };
    }
    return { k: "named", name };
  }
  throw new Error(`unhandled type ${t.getText()}`);
}

function mayBeUndefined(node: ts.TypeNode): boolean {
  const t = unwrap(node);
  return ts.isUnionTypeNode(t) && t.types.some(isUndefined);
}

function jsdocOf(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .map((d) => d.getText())
    .join("\n");
}

function propsOfMembers(members: readonly ts.TypeElement[] | readonly ts.ClassElement[]): TsProp[] {
  const out: TsProp[] = [];
  for (const m of members) {
    if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) || !m.type) continue;
    out.push({
      name: m.name.getText(),
      optional: m.questionToken !== undefined,
      plain: !isWrapper(m.type),
      mayBeUndefined: mayBeUndefined(m.type),
      kind: kindOf(m.type),
      typeNode: m.type,
      jsdoc: jsdocOf(m),
    });
  }
  return out;
}

function findInterface(rel: string, name: string): ts.InterfaceDeclaration {
  const found = source(rel).statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
  );
  if (!found) throw new Error(`interface ${name} not found in ${rel}`);
  return found;
}

function findClass(rel: string, name: string): ts.ClassDeclaration {
  const found = source(rel).statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name,
  );
  if (!found) throw new Error(`class ${name} not found in ${rel}`);
  return found;
}

/** An interface's properties, or those of the object literal type at `drill` inside one. */
function interfaceProps(rel: string, name: string, drill: string[] = []): TsProp[] {
  let members: readonly ts.TypeElement[] = findInterface(rel, name).members;
  for (const prop of drill) {
    const m = members.find((x) => ts.isPropertySignature(x) && x.name.getText() === prop);
    if (!m || !ts.isPropertySignature(m) || !m.type) throw new Error(`${name}.${prop} not found`);
    let literal: ts.TypeLiteralNode | undefined;
    const visit = (n: ts.Node): void => {
      if (!literal && ts.isTypeLiteralNode(n)) literal = n;
      else if (!literal) n.forEachChild(visit);
    };
    visit(m.type);
    if (!literal) throw new Error(`${name}.${prop} has no object literal type`);
    members = literal.members;
  }
  return propsOfMembers(members);
}

/**
 * Public output properties of a resource class: its `declare readonly` / `readonly` fields, and
 * those of TfgridResource (the outputs every reservation-backed resource has) when it extends it.
 */
function classOutputs(rel: string, name: string): TsProp[] {
  const cls = findClass(rel, name);
  const base = cls.heritageClauses?.[0]?.types[0]?.expression.getText();
  const inherited =
    base === "TfgridResource"
      ? classOutputs("provider/resources/tfgrid-resource.ts", "TfgridResource")
      : [];
  return [...inherited, ...ownOutputs(cls)];
}

function ownOutputs(cls: ts.ClassDeclaration): TsProp[] {
  const members = cls.members.filter(
    (m) =>
      ts.isPropertyDeclaration(m) &&
      ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword) &&
      !ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword),
  );
  return propsOfMembers(members);
}

function constructorOf(rel: string, name: string): ts.ConstructorDeclaration {
  const c = findClass(rel, name).members.find(ts.isConstructorDeclaration);
  if (!c) throw new Error(`${name} has no constructor`);
  return c;
}

function walk(node: ts.Node, f: (n: ts.Node) => void): void {
  f(node);
  node.forEachChild((c) => walk(c, f));
}

const isPulumiSecretCall = (n: ts.Node): n is ts.CallExpression =>
  ts.isCallExpression(n) && n.expression.getText() === "pulumi.secret";

/**
 * Outputs the code marks secret: string literals of the array spread with
 * `opts.additionalSecretOutputs` (dynamic resources), and `this.x = …pulumi.secret(…)…` (the
 * component; also through a local variable initialised with `pulumi.secret`).
 */
function secretOutputs(rel: string, cls: string): string[] {
  const ctor = constructorOf(rel, cls);
  const out = new Set<string>();
  const secretLocals = new Set<string>();
  walk(ctor, (n) => {
    if (ts.isVariableDeclaration(n) && n.initializer) {
      let secret = false;
      walk(n.initializer, (x) => (secret ||= isPulumiSecretCall(x)));
      if (secret) secretLocals.add(n.name.getText());
    }
  });
  walk(ctor, (n) => {
    if (
      ts.isArrayLiteralExpression(n) &&
      n.elements.some(
        (e) => ts.isSpreadElement(e) && e.getText().includes("additionalSecretOutputs"),
      )
    ) {
      for (const e of n.elements) if (ts.isStringLiteral(e)) out.add(e.text);
    }
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(n.left) &&
      n.left.expression.kind === ts.SyntaxKind.ThisKeyword
    ) {
      let secret = false;
      walk(n.right, (x) => {
        secret ||= isPulumiSecretCall(x) || (ts.isIdentifier(x) && secretLocals.has(x.text));
      });
      if (secret) out.add(n.left.name.text);
    }
  });
  return [...out].sort();
}

/** Inputs the constructor wraps: `{ x: …pulumi.secret(args.x)… }`. */
function secretInputsWrapped(rel: string, cls: string): string[] {
  const out = new Set<string>();
  walk(constructorOf(rel, cls), (n) => {
    if (isPulumiSecretCall(n)) {
      const arg = n.arguments[0];
      if (arg && ts.isPropertyAccessExpression(arg) && arg.expression.getText() === "args") {
        out.add(arg.name.text);
      }
    }
  });
  return [...out].sort();
}

/** A component's inputs the args JSDoc declares secret (a sentence "Secret."). */
const secretByJsdoc = (props: TsProp[]): string[] =>
  props
    .filter((p) => /(^|[.*]\s*)Secret\./m.test(p.jsdoc))
    .map((p) => p.name)
    .sort();

// ---------------------------------------------------------------------------------------------
// Which TypeScript declaration each schema token describes.

interface ResourceSource {
  file: string;
  cls: string;
  args: string;
  /** Where the args interface is, when not in `file`. */
  argsFile?: string;
  component?: boolean;
}
const RESOURCES: Record<string, ResourceSource> = {
  Network: { file: "provider/resources/network.ts", cls: "Network", args: "NetworkArgs" },
  ZdbNamespace: {
    file: "provider/resources/zdb.ts",
    cls: "ZdbNamespace",
    args: "ZdbNamespaceArgs",
  },
  Volume: { file: "provider/resources/volume.ts", cls: "Volume", args: "VolumeArgs" },
  Container: { file: "provider/resources/container.ts", cls: "Container", args: "ContainerArgs" },
  S3Archive: {
    file: "provider/archive/component.ts",
    cls: "S3Archive",
    args: "S3ArchiveArgs",
    argsFile: "provider/archive/args.ts",
    component: true,
  },
  ShardPlacement: {
    file: "provider/archive/placement.ts",
    cls: "ShardPlacement",
    args: "ShardPlacementArgs",
  },
  StablePassword: {
    file: "provider/archive/password.ts",
    cls: "StablePassword",
    args: "StablePasswordArgs",
  },
  ArchiveLayout: {
    file: "provider/archive/layout.ts",
    cls: "ArchiveLayout",
    args: "ArchiveLayoutArgs",
  },
};

/** The resources built on TfgridResource: their shape says the type and the secrets. */
const SHAPES: Record<
  string,
  { type: string; inputs: readonly string[]; secrets: readonly string[] }
> = {
  Network: NETWORK_SHAPE,
  ZdbNamespace: ZDB_SHAPE,
  Volume: VOLUME_SHAPE,
  Container: CONTAINER_SHAPE,
};

interface TypeSource {
  file: string;
  iface: string;
  drill?: string[];
}
const TYPES: Record<string, TypeSource> = {
  NetworkAccess: { file: "provider/resources/network.ts", iface: "NetworkAccessArgs" },
  ContainerNetwork: {
    file: "provider/resources/container.ts",
    iface: "ContainerArgs",
    drill: ["network"],
  },
  VolumeMount: {
    file: "provider/resources/container.ts",
    iface: "ContainerArgs",
    drill: ["volumes"],
  },
  ShardNodeInfo: { file: "provider/archive/args.ts", iface: "ShardNodeInfo" },
  ArchiveLayoutSettings: { file: "provider/archive/layout.ts", iface: "LayoutSettings" },
  S3ArchivePlacement: { file: "provider/archive/args.ts", iface: "ShardPlacementArgs" },
  PlacementRequest: { file: "provider/archive/placement.ts", iface: "PlacementRequest" },
  PlacedNode: { file: "provider/archive/placement.ts", iface: "PlacedNode" },
  S3ArchiveNetwork: { file: "provider/archive/args.ts", iface: "S3ArchiveNetworkArgs" },
  S3ArchiveExistingNetwork: {
    file: "provider/archive/args.ts",
    iface: "S3ArchiveExistingNetworkArgs",
  },
  ShardLocation: { file: "provider/archive/domains.ts", iface: "ShardLocation" },
  S3ArchiveTlog: { file: "provider/archive/args.ts", iface: "S3ArchiveTlogArgs" },
  S3ArchiveStandby: { file: "provider/archive/args.ts", iface: "S3ArchiveStandbyArgs" },
  S3ArchiveMetadataPlacement: {
    file: "provider/archive/args.ts",
    iface: "MetadataPlacementArgs",
  },
  DomainReport: { file: "provider/archive/domains.ts", iface: "DomainReport" },
  DomainWorst: { file: "provider/archive/domains.ts", iface: "DomainReport", drill: ["worst"] },
  DomainLoss: { file: "provider/archive/domains.ts", iface: "DomainLoss" },
  NodePlace: { file: "provider/archive/domains.ts", iface: "NodePlace" },
  MetadataLayout: { file: "provider/archive/domains.ts", iface: "MetadataLayout" },
  RedundancyReport: { file: "provider/archive/planner.ts", iface: "RedundancyReport" },
};
/** Object types with no interface of their own: `Record<DomainLevel, DomainReport>`. */
const RECORD_TYPES: Record<string, { keys: readonly string[]; ref: string }> = {
  RedundancyDomains: { keys: DOMAIN_LEVELS, ref: "DomainReport" },
};

// ---------------------------------------------------------------------------------------------
// Comparing.

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The problems of one schema property against its TypeScript declaration ([] when in step). */
function kindProblems(where: string, spec: PropSpec, kind: Kind): string[] {
  const bad = (why: string) => [`${where}: ${why}`];
  switch (kind.k) {
    case "string":
    case "boolean":
      return spec.type === kind.k
        ? []
        : bad(`schema type ${spec.type ?? spec.$ref}, code ${kind.k}`);
    case "number":
      return spec.type === "number" || spec.type === "integer"
        ? []
        : bad(`schema type ${spec.type ?? spec.$ref}, code number`);
    case "array":
      return spec.type === "array" && spec.items
        ? kindProblems(`${where}[]`, spec.items, kind.of)
        : bad(`schema type ${spec.type ?? spec.$ref}, code array`);
    case "map":
      return spec.type === "object" && spec.additionalProperties
        ? kindProblems(`${where}{}`, spec.additionalProperties, kind.of)
        : bad(`schema type ${spec.type ?? spec.$ref}, code map`);
    case "literal-object":
      return spec.$ref?.startsWith(`#/types/${T}`) ? [] : bad(`schema has no $ref for an object`);
    case "named": {
      const token = spec.$ref?.replace(`#/types/${T}`, "");
      if (!token) return bad(`schema has no $ref for ${kind.name}`);
      const src = TYPES[token];
      return src && src.iface === kind.name && !src.drill
        ? []
        : bad(`schema refers to ${token}, code to ${kind.name}`);
    }
    case "union": {
      const options = spec.oneOf ?? [];
      if (options.length !== kind.of.length) return bad("union arity differs");
      return kind.of.flatMap((k, i) => kindProblems(`${where}|${i}`, options[i], k));
    }
  }
}

interface Compared {
  names: { schema: string[]; code: string[] };
  required: { schema: string[]; code: string[] };
  problems: string[];
}

function compareObject(
  where: string,
  specProps: Record<string, PropSpec>,
  specRequired: string[],
  code: TsProp[],
  requiredInCode: (p: TsProp) => boolean,
): Compared {
  const problems: string[] = [];
  for (const p of code) {
    const spec = specProps[p.name];
    if (spec) problems.push(...kindProblems(`${where}.${p.name}`, spec, p.kind));
  }
  return {
    names: { schema: sorted(Object.keys(specProps)), code: sorted(code.map((p) => p.name)) },
    required: {
      schema: sorted(specRequired),
      code: sorted(code.filter(requiredInCode).map((p) => p.name)),
    },
    problems,
  };
}

const secretsOf = (props: Record<string, PropSpec>): string[] =>
  sorted(Object.keys(props).filter((k) => props[k].secret === true));

// ---------------------------------------------------------------------------------------------

describe("schema.json against Pulumi's package metaschema", () => {
  const cached =
    "/root/go/pkg/mod/github.com/pulumi/pulumi/pkg/v3@v3.248.0/codegen/schema/pulumi.json";
  const vendored = path.join(__dirname, "fixtures", "pulumi-package-metaschema.json");
  const metaschemaPath = fs.existsSync(cached) ? cached : vendored;
  const metaschema = JSON.parse(fs.readFileSync(metaschemaPath, "utf8"));
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addFormat("regex", (s: string) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  });
  ajv.addFormat("uri-reference", (s: string) => !/\s/.test(s));
  const validate = ajv.compile(metaschema);

  it("uses the metaschema of the pinned Pulumi release (module cache or vendored copy)", () => {
    expect(metaschema.title).toBe("Pulumi Package Metaschema");
    expect(metaschema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    // The vendored copy (reformatted by prettier) is the pinned CLI's file, when both exist.
    if (metaschemaPath === cached) {
      expect(JSON.parse(fs.readFileSync(vendored, "utf8"))).toEqual(metaschema);
    }
  });

  it("validates", () => {
    const ok = validate(schema);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the validator rejects what Pulumi rejects (a bad primitive type, a bad token)", () => {
    const broken = JSON.parse(JSON.stringify(schema));
    broken.resources[`${T}Volume`].inputProperties.sizeGiB.type = "int";
    expect(validate(broken)).toBe(false);
    const badToken = JSON.parse(JSON.stringify(schema));
    badToken.resources["tfgrid:Volume"] = badToken.resources[`${T}Volume`];
    expect(validate(badToken)).toBe(false);
  });

  it("every $ref resolves to a type of this schema", () => {
    const refs: string[] = [];
    walkJson(schema, (k, v) => {
      if (k === "$ref" && typeof v === "string") refs.push(v);
    });
    expect(refs.length).toBeGreaterThanOrEqual(Object.keys(schema.types).length);
    const unresolved = refs.filter(
      (r) => !r.startsWith("#/types/") || !(r.slice("#/types/".length) in schema.types),
    );
    expect(unresolved).toEqual([]);
    // and every type is used
    const used = new Set(refs.map((r) => r.slice("#/types/".length)));
    expect(sorted(Object.keys(schema.types).filter((t) => !used.has(t)))).toEqual([]);
  });

  it("required lists name existing properties; defaults have the property's type", () => {
    const problems: string[] = [];
    const check = (where: string, props: Record<string, PropSpec>, required: string[] = []) => {
      for (const r of required) if (!(r in props)) problems.push(`${where}: required ${r} missing`);
      for (const [name, p] of Object.entries(props)) {
        if (p.default === undefined) continue;
        const t = typeof p.default;
        const ok =
          (p.type === "string" && t === "string") ||
          (p.type === "boolean" && t === "boolean") ||
          (p.type === "number" && t === "number") ||
          (p.type === "integer" && Number.isInteger(p.default));
        if (!ok) problems.push(`${where}.${name}: default ${String(p.default)} is not ${p.type}`);
      }
    };
    for (const [token, r] of Object.entries(schema.resources)) {
      check(`${token} inputs`, r.inputProperties, r.requiredInputs);
      check(`${token} outputs`, r.properties, r.required);
    }
    for (const [token, t] of Object.entries(schema.types)) check(token, t.properties, t.required);
    check("config", schema.config.variables, schema.config.defaults);
    expect(problems).toEqual([]);
  });

  it("every property has a description, and every default is stated in it", () => {
    const problems: string[] = [];
    const check = (where: string, props: Record<string, PropSpec>) => {
      for (const [name, p] of Object.entries(props)) {
        if (!p.description) problems.push(`${where}.${name}: no description`);
        else if (p.default !== undefined && !p.description.includes(`Default ${fmtDefault(p)}`)) {
          problems.push(`${where}.${name}: description does not say "Default ${fmtDefault(p)}"`);
        }
      }
    };
    for (const [token, r] of Object.entries(schema.resources)) {
      check(`${token} inputs`, r.inputProperties);
      check(`${token} outputs`, r.properties);
    }
    for (const [token, t] of Object.entries(schema.types)) check(token, t.properties);
    check("config", schema.config.variables);
    expect(problems).toEqual([]);
  });
});

function fmtDefault(p: PropSpec): string {
  return typeof p.default === "string" ? `\`${JSON.stringify(p.default)}\`` : String(p.default);
}

function walkJson(v: unknown, f: (key: string, value: unknown) => void): void {
  if (Array.isArray(v)) v.forEach((x) => walkJson(x, f));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      f(k, x);
      walkJson(x, f);
    }
  }
}

describe("schema.json against the TypeScript code (drift)", () => {
  it("has one token per exported resource class, and every token is one", () => {
    const index = source("provider/index.ts");
    const exported: string[] = [];
    for (const st of index.statements) {
      if (!ts.isExportDeclaration(st) || !st.exportClause || !ts.isNamedExports(st.exportClause)) {
        continue;
      }
      const from = (st.moduleSpecifier as ts.StringLiteral).text.replace(/^\.\//, "provider/");
      for (const el of st.exportClause.elements) {
        if (el.isTypeOnly) continue;
        const cls = source(`${from}.ts`).statements.find(
          (s): s is ts.ClassDeclaration =>
            ts.isClassDeclaration(s) && s.name?.text === (el.propertyName ?? el.name).text,
        );
        const base = cls?.heritageClauses?.[0]?.types[0]?.expression.getText();
        if (
          base === "ReferencedResource" ||
          base === "TfgridResource" ||
          base === "pulumi.ComponentResource"
        ) {
          exported.push(el.name.text);
        }
      }
    }
    expect(sorted(exported.map((n) => T + n))).toEqual(sorted(Object.keys(schema.resources)));
    expect(sorted(Object.keys(RESOURCES).map((n) => T + n))).toEqual(
      sorted(Object.keys(schema.resources)),
    );
  });

  it("registers each resource under the type its token names", () => {
    for (const [name, src] of Object.entries(RESOURCES)) {
      const shape = SHAPES[name];
      if (shape) {
        // TfgridResource registers ReferencedResource(shape.type, …): `pulumi-nodejs:dynamic/tfgrid:<type>`
        expect(shape.type).toBe(name);
        expect(schema.resources[T + name].description).toContain(
          `\`pulumi-nodejs:dynamic/tfgrid:${name}\``,
        );
        continue;
      }
      const superCall = findSuperCall(src.file, src.cls);
      const args = superCall.arguments.map((a) => a.getText());
      if (src.component) {
        expect(args[0]).toBe(JSON.stringify(T + name));
        expect(schema.resources[T + name].isComponent).toBe(true);
      } else {
        // ReferencedResource(type, name, props, opts) registers `pulumi-nodejs:dynamic/tfgrid:<type>`
        expect(args[0]).toBe(JSON.stringify(name));
        expect(schema.resources[T + name].isComponent).toBeUndefined();
        expect(schema.resources[T + name].description).toContain(
          `\`pulumi-nodejs:dynamic/tfgrid:${name}\``,
        );
      }
    }
  });

  describe.each(Object.entries(RESOURCES))("%s", (name, src) => {
    const spec = () => schema.resources[T + name];
    const args = () => interfaceProps(src.argsFile ?? src.file, src.args);

    it("inputs: names, required, kinds", () => {
      const c = compareObject(
        `${name} inputs`,
        spec().inputProperties,
        spec().requiredInputs,
        args(),
        (p) => !p.optional,
      );
      expect(c.names.schema).toEqual(c.names.code);
      expect(c.required.schema).toEqual(c.required.code);
      expect(c.problems).toEqual([]);
    });

    it("inputs: plain exactly where the code takes a plain value", () => {
      const plainInSchema = sorted(
        Object.keys(spec().inputProperties).filter((k) => spec().inputProperties[k].plain),
      );
      expect(plainInSchema).toEqual(
        sorted(
          args()
            .filter((p) => p.plain)
            .map((p) => p.name),
        ),
      );
    });

    it("outputs: names, always-set, kinds", () => {
      const c = compareObject(
        `${name} outputs`,
        spec().properties,
        spec().required ?? [],
        classOutputs(src.file, src.cls),
        (p) => !p.optional && !p.mayBeUndefined,
      );
      expect(c.names.schema).toEqual(c.names.code);
      expect(c.required.schema).toEqual(c.required.code);
      expect(c.problems).toEqual([]);
    });

    it("secret flags match what the code marks secret", () => {
      const shape = SHAPES[name];
      const codeOutputs = shape ? sorted([...shape.secrets]) : secretOutputs(src.file, src.cls);
      expect(secretsOf(spec().properties)).toEqual(codeOutputs);
      const codeInputs = src.component
        ? secretByJsdoc(args())
        : shape
          ? sorted(shape.inputs.filter((k) => shape.secrets.includes(k)))
          : secretInputsWrapped(src.file, src.cls);
      expect(secretsOf(spec().inputProperties)).toEqual(codeInputs);
    });
  });

  it("the secret flags are the expected ones (guards the extraction above)", () => {
    const secrets = Object.fromEntries(
      Object.entries(schema.resources).map(([t, r]) => [
        t.replace(T, ""),
        { in: secretsOf(r.inputProperties), out: secretsOf(r.properties) },
      ]),
    );
    expect(secrets).toEqual({
      Network: { in: [], out: ["wireguardConfig"] },
      ZdbNamespace: { in: ["password"], out: ["endpoint", "password"] },
      Volume: { in: [], out: [] },
      Container: { in: ["secretEnv"], out: ["secretEnv"] },
      S3Archive: { in: ["secretKey"], out: ["shards", "wireguardConfig"] },
      ShardPlacement: { in: [], out: [] },
      StablePassword: { in: [], out: ["value"] },
      ArchiveLayout: { in: [], out: [] },
    });
  });

  describe.each(Object.entries(TYPES))("type %s", (name, src) => {
    it("properties, required and kinds match the interface", () => {
      const spec = schema.types[T + name];
      expect(spec.type).toBe("object");
      const c = compareObject(
        name,
        spec.properties,
        spec.required ?? [],
        interfaceProps(src.file, src.iface, src.drill),
        (p) => !p.optional,
      );
      expect(c.names.schema).toEqual(c.names.code);
      expect(c.required.schema).toEqual(c.required.code);
      expect(c.problems).toEqual([]);
    });
  });

  it("every object type is described by an interface or a record", () => {
    expect(sorted(Object.keys(schema.types))).toEqual(
      sorted([...Object.keys(TYPES), ...Object.keys(RECORD_TYPES)].map((n) => T + n)),
    );
    for (const [name, rec] of Object.entries(RECORD_TYPES)) {
      const spec = schema.types[T + name];
      expect(sorted(Object.keys(spec.properties))).toEqual(sorted(rec.keys));
      expect(sorted(spec.required ?? [])).toEqual(sorted(rec.keys));
      for (const k of rec.keys) expect(spec.properties[k].$ref).toBe(`#/types/${T}${rec.ref}`);
    }
  });

  it("resource input defaults are the ones the code applies", () => {
    const expected: Record<string, Record<string, unknown>> = {
      ZdbNamespace: { ...ZDB_DEFAULTS },
      Volume: { ...VOLUME_DEFAULTS },
      Container: { ...CONTAINER_DEFAULTS },
      Network: { ...NETWORK_DEFAULTS },
      S3Archive: Object.fromEntries(
        Object.entries(DEFAULTS).filter(
          ([k]) => k in schema.resources[`${T}S3Archive`].inputProperties,
        ),
      ),
      StablePassword: { length: DEFAULTS.passwordLength },
    };
    for (const [name, defaults] of Object.entries(expected)) {
      const inputs = schema.resources[T + name].inputProperties;
      const primitive = Object.fromEntries(
        Object.entries(defaults).filter(([, v]) =>
          ["string", "number", "boolean"].includes(typeof v),
        ),
      );
      const inSchema = Object.fromEntries(
        Object.entries(inputs)
          .filter(([, p]) => p.default !== undefined)
          .map(([k, p]) => [k, p.default]),
      );
      expect({ name, defaults: inSchema }).toEqual({ name, defaults: primitive });
    }
    const access = schema.types[`${T}NetworkAccess`].properties;
    expect(access.ipv4.default).toBe(NETWORK_ACCESS_DEFAULTS.ipv4);
    expect(schema.types[`${T}S3ArchiveNetwork`].properties.ipRange.default).toBe(
      DEFAULTS.networkIpRange,
    );
  });

  it("the args docs state the defaults the code applies", () => {
    const stated = (v: unknown) =>
      typeof v === "number" || typeof v === "boolean" ? String(v) : `\`${JSON.stringify(v)}\``;
    const cases: [string, string, Record<string, unknown>][] = [
      ["provider/resources/zdb.ts", "ZdbNamespaceArgs", ZDB_DEFAULTS],
      ["provider/resources/volume.ts", "VolumeArgs", VOLUME_DEFAULTS],
      ["provider/resources/container.ts", "ContainerArgs", CONTAINER_DEFAULTS],
      ["provider/resources/network.ts", "NetworkArgs", NETWORK_DEFAULTS],
      ["provider/resources/network.ts", "NetworkAccessArgs", NETWORK_ACCESS_DEFAULTS],
    ];
    const problems: string[] = [];
    for (const [file, iface, defaults] of cases) {
      const docs = new Map(interfaceProps(file, iface).map((p) => [p.name, p.jsdoc]));
      for (const [k, v] of Object.entries(defaults)) {
        if (!docs.get(k)?.includes(`Default ${stated(v)}`)) {
          problems.push(`${iface}.${k}: its doc does not say "Default ${stated(v)}"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("config variables are the provider's settings: names, environment fallbacks, secrets, defaults", () => {
    const settings = providerSettings();
    const vars = schema.config.variables;
    expect(sorted(Object.keys(vars))).toEqual(sorted(Object.keys(settings)));
    for (const [name, s] of Object.entries(settings)) {
      expect({ name, env: vars[name].defaultInfo?.environment }).toEqual({ name, env: [s.env] });
      expect({ name, secret: vars[name].secret === true }).toEqual({ name, secret: s.secret });
    }
    // the keys the provider's configure() hands to its methods
    expect(sorted([...SETTING_KEYS])).toEqual(sorted(Object.keys(vars).map((k) => `tfgrid:${k}`)));

    const mnemonic = generateMnemonic();
    const resolved = resolveConfig(
      { get: (k) => ({ "tfgrid:mnemonic": mnemonic, "tfgrid:tid": "7" })[k] },
      {},
    );
    expect({
      explorerUrl: vars.explorerUrl.default,
      durationHours: vars.durationHours.default,
      deployTimeoutSeconds: vars.deployTimeoutSeconds.default,
      pollIntervalMs: vars.pollIntervalMs.default,
    }).toEqual({
      explorerUrl: resolved.explorerUrl,
      durationHours: resolved.durationHours,
      deployTimeoutSeconds: resolved.deployTimeoutSeconds,
      pollIntervalMs: resolved.pollIntervalMs,
    });
    expect(vars.explorerUrl.default).toBe(CONFIG_DEFAULTS.explorerUrl);
    // allowInsecureExplorer defaults to false: plain http to a remote host is refused without it
    expect(vars.allowInsecureExplorer.default).toBe(false);
    expect(() =>
      resolveConfig(
        {
          get: (k) =>
            ({
              "tfgrid:mnemonic": mnemonic,
              "tfgrid:tid": "7",
              "tfgrid:explorerUrl": "http://explorer.example.org/explorer",
            })[k],
        },
        {},
      ),
    ).toThrow(/uses plain http to a non-loopback host/);
    // required settings are those without a default
    expect(sorted(schema.config.defaults)).toEqual(
      sorted(Object.keys(vars).filter((k) => k !== "mnemonic" && k !== "tid")),
    );
  });
});

function findSuperCall(rel: string, cls: string): ts.CallExpression {
  let found: ts.CallExpression | undefined;
  walk(constructorOf(rel, cls), (n) => {
    if (!found && ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword) {
      found = n;
    }
  });
  if (!found) throw new Error(`${cls} has no super call`);
  return found;
}

/** The SETTINGS table of provider/config.ts: name → environment variable and secret flag. */
function providerSettings(): Record<string, { env: string; secret: boolean }> {
  const sf = source("provider/config.ts");
  let table: ts.ObjectLiteralExpression | undefined;
  walk(sf, (n) => {
    if (ts.isVariableDeclaration(n) && n.name.getText() === "SETTINGS" && n.initializer) {
      let e: ts.Expression = n.initializer;
      while (ts.isSatisfiesExpression(e) || ts.isAsExpression(e)) e = e.expression;
      if (ts.isObjectLiteralExpression(e)) table = e;
    }
  });
  if (!table) throw new Error("SETTINGS not found in provider/config.ts");
  const out: Record<string, { env: string; secret: boolean }> = {};
  for (const p of table.properties) {
    if (!ts.isPropertyAssignment(p) || !ts.isObjectLiteralExpression(p.initializer)) continue;
    const field = (k: string) =>
      p.initializer
        .getChildren()
        .flatMap((c) => c.getChildren())
        .find(
          (x): x is ts.PropertyAssignment => ts.isPropertyAssignment(x) && x.name.getText() === k,
        )
        ?.initializer.getText();
    const key = JSON.parse(field("key") ?? '""') as string;
    expect(key).toBe(`tfgrid:${p.name.getText()}`);
    out[p.name.getText()] = {
      env: JSON.parse(field("env") ?? '""'),
      secret: field("secret") === "true",
    };
  }
  return out;
}
