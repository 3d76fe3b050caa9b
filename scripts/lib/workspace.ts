import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./repo";

/** Where one stack of the top-level project lives while the real `pulumi` CLI drives it. */
export interface WorkspaceOptions {
  /** Folder for the project copy, the file backend and logs (created if missing). */
  dir: string;
  stack: string;
  /** Stack settings to start from; default the committed `Pulumi.dev.yaml`. */
  stackFile?: string;
  /** Folder holding `pulumi`, `pulumi-language-nodejs`, `pulumi-resource-pulumi-nodejs`. */
  pulumiBinDir: string;
  passphrase: string;
  /** Extra environment for every command (e.g. `TFGRID_POLL_INTERVAL_MS`). */
  env?: Record<string, string>;
  /**
   * A folder holding another project (its `Pulumi.yaml`, program and `package.json`) to copy
   * instead of the top-level project; default the repository root's project. `dist` and the
   * repository's npm packages are linked either way, and `pulumi-tfgrid` resolves to the
   * repository, as if installed: a program `require`s it by name, as users do.
   */
  projectSource?: string;
  /**
   * A program folder to use as it is — its own `package.json` and installed `node_modules`, as a
   * user's program — instead of a copy with the repository linked in (consumer tests).
   */
  programDir?: string;
}

/** The outcome of one CLI command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A private copy of the top-level project (Pulumi.yaml + a stack file, with `dist` and
 * `node_modules` linked to the repository) so that `pulumi config set` and `stack init` never
 * touch the committed files, and each test or demo has its own file backend.
 */
export class StackWorkspace {
  readonly projectDir: string;
  readonly backendDir: string;

  private constructor(private readonly options: WorkspaceOptions) {
    this.projectDir = options.programDir ?? path.join(options.dir, "project");
    this.backendDir = path.join(options.dir, "state");
  }

  static async create(options: WorkspaceOptions): Promise<StackWorkspace> {
    const ws = new StackWorkspace(options);
    const root = repoRoot();
    fs.mkdirSync(ws.projectDir, { recursive: true });
    fs.mkdirSync(ws.backendDir, { recursive: true });
    // A program folder given as `programDir` is used in place: nothing is copied or linked.
    if (!options.programDir) copyProject(root, ws.projectDir, options.projectSource);
    const stackFile = path.join(ws.projectDir, `Pulumi.${options.stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
      const initial =
        options.stackFile ??
        (options.projectSource || options.programDir
          ? undefined
          : path.join(root, "Pulumi.dev.yaml"));
      if (initial) fs.copyFileSync(initial, stackFile);
      else fs.writeFileSync(stackFile, "config: {}\n");
      await ws.must(["stack", "init", options.stack]);
    } else {
      await ws.must(["stack", "select", options.stack]);
    }
    return ws;
  }

  /** The environment every `pulumi` command of this workspace runs with. */
  env(): NodeJS.ProcessEnv {
    // Without jest's marker: the provider stays quiet under jest, but a CLI run started from a
    // test must behave (and log progress) exactly as it does for a user.
    const inherited = { ...process.env };
    delete inherited.JEST_WORKER_ID;
    return {
      ...inherited,
      PATH: `${this.options.pulumiBinDir}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_BACKEND_URL: `file://${this.backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: this.options.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      PULUMI_HOME: path.join(this.options.dir, "pulumi-home"),
      ...this.options.env,
    };
  }

  /** Runs `pulumi ARGS` in the project copy; never throws on a non-zero exit. */
  run(args: string[], onOutput?: (text: string) => void): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], {
        cwd: this.projectDir,
        env: this.env(),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        onOutput?.(d.toString());
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        onOutput?.(d.toString());
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** Runs `pulumi ARGS` and throws with the command's output when it fails. */
  async must(args: string[], onOutput?: (text: string) => void): Promise<CommandResult> {
    const result = await this.run(args, onOutput);
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited with ${result.code}\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  }

  async setConfig(key: string, value: string, secret = false): Promise<void> {
    // The value goes through stdin-free argv; the CLI encrypts it before it reaches any file.
    await this.must(["config", "set", key, value, ...(secret ? ["--secret"] : ["--plaintext"])]);
  }

  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    const result = await this.must([
      "stack",
      "output",
      "--json",
      ...(showSecrets ? ["--show-secrets"] : []),
    ]);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  /** `pulumi stack export` as text: what a secret scan must not find anything in. */
  async exportState(): Promise<string> {
    return (await this.must(["stack", "export"])).stdout;
  }
}

/**
 * The project's files (the given program, else the top-level Pulumi.yaml and package.json) with
 * `dist` and the repository's packages linked beside them.
 */
function copyProject(root: string, projectDir: string, projectSource: string | undefined): void {
  if (projectSource) {
    for (const entry of fs.readdirSync(projectSource, { withFileTypes: true })) {
      if (!entry.isFile() || /^Pulumi\..+\.yaml$/.test(entry.name)) continue;
      fs.copyFileSync(path.join(projectSource, entry.name), path.join(projectDir, entry.name));
    }
  } else {
    fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
    fs.copyFileSync(path.join(root, "package.json"), path.join(projectDir, "package.json"));
  }
  const dist = path.join(projectDir, "dist");
  if (!fs.existsSync(dist)) fs.symlinkSync(path.join(root, "dist"), dist, "dir");
  linkNodeModules(root, path.join(projectDir, "node_modules"));
}

/**
 * A `node_modules` of links: each of the repository's packages, and `pulumi-tfgrid` itself (the
 * repository), so that the program and Pulumi's dynamic-provider host resolve the package by name
 * from the project folder, exactly as in a user's program (provider/provider-reference.ts).
 */
function linkNodeModules(root: string, target: string): void {
  if (fs.existsSync(target)) return;
  fs.mkdirSync(target);
  const source = path.join(root, "node_modules");
  for (const entry of fs.readdirSync(source)) {
    fs.symlinkSync(path.join(source, entry), path.join(target, entry), "dir");
  }
  fs.symlinkSync(root, path.join(target, "pulumi-tfgrid"), "dir");
}
