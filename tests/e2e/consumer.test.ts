/**
 * The package as users install it (issue #12): `npm pack`, then the tarball installed into fresh
 * programs outside the repository, each run through preview, up, a no-change preview and destroy
 * against a local grid — with the S3Archive component and with a resource used directly.
 *
 * - javascript: plain JS, no `typescript` anywhere in the program (Pulumi then parses the
 *   serialized providers with its bundled TypeScript 3.8.3);
 * - typescript: a TypeScript program;
 * - nested: npm's nested install strategy and a different axios and zod at the top level, so the
 *   package's own dependencies are not the program's;
 * - pnpm: pnpm's isolated layout (the package and its dependencies live in pnpm's store);
 * - other-sdk: the program's @pulumi/pulumi is another 3.x release than our lock file's.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ExplorerClient } from "../../provider/client";
import { registerIdentity } from "../../provider/cli/identity";
import { GridProcess } from "../../scripts/lib/grid-process";
import { repoRoot } from "../../scripts/lib/repo";
import { StackWorkspace } from "../../scripts/lib/workspace";
import { NEXT_ACTION, pulumiBinDir, tempDir } from "./harness";

const MINUTES = 60_000;
const LOCKED_SDK = (
  JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies["@pulumi/pulumi"];
/** Another 3.x release that runs on Node 20, inside the package's peer range. */
const OTHER_SDK = "3.200.0";

const PROGRAM_BODY = `
const config = new pulumi.Config();
const archive = new tfgrid.S3Archive("archive", {
  placement: { count: 6, farms: [12775, 82872] },
  dataShards: 4,
  parityShards: 2,
  zdbSizeGiB: 10,
  minioIp: "172.20.15.16",
  network: { name: "s3-archive", ipRange: "172.20.0.0/16" },
  accessKey: "archive",
  secretKey: config.requireSecret("secretKey"),
});
// A resource used directly, next to the component.
const extra = new tfgrid.ZdbNamespace("extra", {
  nodeId: archive.minioNode,
  sizeGiB: 1,
  mode: "user",
  password: config.requireSecret("secretKey"),
});
`;

interface Layout {
  name: string;
  typescript: boolean;
  dependencies: Record<string, string>;
  /** The install command, run in the program folder. */
  install: string[];
  /** What the installed tree must look like for the case to mean anything. */
  expectLayout(dir: string): void;
}

const exists = (dir: string, rel: string) => fs.existsSync(path.join(dir, "node_modules", rel));
const versionOf = (dir: string, rel: string) =>
  (
    JSON.parse(fs.readFileSync(path.join(dir, "node_modules", rel, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

const NPM_INSTALL = ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline"];

const LAYOUTS: Layout[] = [
  {
    name: "javascript",
    typescript: false,
    dependencies: { "@pulumi/pulumi": LOCKED_SDK },
    install: NPM_INSTALL,
    expectLayout: (dir) => expect(exists(dir, "typescript")).toBe(false),
  },
  {
    name: "typescript",
    typescript: true,
    dependencies: { "@pulumi/pulumi": LOCKED_SDK, typescript: "~5.9.3", "@types/node": "^20" },
    install: NPM_INSTALL,
    expectLayout: (dir) => expect(exists(dir, "typescript")).toBe(true),
  },
  {
    name: "nested",
    typescript: false,
    dependencies: { "@pulumi/pulumi": LOCKED_SDK, axios: "0.27.2", zod: "3.22.0" },
    install: [...NPM_INSTALL, "--install-strategy=nested"],
    expectLayout: (dir) => {
      expect(versionOf(dir, "axios")).toBe("0.27.2");
      expect(versionOf(dir, "pulumi-tfgrid/node_modules/axios")).toMatch(/^1\./);
      expect(exists(dir, "pulumi-tfgrid/node_modules/tweetnacl")).toBe(true);
      expect(exists(dir, "tweetnacl")).toBe(false);
    },
  },
  {
    name: "pnpm",
    typescript: false,
    dependencies: { "@pulumi/pulumi": LOCKED_SDK },
    // pnpm comes from the npm registry like every other package of the suite.
    install: ["npm", "exec", "--yes", "pnpm@9", "--", "install", "--reporter=silent"],
    expectLayout: (dir) => {
      // Isolated: only the direct dependencies at the top, each linked into pnpm's store.
      expect(fs.readdirSync(path.join(dir, "node_modules")).sort()).toEqual([
        ".bin",
        ".modules.yaml",
        ".pnpm",
        "@pulumi",
        "pulumi-tfgrid",
      ]);
      expect(fs.lstatSync(path.join(dir, "node_modules", "pulumi-tfgrid")).isSymbolicLink()).toBe(
        true,
      );
    },
  },
  {
    name: "other-sdk",
    typescript: false,
    dependencies: { "@pulumi/pulumi": OTHER_SDK },
    install: NPM_INSTALL,
    expectLayout: (dir) => {
      expect(versionOf(dir, "@pulumi/pulumi")).toBe(OTHER_SDK);
      // One copy of the SDK: the package's is the program's (a peer dependency).
      expect(exists(dir, "pulumi-tfgrid/node_modules/@pulumi/pulumi")).toBe(false);
    },
  },
];

function writeProgram(dir: string, layout: Layout, tarball: string): void {
  const pulumiYaml = [
    `name: consumer-${layout.name}`,
    "runtime:",
    "  name: nodejs",
    "  options:",
    `    typescript: ${layout.typescript}`,
    `main: index.${layout.typescript ? "ts" : "js"}`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml);
  const pkg = {
    name: `consumer-${layout.name}`,
    private: true,
    dependencies: { ...layout.dependencies, "pulumi-tfgrid": `file:${tarball}` },
  };
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2));
  if (layout.typescript) {
    const program = `import * as pulumi from "@pulumi/pulumi";\nimport * as tfgrid from "pulumi-tfgrid";\n${PROGRAM_BODY}\nexport const endpoint = archive.endpoint;\nexport const extraWorkload = extra.workloadId;\n`;
    fs.writeFileSync(path.join(dir, "index.ts"), program);
    const tsconfig = {
      compilerOptions: {
        strict: true,
        target: "ES2020",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: ["node"],
      },
      files: ["index.ts"],
    };
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  } else {
    const program = `"use strict";\nconst pulumi = require("@pulumi/pulumi");\nconst tfgrid = require("pulumi-tfgrid");\n${PROGRAM_BODY}\nexports.endpoint = archive.endpoint;\nexports.extraWorkload = extra.workloadId;\n`;
    fs.writeFileSync(path.join(dir, "index.js"), program);
  }
}

let root: string;
let tarball: string;

beforeAll(() => {
  root = tempDir("consumer");
  // The tarball of the built package, exactly what `npm publish` would upload.
  const out = execFileSync("npm", ["pack", "--pack-destination", root, "--silent"], {
    cwd: repoRoot(),
    encoding: "utf8",
  });
  tarball = path.join(root, out.trim().split("\n").pop()!);
}, 2 * MINUTES);

afterAll(() => {
  if (root && !process.env.KEEP_E2E_DIRS) fs.rmSync(root, { recursive: true, force: true });
});

describe.each(LAYOUTS)("an installed package, $name program", (layout) => {
  it(
    "previews, deploys, shows no change and destroys",
    async () => {
      const dir = path.join(root, layout.name);
      const programDir = path.join(dir, "program");
      fs.mkdirSync(programDir, { recursive: true });
      writeProgram(programDir, layout, tarball);
      const [command, ...args] = layout.install;
      execFileSync(command, args, { cwd: programDir, stdio: ["ignore", "ignore", "inherit"] });
      layout.expectLayout(programDir);

      const grid = await GridProcess.start({
        dataDir: path.join(dir, "grid"),
        args: ["--poll-interval-ms", "50", "--provision-delay-ms", "100"],
      });
      try {
        const identity = await registerIdentity({ explorerUrl: grid.url, name: layout.name });
        const ws = await StackWorkspace.create({
          dir,
          stack: "consumer",
          programDir,
          pulumiBinDir: pulumiBinDir(),
          passphrase: "consumer-passphrase",
          env: { TFGRID_POLL_INTERVAL_MS: "100" },
        });
        await ws.setConfig("tfgrid:explorerUrl", grid.url);
        await ws.setConfig("tfgrid:tid", String(identity.tid));
        await ws.setConfig("tfgrid:mnemonic", identity.mnemonic, true);
        await ws.setConfig(`consumer-${layout.name}:secretKey`, "consumer-secret-key", true);

        const preview = await ws.must(["preview"]);
        expect(preview.stdout).toMatch(/\+ 15 to create/);
        const up = await ws.must(["up", "--yes", "--skip-preview"]);
        expect(up.stdout).toMatch(/\+ 15 created/);
        const outputs = await ws.outputs();
        expect(outputs.endpoint).toBe("http://172.20.15.16:9000");
        expect(outputs.extraWorkload).toMatch(/^\d+-1$/);

        const client = new ExplorerClient({ baseUrl: grid.url });
        const mine = () => client.listReservations({ customer_tid: identity.tid });
        const deployed = (await mine()).filter((r) => r.next_action === NEXT_ACTION.deploy);
        // Network, six shards, the extra namespace, the metadata volume, the container.
        expect(deployed).toHaveLength(10);

        await ws.must(["preview", "--expect-no-changes"]);
        await ws.must(["destroy", "--yes", "--skip-preview"]);
        const left = (await mine()).filter((r) => r.next_action !== NEXT_ACTION.deleted);
        expect(left.map((r) => r.id)).toEqual([]);
      } finally {
        await grid.stop();
      }
    },
    10 * MINUTES,
  );
});
