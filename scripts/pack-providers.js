// Packs the dynamic providers that reach the explorer client (see provider/packed.ts for why):
// each is bundled from its TypeScript module with esbuild into one minified CommonJS file, npm
// packages left as `require`s, gzipped, and written with the hooks it defines to
// dist/packed/<Type>.json.
// Run by `npm run build` and, so that ts-jest runs see the current source, by jest's globalSetup.
// Plain JavaScript: it runs before anything is compiled.
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const zlib = require("zlib");
const esbuild = require("esbuild");

const ROOT = path.join(__dirname, "..");

/**
 * Type name → [module under provider/, exported provider]. The names are those of PackedType in
 * provider/packed.ts.
 */
const PROVIDERS = {
  ZdbNamespace: ["resources/zdb", "zdbNamespaceProvider"],
  Volume: ["resources/volume", "volumeProvider"],
  Container: ["resources/container", "containerProvider"],
  Network: ["resources/network", "networkProvider"],
  ShardPlacement: ["placement", "shardPlacementProvider"],
};

const HOOKS = ["configure", "check", "diff", "create", "read", "update", "delete"];

async function bundle(module, exportName) {
  const result = await esbuild.build({
    stdin: {
      contents: `export { ${exportName} } from "./provider/${module}";`,
      resolveDir: ROOT,
      loader: "ts",
      sourcefile: `${exportName}.ts`,
    },
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    minify: true,
    packages: "external",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

/**
 * Loads each bundle in a fresh node process, as the provider host will, to list the hooks it
 * defines (and prove it loads). Not in this process: jest runs this as its globalSetup, and
 * modules loaded here would leak into in-band test runs.
 */
function hooksOf(bundles) {
  const script = `
    const { execFileSync } = require("child_process");
    const out = {};
    for (const { type, exportName, source } of JSON.parse(require("fs").readFileSync(0, "utf8"))) {
      const module = { exports: {} };
      vm.runInThisContext("(function (module, exports, require) {\\n" + source + "\\n})")(module, module.exports, require);
      const provider = module.exports[exportName];
      if (!provider) throw new Error(exportName + " is not exported by its bundle");
      out[type] = ${JSON.stringify(HOOKS)}.filter((hook) => typeof provider[hook] === "function");
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const out = execFileSync(process.execPath, ["-e", script], {
    cwd: ROOT,
    input: JSON.stringify(bundles),
    encoding: "utf8",
  });
  return JSON.parse(out);
}

async function packProviders() {
  const outDir = path.join(ROOT, "dist", "packed");
  fs.mkdirSync(outDir, { recursive: true });
  const bundles = [];
  for (const [type, [module, exportName]] of Object.entries(PROVIDERS)) {
    bundles.push({ type, exportName, source: await bundle(module, exportName) });
  }
  const hooks = hooksOf(bundles);
  const sizes = {};
  for (const { type, exportName, source } of bundles) {
    const file = path.join(outDir, `${type}.json`);
    const gzipBase64 = zlib.gzipSync(source, { level: 9 }).toString("base64");
    const packed = { exportName, methods: hooks[type], gzipBase64 };
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(packed));
    fs.renameSync(`${file}.tmp`, file);
    sizes[type] = Buffer.byteLength(source);
  }
  return sizes;
}

// Also jest's globalSetup (which passes arguments this ignores).
module.exports = packProviders;

if (require.main === module) {
  packProviders().then(
    (sizes) => {
      const list = Object.entries(sizes).map(([t, n]) => `${t} ${(n / 1024).toFixed(1)} KiB`);
      console.log(`packed providers: ${list.join(", ")}`);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
