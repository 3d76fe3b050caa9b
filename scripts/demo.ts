/**
 * The quickstart driver (run through `scripts/demo.sh`): deploys the reference S3 archive from the
 * committed `Pulumi.dev.yaml` onto a local grid with the real `pulumi` CLI, and tears it down.
 *
 *   demo.js --pulumi-bin DIR up       start a local grid, register a demo identity, `pulumi up`
 *   demo.js --pulumi-bin DIR destroy  `pulumi destroy`, remove the stack, stop the local grid
 *
 * Everything lives in `.pulumi-demo/` (ignored by git): the grid's data, the file backend, the
 * stack's project copy and the generated passphrase. Edits of the committed `Pulumi.dev.yaml`
 * apply on the next `up`, previewed first. `TFGRID_EXPLORER_URL` points it at another explorer
 * instead of starting a local grid; a deployed demo stack stays on the explorer it was deployed on.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ExplorerClient } from "../provider/client";
import { registerIdentity } from "../provider/cli/identity";
import { GridProcess } from "./lib/grid-process";
import { RECOMMENDED_PARALLEL } from "./lib/parallelism";
import { repoRoot } from "./lib/repo";
import { StackWorkspace } from "./lib/workspace";

const STACK = "dev";
const started = Date.now();

function progress(step: number, total: number, text: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stderr.write(`[${step}/${total}] ${text} (${seconds} s)\n`);
}

interface DemoPaths {
  root: string;
  grid: string;
  gridState: string;
  passphrase: string;
  /** The committed stack file's content the demo stack was last made from. */
  stackSource: string;
  /** The explorer the demo stack was last deployed on (DeployedOn). */
  deployedOn: string;
}

function demoPaths(): DemoPaths {
  const root = path.join(repoRoot(), ".pulumi-demo");
  return {
    root,
    grid: path.join(root, "grid"),
    gridState: path.join(root, "grid.json"),
    passphrase: path.join(root, "passphrase"),
    stackSource: path.join(root, "stack-source.yaml"),
    deployedOn: path.join(root, "deployed-on.json"),
  };
}

/** The passphrase of the demo's secrets provider: generated once, kept owner-readable only. */
function passphrase(paths: DemoPaths): string {
  if (!fs.existsSync(paths.passphrase)) {
    fs.mkdirSync(paths.root, { recursive: true });
    fs.writeFileSync(paths.passphrase, randomBytes(24).toString("hex"), { mode: 0o600 });
  }
  return fs.readFileSync(paths.passphrase, "utf8").trim();
}

async function isAlive(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/farms`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The explorer a run uses: `TFGRID_EXPLORER_URL`, or the demo's own local grid. */
interface Explorer {
  url: string;
  /** The demo's own grid: its data stays in .pulumi-demo/grid when it restarts on another port. */
  own: boolean;
}

/** Reuses the demo's local grid when it still answers, else starts one that outlives this script. */
async function ensureGrid(paths: DemoPaths): Promise<Explorer> {
  if (process.env.TFGRID_EXPLORER_URL) return { url: process.env.TFGRID_EXPLORER_URL, own: false };
  if (fs.existsSync(paths.gridState)) {
    const { url } = JSON.parse(fs.readFileSync(paths.gridState, "utf8")) as { url: string };
    if (await isAlive(url)) return { url, own: true };
  }
  const grid = await GridProcess.start({ dataDir: paths.grid, port: 0, detached: true });
  fs.writeFileSync(paths.gridState, JSON.stringify({ url: grid.url, pid: grid.pid }));
  return { url: grid.url, own: true };
}

/**
 * A deployed stack's reservations live on the explorer that took them: pointed at another one, the
 * provider would find none of them, and an `up` would replace (and a refresh drop) what it cannot
 * see while the originals keep running. So the demo refuses to move its stack.
 */
function refuseExplorerSwitch(paths: DemoPaths, explorer: Explorer): void {
  if (!fs.existsSync(paths.deployedOn)) return;
  const was = JSON.parse(fs.readFileSync(paths.deployedOn, "utf8")) as Explorer;
  if ((was.own && explorer.own) || was.url === explorer.url) return;
  const where = (e: Explorer) => (e.own ? `the demo's local grid (${e.url})` : e.url);
  throw new Error(
    `the demo stack's reservations live on ${where(was)}, but this run would use ${where(explorer)}; a stack cannot move between explorers. Run again with ${was.own ? "TFGRID_EXPLORER_URL unset" : `TFGRID_EXPLORER_URL=${was.url}`}, or tear the stack down first (npm run demo:destroy, with that same setting)`,
  );
}

/** What only this machine's demo stack holds, kept when the committed stack file is re-applied. */
const MACHINE_SETTINGS: [key: string, secret: boolean][] = [
  ["tfgrid:tid", false],
  ["tfgrid:mnemonic", true],
  ["s3:secretKey", true],
];

/**
 * Makes the demo stack follow the committed `Pulumi.dev.yaml`: when that file changed since the
 * last run, the demo's stack file becomes it again, plus this machine's identity and secret key
 * (re-encrypted under the same salt, so the passphrase still opens them). Returns whether it did.
 */
async function applyCommittedStackFile(ws: StackWorkspace, paths: DemoPaths): Promise<boolean> {
  const committed = fs.readFileSync(path.join(repoRoot(), `Pulumi.${STACK}.yaml`), "utf8");
  const last = fs.existsSync(paths.stackSource) ? fs.readFileSync(paths.stackSource, "utf8") : "";
  const file = path.join(ws.projectDir, `Pulumi.${STACK}.yaml`);
  if (committed === last) return false;
  const kept: [string, string, boolean][] = [];
  for (const [key, secret] of MACHINE_SETTINGS) {
    const value = await configValue(ws, key);
    if (value !== undefined) kept.push([key, value, secret]);
  }
  const salt = /^encryptionsalt: .*$/m.exec(fs.readFileSync(file, "utf8"))?.[0];
  fs.writeFileSync(file, `${committed}${salt ? `\n${salt}\n` : ""}`);
  for (const [key, value, secret] of kept) await ws.setConfig(key, value, secret);
  fs.writeFileSync(paths.stackSource, committed);
  return last !== "";
}

async function configValue(ws: StackWorkspace, key: string): Promise<string | undefined> {
  const result = await ws.run(["config", "get", key]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Registers a fresh 3Bot identity on the explorer unless the stack already has one there. */
async function ensureIdentity(ws: StackWorkspace, explorerUrl: string): Promise<number> {
  const tid = await configValue(ws, "tfgrid:tid");
  if (tid && (await configValue(ws, "tfgrid:mnemonic"))) {
    const client = new ExplorerClient({ baseUrl: explorerUrl });
    const user = await client.getUser(Number(tid)).catch(() => undefined);
    if (user) return user.id;
  }
  const identity = await registerIdentity({ explorerUrl, name: "demo" });
  await ws.setConfig("tfgrid:tid", String(identity.tid));
  await ws.setConfig("tfgrid:mnemonic", identity.mnemonic, true);
  return identity.tid;
}

async function up(pulumiBinDir: string): Promise<void> {
  const paths = demoPaths();
  const total = 6;
  progress(
    1,
    total,
    "the explorer: TFGRID_EXPLORER_URL, else the demo's local grid (started or reused)",
  );
  const explorer = await ensureGrid(paths);
  const explorerUrl = explorer.url;
  progress(1, total, `explorer at ${explorerUrl}`);
  refuseExplorerSwitch(paths, explorer);

  progress(2, total, `preparing stack "${STACK}" from Pulumi.${STACK}.yaml`);
  const ws = await StackWorkspace.create({
    dir: paths.root,
    stack: STACK,
    pulumiBinDir,
    passphrase: passphrase(paths),
  });
  const edited = await applyCommittedStackFile(ws, paths);
  if (edited) progress(2, total, `applied the edits of Pulumi.${STACK}.yaml to the demo stack`);
  await ws.setConfig("tfgrid:explorerUrl", explorerUrl);

  progress(3, total, "registering a demo 3Bot identity on the explorer");
  const tid = await ensureIdentity(ws, explorerUrl);
  progress(3, total, `identity tid ${tid} (mnemonic stored encrypted in the stack config)`);

  progress(4, total, "setting the MinIO secret key (encrypted in the stack config)");
  if (!(await configValue(ws, "s3:secretKey"))) {
    await ws.setConfig("s3:secretKey", randomBytes(16).toString("hex"), true);
  }

  progress(5, total, "pulumi up: network, 0-db namespaces, metadata volume, MinIO container");
  const parallel = ["--parallel", String(RECOMMENDED_PARALLEL)];
  // After an edit, up previews first: its plan and warnings (a new layout starts EMPTY) print
  // before anything changes.
  const preview = edited ? [] : ["--skip-preview"];
  await ws.must(["up", "--yes", ...preview, ...parallel], (text) => process.stderr.write(text));
  fs.writeFileSync(paths.deployedOn, JSON.stringify(explorer));

  progress(6, total, "reading the stack outputs");
  const outputs = await ws.outputs();
  process.stdout.write(`\nS3 endpoint: ${String(outputs.endpoint)}\n\n`);
  process.stdout.write(`${String(outputs.redundancyReport)}\n\n`);
  process.stdout.write(
    [
      "To use the pulumi CLI on this stack yourself:",
      `  export PATH="${pulumiBinDir}:$PATH" PULUMI_BACKEND_URL="file://${ws.backendDir}"`,
      `  export PULUMI_HOME="${ws.env().PULUMI_HOME}" PULUMI_SKIP_UPDATE_CHECK=1`,
      `  export PULUMI_CONFIG_PASSPHRASE_FILE="${paths.passphrase}"`,
      `  cd ${ws.projectDir} && pulumi stack output`,
      "Tear it down with: npm run demo:destroy",
      "",
    ].join("\n"),
  );
}

async function destroy(pulumiBinDir: string): Promise<void> {
  const paths = demoPaths();
  if (!fs.existsSync(path.join(paths.root, "project", `Pulumi.${STACK}.yaml`))) {
    process.stderr.write("nothing to destroy: no demo stack in .pulumi-demo/\n");
  } else {
    progress(1, 3, "making sure the local grid answers");
    refuseExplorerSwitch(paths, await ensureGrid(paths));
    const ws = await StackWorkspace.create({
      dir: paths.root,
      stack: STACK,
      pulumiBinDir,
      passphrase: passphrase(paths),
    });
    progress(2, 3, "pulumi destroy: cancelling every reservation of the stack");
    await ws.must(
      ["destroy", "--yes", "--skip-preview", "--parallel", String(RECOMMENDED_PARALLEL)],
      (text) => process.stderr.write(text),
    );
    await ws.must(["stack", "rm", "--yes", STACK]);
  }
  progress(3, 3, "stopping the local grid");
  if (fs.existsSync(paths.gridState)) {
    const { pid } = JSON.parse(fs.readFileSync(paths.gridState, "utf8")) as { pid: number };
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    fs.rmSync(paths.gridState);
  }
  fs.rmSync(path.join(paths.root, "project"), { recursive: true, force: true });
  fs.rmSync(paths.stackSource, { force: true });
  fs.rmSync(paths.deployedOn, { force: true });
  process.stdout.write("demo torn down\n");
}

async function main(argv: string[]): Promise<void> {
  const binIndex = argv.indexOf("--pulumi-bin");
  if (binIndex < 0 || !argv[binIndex + 1])
    throw new Error("usage: demo.js --pulumi-bin DIR up|destroy");
  const pulumiBinDir = argv[binIndex + 1];
  const command = argv.filter((_, i) => i !== binIndex && i !== binIndex + 1)[0] ?? "up";
  if (command === "up") await up(pulumiBinDir);
  else if (command === "destroy") await destroy(pulumiBinDir);
  else throw new Error(`unknown command "${command}": use up or destroy`);
}

// Ctrl-C reaches every process of the terminal's group: pulumi then cancels cleanly (it finishes
// the operations in flight and unlocks the stack) unless its output pipe closes under it, which
// is what this script dying at once did. So the first Ctrl-C only says so; the pulumi command then
// ends and the demo fails with its output. A second one leaves at once.
let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write(
    "\ninterrupted: pulumi is stopping cleanly (finishing what is in flight, unlocking the stack); Ctrl-C again to leave at once\n",
  );
});

main(process.argv.slice(2)).catch((err: unknown) => {
  // A pulumi command's output was already streamed: its first line says which command failed.
  const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  const next = interrupted
    ? "; the stack keeps what was done so far: npm run demo continues, npm run demo:destroy tears it down"
    : "";
  process.stderr.write(`\ndemo failed: ${message}${next}\n`);
  process.exit(1);
});
