// docs/ is checked against the code: the troubleshooting guide names every error message the
// provider can raise, the configuration reference is schema.json and the stack program's s3:*
// keys, and the worked example's figures are the planner's.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import {
  formatRedundancyReport,
  planRedundancy,
  type MetadataLayout,
  type NodePlace,
  type ShardLocation,
} from "../../provider/archive/planner";

const ROOT = path.join(__dirname, "..", "..");

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

/** A message with its `${…}` parts as null (a wildcard). */
interface Message {
  file: string;
  line: number;
  parts: (string | null)[];
}

function parts(e: ts.Expression): (string | null)[] | undefined {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  if (ts.isTemplateExpression(e)) {
    const out: (string | null)[] = [e.head.text];
    for (const span of e.templateSpans) out.push(null, span.literal.text);
    return out;
  }
  if (ts.isParenthesizedExpression(e)) return parts(e.expression);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = parts(e.left) ?? [null];
    const r = parts(e.right) ?? [null];
    return [...l, ...r];
  }
  return undefined;
}

const CODE = /^[a-z0-9_]+\.[a-z0-9_]+$/;
const ERROR_CLASS = /Error$|^DeployFailure$/;
const ZOD_METHODS = new Set(["regex", "refine", "min", "max", "length"]);

function enclosingClass(n: ts.Node): string | undefined {
  for (let p = n.parent; p; p = p.parent) if (ts.isClassDeclaration(p)) return p.name?.text;
  return undefined;
}

/**
 * Every error message in provider/**, found by these rules: string or template arguments of
 * `new …Error(…)` / `new DeployFailure(…)` and of `super(…)` in error classes; `reason:` and
 * `message:` properties (check failures, argument rules, planner problems, zod issues);
 * `problems.push(…)` (configuration); the message argument of zod's `regex`/`refine`/`min`; and
 * what functions named `…Message` / `…Problem` return or build. Error codes are skipped.
 */
export function extractMessages(): Message[] {
  const out: Message[] = [];
  for (const file of filesUnder("provider")) {
    const sf = ts.createSourceFile(
      file,
      fs.readFileSync(path.join(ROOT, file), "utf8"),
      ts.ScriptTarget.ES2022,
      true,
    );
    const add = (e: ts.Expression | undefined): void => {
      if (!e) return;
      // an arrow function returning the message (rules as data)
      if (ts.isArrowFunction(e) && !ts.isBlock(e.body)) return add(e.body);
      if (ts.isConditionalExpression(e)) {
        add(e.whenTrue);
        add(e.whenFalse);
        return;
      }
      const p = parts(e);
      if (!p) return;
      if (p.length === 1 && typeof p[0] === "string" && CODE.test(p[0])) return;
      out.push({ file, line: sf.getLineAndCharacterOfPosition(e.getStart()).line + 1, parts: p });
    };
    let inMessageFn = false;
    const visit = (n: ts.Node): void => {
      // 1. new SomethingError(…messages) and super(code, message)
      if (ts.isNewExpression(n) && ERROR_CLASS.test(n.expression.getText()))
        n.arguments?.forEach(add);
      if (
        ts.isCallExpression(n) &&
        n.expression.kind === ts.SyntaxKind.SuperKeyword &&
        ERROR_CLASS.test(enclosingClass(n) ?? "")
      ) {
        n.arguments.forEach(add);
      }
      // 2. { reason: … } (check failures, rules, planner problems) and { message: … } (zod issues)
      if (ts.isPropertyAssignment(n) && /^(reason|message)$/.test(n.name.getText()))
        add(n.initializer);
      // 3. problems.push(…) (configuration problems)
      if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        n.expression.name.text === "push" &&
        n.expression.expression.getText() === "problems"
      ) {
        n.arguments.forEach(add);
      }
      // 4. zod refinements with a message argument
      if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        ZOD_METHODS.has(n.expression.name.text) &&
        n.arguments.length === 2
      ) {
        add(n.arguments[1]);
      }
      // 5. functions that build a message or a problem sentence
      if (ts.isFunctionDeclaration(n) && /(Message|Problem)$/.test(n.name?.text ?? "")) {
        const was = inMessageFn;
        inMessageFn = true;
        n.forEachChild(visit);
        inMessageFn = was;
        return;
      }
      // 6. rule((v) => message or undefined): the value rules of the resources' schemas
      if (ts.isCallExpression(n) && n.expression.getText() === "rule") {
        const f = n.arguments[0];
        if (f && ts.isArrowFunction(f) && !ts.isBlock(f.body)) add(f.body);
        else if (f && ts.isArrowFunction(f)) {
          const was = inMessageFn;
          inMessageFn = true;
          f.body.forEachChild(visit);
          inMessageFn = was;
          return;
        }
      }
      if (inMessageFn && (ts.isReturnStatement(n) || ts.isVariableDeclaration(n))) {
        add(ts.isReturnStatement(n) ? n.expression : n.initializer);
      }
      n.forEachChild(visit);
    };
    visit(sf);
  }
  return out;
}

const doc = (name: string) => fs.readFileSync(path.join(ROOT, "docs", name), "utf8");
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The message as a one-line pattern; `${…}` and line breaks match any text on the line. */
function pattern(m: Message): RegExp | undefined {
  const pieces = m.parts.flatMap((p) =>
    p === null ? [null] : p.split("\n").flatMap((s, i) => (i ? [null, s] : [s])),
  );
  const literal = pieces.filter((p): p is string => p !== null);
  if (literal.join("").replace(/[^A-Za-z]/g, "").length < 4) return undefined; // no text of its own
  return new RegExp(pieces.map((p) => (p === null ? "[^\\n]*?" : escapeRe(p))).join(""));
}

describe("docs/troubleshooting.md", () => {
  const messages = extractMessages();
  const guide = doc("troubleshooting.md");

  it("the extraction finds the messages of every part of the provider", () => {
    const files = new Set(messages.map((m) => m.file));
    for (const f of [
      "provider/config.ts",
      "provider/identity.ts",
      "provider/reservation/register.ts",
      "provider/reservation/wait.ts",
      "provider/reservation/cancel.ts",
      "provider/resources/make-provider.ts",
      "provider/resources/network-checks.ts",
      "provider/resources/network-provider.ts",
      "provider/resources/container-provider.ts",
      "provider/resources/volume-provider.ts",
      "provider/resources/validation.ts",
      "provider/archive/rules.ts",
      "provider/archive/planner.ts",
      "provider/archive/placement.ts",
      "provider/client/errors.ts",
      "provider/cli/tfgrid.ts",
    ]) {
      expect(files).toContain(f);
    }
    expect(messages.filter((m) => pattern(m)).length).toBeGreaterThan(120);
  });

  it("names every error message the code can raise", () => {
    const missing = messages
      .map((m) => ({ m, re: pattern(m) }))
      .filter(({ re }) => re !== undefined && !re.test(guide))
      .map(({ m }) => `${m.file}:${m.line}: ${m.parts.map((p) => p ?? "{…}").join("")}`);
    expect(missing).toEqual([]);
  });

  it("the check itself fails for a message that is not in the guide", () => {
    const fake: Message = {
      file: "x.ts",
      line: 1,
      parts: ["node ", null, " is on fire; call the farmer"],
    };
    expect(pattern(fake)!.test(guide)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// docs/configuration.md: the reference part is schema.json rendered; run the tests with
// UPDATE_DOCS=1 to rewrite it after changing schema.json.

interface PropSpec {
  type?: string;
  $ref?: string;
  items?: PropSpec;
  additionalProperties?: PropSpec;
  oneOf?: PropSpec[];
  description: string;
  default?: unknown;
  secret?: boolean;
  plain?: boolean;
  defaultInfo?: { environment: string[] };
}
interface PackageSchema {
  config: { variables: Record<string, PropSpec>; defaults: string[] };
  types: Record<
    string,
    { description: string; properties: Record<string, PropSpec>; required?: string[] }
  >;
  resources: Record<
    string,
    {
      description: string;
      isComponent?: boolean;
      inputProperties: Record<string, PropSpec>;
      requiredInputs: string[];
      properties: Record<string, PropSpec>;
      required: string[];
    }
  >;
}
const schema: PackageSchema = JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8"));
const T = "tfgrid:index:";
const short = (token: string) => token.replace(T, "");
const anchor = (token: string) => short(token).toLowerCase();

function typeText(p: PropSpec): string {
  if (p.$ref) {
    const t = short(p.$ref.replace("#/types/", ""));
    return `[${t}](#${t.toLowerCase()})`;
  }
  if (p.oneOf) return p.oneOf.map(typeText).join(" \\| ");
  if (p.type === "array") return `${typeText(p.items!)}[]`;
  if (p.type === "object")
    return `map of ${typeText(p.additionalProperties ?? { type: "string", description: "" })}`;
  return p.type!;
}

function table(props: Record<string, PropSpec>, required: string[], withEnv = false): string {
  const head = withEnv
    ? "| key | type | required | secret | environment | description |\n|---|---|---|---|---|---|"
    : "| property | type | required | secret | description |\n|---|---|---|---|---|";
  const rows = Object.entries(props).map(([name, p]) => {
    if (p.description.includes("|")) throw new Error(`${name}: "|" in a description`);
    const cells = [
      withEnv ? `\`tfgrid:${name}\`` : `\`${name}\``,
      typeText(p),
      required.includes(name) ? "yes" : "",
      p.secret ? "yes" : "",
      ...(withEnv ? [(p.defaultInfo?.environment ?? []).map((e) => `\`${e}\``).join(", ")] : []),
      p.description,
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return [head, ...rows].join("\n");
}

function renderReference(): string {
  const out: string[] = [];
  const vars = schema.config.variables;
  out.push(
    "### Provider configuration (`tfgrid:*`)",
    "",
    "Stack config first, then the environment variable, then the default.",
    "",
    table(
      vars,
      Object.keys(vars).filter((k) => !schema.config.defaults.includes(k)),
      true,
    ),
    "",
  );
  for (const [token, r] of Object.entries(schema.resources)) {
    out.push(
      `### ${short(token)}`,
      "",
      `\`${token}\`${r.isComponent ? " (component)" : ""}. ${r.description}`,
      "",
      "Inputs:",
      "",
      table(r.inputProperties, r.requiredInputs),
      "",
      "Outputs:",
      "",
      table(r.properties, r.required),
      "",
    );
  }
  for (const [token, t] of Object.entries(schema.types)) {
    out.push(
      `### ${short(token)}`,
      "",
      `\`${token}\`. ${t.description}`,
      "",
      table(t.properties, t.required ?? []),
      "",
    );
  }
  return out.join("\n");
}

const START = "<!-- reference:start (generated from schema.json by tests/unit/docs.test.ts) -->";
const END = "<!-- reference:end -->";

describe("docs/configuration.md", () => {
  const file = path.join(ROOT, "docs", "configuration.md");

  it("its reference is schema.json, rendered", () => {
    let text = fs.readFileSync(file, "utf8");
    const expected = `${START}\n\n${renderReference()}\n${END}`;
    const re = new RegExp(`${escapeRe(START)}[\\s\\S]*${escapeRe(END)}`);
    if (process.env.UPDATE_DOCS === "1") {
      text = text.replace(re, expected);
      fs.writeFileSync(file, text);
    }
    expect(re.exec(text)?.[0]).toBe(expected);
    // every type link points at a heading of the page
    for (const token of Object.keys(schema.types)) expect(text).toContain(`### ${short(token)}\n`);
    expect(anchor(`${T}S3Archive`)).toBe("s3archive");
  });

  it("lists exactly the s3:* keys the stack program reads, each mapped to an S3Archive argument", () => {
    const program = fs.readFileSync(path.join(ROOT, "stack", "index.ts"), "utf8");
    const read = new Set(
      [...program.matchAll(/config\.(?:get|require)\w*(?:<[^>]*>)?\("(\w+)"\)/g)].map((m) => m[1]),
    );
    const text = fs.readFileSync(file, "utf8");
    const rows = [...text.matchAll(/^\| `s3:(\w+)` \| (`[^`]*`|—) \|/gm)].map((m) => ({
      key: m[1],
      arg: m[2].replace(/`/g, ""),
    }));
    expect(rows.map((r) => r.key).sort()).toEqual([...read].sort());
    // the program's list of known keys (it refuses any other s3:* key) is the keys it reads
    const known = /const KEYS = \[([^\]]*)\]/.exec(program)![1].match(/"(\w+)"/g)!;
    expect(known.map((k) => k.slice(1, -1)).sort()).toEqual([...read].sort());
    const inputs = schema.resources[`${T}S3Archive`].inputProperties;
    for (const { key, arg } of rows) {
      if (arg === "—") {
        expect(key).toBe("name"); // the archive's resource name, not an argument
        continue;
      }
      const [head, sub] = arg.split(".");
      expect({ key, head: head in inputs }).toEqual({ key, head: true });
      if (sub) {
        const ref = inputs[head].$ref!.replace("#/types/", "");
        expect({ key, sub: sub in schema.types[ref].properties }).toEqual({ key, sub: true });
      }
    }
    // the committed stack config uses only keys the program reads
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    const devKeys = [...dev.matchAll(/^\s+s3:(\w+):/gm)].map((m) => m[1]);
    expect(devKeys.length).toBeGreaterThan(5);
    expect(devKeys.filter((k) => !read.has(k))).toEqual([]);
  });
});

describe("docs/choosing-data-parity.md", () => {
  const text = doc("choosing-data-parity.md");
  const shards = (city: string, country: string, farmId: number, n: number): ShardLocation[] =>
    Array.from({ length: n }, (_, i) => ({
      nodeId: `${city}-${i}`,
      farmId,
      city,
      country,
      sizeGiB: 10,
    }));
  const reference = [
    ...shards("Salzburg", "Austria", 12775, 3),
    ...shards("Vienna", "Austria", 82872, 3),
  ];
  const threeCities = [
    ...shards("Salzburg", "Austria", 12775, 2),
    ...shards("Vienna", "Austria", 82872, 2),
    ...shards("Ghent", "Belgium", 71, 2),
  ];
  const at = (s: ShardLocation): NodePlace => ({
    nodeId: s.nodeId,
    farmId: s.farmId,
    city: s.city,
    country: s.country,
  });
  // MinIO on the first shard's node (the default); a TLOG and a standby on other cities.
  const noTlog = (s: ShardLocation[]): MetadataLayout => ({ minio: at(s[0]) });
  const tlogIn = (s: ShardLocation[], t: number, standby?: number): MetadataLayout => ({
    minio: at(s[0]),
    tlog: at(s[t]),
    ...(standby === undefined ? {} : { standby: at(s[standby]) }),
  });
  const summary = (s: ShardLocation[], d: number, p: number, metadata: MetadataLayout) =>
    formatRedundancyReport(planRedundancy({ shards: s, dataShards: d, parityShards: p, metadata }))
      .split("\n")
      .slice(0, 5)
      .join("\n");

  it.each([
    ["the reference 4+2 over two cities", reference, 4, 2, noTlog(reference), "NO"],
    ["3+3 on the same nodes, no TLOG", reference, 3, 3, noTlog(reference), "NO"],
    ["3+3 on the same nodes, TLOG in Vienna", reference, 3, 3, tlogIn(reference, 3), "yes"],
    [
      "4+2 over three cities, TLOG in Vienna, standby in Ghent",
      threeCities,
      4,
      2,
      tlogIn(threeCities, 2, 4),
      "yes",
    ],
  ] as const)("shows the planner's figures for %s", (_name, s, d, p, metadata, survivable) => {
    const block = summary([...s], d, p, metadata);
    expect(block.split("\n")[3]).toBe(`Site (city) loss survivable: ${survivable}`);
    expect(text).toContain("```text\n" + block + "\n```");
  });

  it("quotes the planner's site-loss and index warnings for the reference layout", () => {
    const report = planRedundancy({ shards: reference, dataShards: 4, parityShards: 2 });
    const warning = report.warnings.find((w) => w.startsWith("A site loss is not survivable"));
    expect(warning).toBeDefined();
    expect(text).toContain(warning!);
    const index = report.warnings.find((w) => w.includes("loses the archive's index"));
    expect(index).toBeDefined();
    expect(text).toContain(index!);
  });
});

describe("links between the docs", () => {
  it("every relative link points at an existing file", () => {
    const broken: string[] = [];
    for (const name of fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"))) {
      for (const m of doc(name).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(m[1])) continue;
        if (!fs.existsSync(path.join(ROOT, "docs", m[1]))) broken.push(`${name}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("citations resolve inside the repository", () => {
  /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
  const slug = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, "")
      .replace(/ /g, "-");
  const anchorsOf = (name: string) =>
    new Set([...doc(name).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
  const sources = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(rel);
      return /\.(ts|md)$/.test(e.name) ? [rel] : [];
    });
  const files = [
    ...["provider", "localgrid", "tests", "scripts", "stack", "examples", "docs"].flatMap(sources),
    "README.md",
    "schema.json",
    "jest.config.js",
    "eslint.config.mjs",
  ];
  const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

  it("every docs/protocol.md and docs/ARCHITECTURE.md anchor cited names a heading", () => {
    const anchors: Record<string, Set<string>> = {
      protocol: anchorsOf("protocol.md"),
      ARCHITECTURE: anchorsOf("ARCHITECTURE.md"),
    };
    const broken: string[] = [];
    let cited = 0;
    for (const rel of files) {
      for (const m of read(rel).matchAll(/\b(protocol|ARCHITECTURE)\.md#([\w-]+)/g)) {
        cited++;
        if (!anchors[m[1]].has(m[2])) broken.push(`${rel}: ${m[0]}`);
      }
    }
    expect(broken).toEqual([]);
    expect(cited).toBeGreaterThan(100);
  });

  it("nothing cites a document that is not in the repository", () => {
    const outside = new RegExp(
      [
        "GUIDE §",
        "shared/reference",
        "\\.\\./shared/",
        "reference §",
        "workloads\\.md §",
        "§\\d",
      ].join("|"),
    );
    const hits = files
      .filter((rel) => rel !== path.join("tests", "unit", "docs.test.ts"))
      .flatMap((rel) =>
        read(rel)
          .split("\n")
          .flatMap((line, i) => (outside.test(line) ? [`${rel}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(hits).toEqual([]);
  });
});
