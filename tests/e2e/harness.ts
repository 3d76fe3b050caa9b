/**
 * Shared plumbing of the end-to-end tests: the pinned pulumi CLI, a local grid process, a
 * registered identity, and the explorer-side view of a customer's reservations (what the final
 * "state versus explorer" assertions compare against).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExplorerClient } from "../../provider/client";
import { registerIdentity, RegisteredIdentity } from "../../provider/cli/identity";
import { GridProcess } from "../../scripts/lib/grid-process";
import { repoRoot } from "../../scripts/lib/repo";
import { StackWorkspace } from "../../scripts/lib/workspace";

/** next_action values of the explorer (docs/protocol.md#enumerations). */
export const NEXT_ACTION = { deploy: 3, delete: 4, deleted: 6 } as const;

let pulumiBin: string | undefined;

/** The folder of the pinned pulumi CLI, built once and cached by scripts/ensure-pulumi.sh. */
export function pulumiBinDir(): string {
  if (!pulumiBin) {
    const out = execFileSync("bash", [path.join(repoRoot(), "scripts", "ensure-pulumi.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    pulumiBin = out.trim().split("\n").pop()!;
  }
  return pulumiBin;
}

/** A temporary folder that the test removes at the end. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tfgrid-${prefix}-`));
}

/** Everything one end-to-end scenario needs: a grid process, an identity and a stack. */
export interface Scenario {
  dir: string;
  grid: GridProcess;
  identity: RegisteredIdentity;
  ws: StackWorkspace;
  client: ExplorerClient;
}

export interface ScenarioOptions {
  name: string;
  /** A program under tests/e2e/programs instead of the top-level S3 archive stack. */
  program?: string;
  /** Extra flags of the local grid CLI. */
  gridArgs?: string[];
  /** Stack file to start from; default the committed Pulumi.dev.yaml. */
  stackFile?: string;
  /** Extra stack config, set before the first command (`secret` ones encrypted). */
  config?: Record<string, string>;
  secretConfig?: Record<string, string>;
}

/** The MinIO secret key every scenario sets: a test looks for it in the exported state. */
export const TEST_SECRET_KEY = "e2e-minio-secret-key-5f1d9c";

export async function startScenario(options: ScenarioOptions): Promise<Scenario> {
  const dir = tempDir(options.name);
  const grid = await GridProcess.start({
    dataDir: path.join(dir, "grid"),
    args: ["--poll-interval-ms", "50", "--provision-delay-ms", "100", ...(options.gridArgs ?? [])],
  });
  const identity = await registerIdentity({ explorerUrl: grid.url, name: `e2e-${options.name}` });
  const ws = await createStack(dir, grid, identity, options);
  return { dir, grid, identity, ws, client: new ExplorerClient({ baseUrl: grid.url }) };
}

/** What {@link createStack} sets up besides the grid and the identity. */
export type StackOptions = Pick<
  ScenarioOptions,
  "program" | "stackFile" | "config" | "secretConfig"
>;

/**
 * A stack in `dir` wired to `grid` with `identity` (explorer URL, tid, mnemonic, the MinIO secret
 * key) plus `options`' config: what every scenario starts from, and a second stack of a scenario.
 */
export async function createStack(
  dir: string,
  grid: GridProcess,
  identity: RegisteredIdentity,
  options: StackOptions = {},
): Promise<StackWorkspace> {
  const ws = await StackWorkspace.create({
    dir,
    stack: "e2e",
    stackFile: options.stackFile,
    pulumiBinDir: pulumiBinDir(),
    passphrase: "e2e-passphrase",
    env: { TFGRID_POLL_INTERVAL_MS: "100" },
    projectSource:
      options.program === undefined
        ? undefined
        : path.join(repoRoot(), "tests", "e2e", "programs", options.program),
  });
  await ws.setConfig("tfgrid:explorerUrl", grid.url);
  await ws.setConfig("tfgrid:tid", String(identity.tid));
  await ws.setConfig("tfgrid:mnemonic", identity.mnemonic, true);
  await ws.setConfig("s3:secretKey", TEST_SECRET_KEY, true);
  for (const [key, value] of Object.entries(options.config ?? {})) await ws.setConfig(key, value);
  for (const [key, value] of Object.entries(options.secretConfig ?? {})) {
    await ws.setConfig(key, value, true);
  }
  return ws;
}

export async function endScenario(s: Scenario | undefined): Promise<void> {
  if (!s) return;
  await s.grid.stop();
  if (!process.env.KEEP_E2E_DIRS) fs.rmSync(s.dir, { recursive: true, force: true });
}

/**
 * Pulumi starts its plugins (the language host, the Node dynamic-provider host) in process groups
 * of their own, so a SIGKILL to the CLI's group leaves them running, orphaned, serving an engine
 * that is gone. Kills the orphaned ones (whose parent is no longer a `pulumi` CLI but init or a
 * subreaper) working in `projectDir` or in the program directory the workspace links to (under
 * the repository); returns what each was.
 */
export function killOrphanedPlugins(projectDir: string): string[] {
  const dirs = [fs.realpathSync(projectDir), repoRoot()];
  const killed: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (!dirs.some((d) => cwd === d || cwd.startsWith(`${d}${path.sep}`))) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
      if (fs.readFileSync(`/proc/${ppid}/comm`, "utf8").trim() === "pulumi") continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      if (!/dynamic-provider|pulumi-language-|pulumi-resource-/.test(cmd)) continue;
      process.kill(Number(pid), "SIGKILL");
      killed.push(cmd);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return killed;
}

/**
 * The file backend (gocloud fileblob) writes a `<file>.attrs` sidecar before it renames a new
 * checkpoint into place, without a temporary file: a kill in that moment leaves it empty, and
 * every later command fails with `failed to load checkpoint: EOF` although the checkpoint itself
 * is intact. Deletes such empty sidecars under `backendDir` (docs/operations.md); returns their
 * paths.
 */
export function removeEmptySidecars(backendDir: string): string[] {
  const removed: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".attrs") && fs.statSync(file).size === 0) {
        fs.rmSync(file);
        removed.push(path.relative(backendDir, file));
      }
    }
  };
  walk(backendDir);
  return removed;
}

/** A resource of the stack's state that stands for one reservation. */
export interface StateReservation {
  urn: string;
  type: string;
  reservationId: number;
}

/** Reservation-backed resources in `pulumi stack export` (their id is the reservation id). */
export async function stateReservations(ws: StackWorkspace): Promise<StateReservation[]> {
  const exported = JSON.parse(await ws.exportState()) as {
    deployment: { resources?: Array<{ urn: string; type: string; id?: string; custom?: boolean }> };
  };
  return (exported.deployment.resources ?? [])
    .filter((r) => r.custom && /^\d+$/.test(r.id ?? ""))
    .map((r) => ({ urn: r.urn, type: r.type, reservationId: Number(r.id) }));
}

/** What {@link compareStateWithExplorer} returns for a converged stack. */
export const CONVERGED = { unknownToState: [], goneFromExplorer: [], duplicates: [] };

/**
 * Ids of this customer's reservations on the explorer that are not deleted (after a destroy: none).
 */
export async function notDeletedReservations(s: Scenario): Promise<number[]> {
  const all = await s.client.listReservations({ customer_tid: s.identity.tid });
  return all.filter((r) => r.next_action !== NEXT_ACTION.deleted).map((r) => r.id);
}

/**
 * The invariant every scenario ends with: the explorer's live reservations of this customer are
 * exactly the ones in the stack's state — no duplicate, nothing active that the stack does not
 * know, nothing in the state whose reservation is gone.
 */
export async function compareStateWithExplorer(s: Scenario): Promise<{
  unknownToState: number[];
  goneFromExplorer: number[];
  duplicates: number[];
}> {
  const inState = await stateReservations(s.ws);
  const all = await s.client.listReservations({ customer_tid: s.identity.tid });
  const live = all.filter(
    (r) => r.next_action !== NEXT_ACTION.deleted && r.next_action !== NEXT_ACTION.delete,
  );
  const stateIds = inState.map((r) => r.reservationId);
  const liveIds = live.map((r) => r.id);
  return {
    unknownToState: liveIds.filter((id) => !stateIds.includes(id)),
    goneFromExplorer: stateIds.filter((id) => !liveIds.includes(id)),
    duplicates: stateIds.filter((id, i) => stateIds.indexOf(id) !== i),
  };
}
