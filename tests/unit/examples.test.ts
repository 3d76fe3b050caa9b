// The examples are what users copy: each must type-check against the package's public API
// (`pulumi-tfgrid` mapped to provider/index.ts), so an API change that breaks them fails here.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const root = path.join(__dirname, "..", "..");
const examples = fs
  .readdirSync(path.join(root, "examples"))
  .filter((d) => fs.existsSync(path.join(root, "examples", d, "index.ts")));

test("there are the three documented examples", () => {
  expect(examples.sort()).toEqual(["archive-three-sites", "network-access", "zdb-namespace"]);
});

test.each(examples)(
  "examples/%s type-checks against the public API",
  (example) => {
    const program = ts.createProgram([path.join(root, "examples", example, "index.ts")], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
      baseUrl: root,
      paths: { "pulumi-tfgrid": ["provider/index.ts"] },
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  },
  60_000,
);
