import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./repo";

/** Options of a local grid started as its own process (it must outlive `pulumi` runs). */
export interface GridProcessOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Extra CLI flags, e.g. ["--provision-delay-ms", "2000"]. */
  args?: string[];
  /** Where the grid's stderr goes; default: a `grid.log` file in dataDir. */
  logFile?: string;
  /** Detach so the grid survives this process (the demo); tests keep it attached. */
  detached?: boolean;
}

/** A running `localgrid` CLI process. */
export class GridProcess {
  private constructor(
    private readonly options: GridProcessOptions,
    private child: ChildProcess,
    /** Explorer base URL, e.g. `http://127.0.0.1:41234/explorer`. */
    public url: string,
  ) {}

  /** The control API origin, e.g. `http://127.0.0.1:41234`. */
  get origin(): string {
    return new URL(this.url).origin;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async start(options: GridProcessOptions): Promise<GridProcess> {
    const { child, url } = await spawnGrid(options, options.port ?? 0);
    return new GridProcess(options, child, url);
  }

  /** Stop and start again on the same data dir and port: state must survive. */
  async restart(): Promise<void> {
    await this.stop();
    const port = Number(new URL(this.url).port);
    const { child, url } = await spawnGrid(this.options, port);
    this.child = child;
    this.url = url;
  }

  /** Change fault knobs at runtime through the control API. */
  async setFaults(faults: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.origin}/__localgrid/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(faults),
    });
    if (!res.ok) throw new Error(`setFaults answered ${res.status}: ${await res.text()}`);
  }

  /** Per-route request counters of the explorer routes. */
  async counters(): Promise<Record<string, number>> {
    const res = await fetch(`${this.origin}/__localgrid/counters`);
    return (await res.json()) as Record<string, number>;
  }

  /** `kill -9`: the grid gets no chance to finish anything (a crash). */
  async crash(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

async function spawnGrid(
  options: GridProcessOptions,
  port: number,
): Promise<{ child: ChildProcess; url: string }> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const cli = path.join(repoRoot(), "dist", "localgrid", "cli.js");
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  // stdout goes to a file rather than a pipe so a detached grid never writes into a closed pipe.
  const outFile = path.join(options.dataDir, "grid.out");
  fs.writeFileSync(outFile, "");
  const out = fs.openSync(outFile, "a");
  const log = fs.openSync(options.logFile ?? path.join(options.dataDir, "grid.log"), "a");
  const child = spawn(
    process.execPath,
    [cli, "--port", String(port), "--data-dir", options.dataDir, ...(options.args ?? [])],
    { stdio: ["ignore", out, log], detached: options.detached ?? false },
  );
  fs.closeSync(out);
  fs.closeSync(log);
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `code ${code} signal ${signal}`));
  const deadline = Date.now() + 20000;
  for (;;) {
    const match = /listening on (\S+)/.exec(fs.readFileSync(outFile, "utf8"));
    if (match) {
      if (options.detached) child.unref();
      return { child, url: match[1] };
    }
    if (exited)
      throw new Error(
        `localgrid exited (${exited}) before listening; see ${options.dataDir}/grid.log`,
      );
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`localgrid did not start within 20 s; see ${options.dataDir}/grid.log`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
