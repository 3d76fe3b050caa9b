/**
 * Deployment benchmark (issue #15). On one local grid process (D = 2 s provisioning per
 * workload, 50 ms latency per explorer request, enough nodes for 100 shards), for archives of
 * 6, 20, 60 and 100 shards, interleaved over several runs:
 *
 * - the **measured limit**: scripts/lib/direct-deploy.ts deploys the same archive with the
 *   provider's own client and signing, no Pulumi, every workload of a level at once, tight polls,
 *   then deletes it in one round;
 * - `pulumi up` of an empty program (the CLI's own start-up, subtracted);
 * - `pulumi up`, a no-change `pulumi preview`, `pulumi refresh` and `pulumi destroy` at the
 *   engine's default parallelism, and `up`/`destroy` at the parallelism the docs recommend;
 *
 * and reports medians with min and max: (up − empty up) ÷ limit, destroy ÷ one deletion round,
 * explorer requests per workload, state bytes per resource, peak memory of every process.
 * Not a timed test: figures depend on the machine. Prints tables, writes bench-results/bench.json.
 *
 *   npm run bench [-- --runs 3 --scales 6,20,60,100 --parallel 64]
 *
 * `--parallel` replaces the recommended parallelism (to compare values before changing it).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultGrid, type GridDefinition, type NodeDefinition } from "../localgrid";
import { seedFromLabel } from "../localgrid/crypto";
import { registerIdentity, type RegisteredIdentity } from "../provider/cli/identity";
import { ExplorerClient } from "../provider/client";
import { directDeploy } from "./lib/direct-deploy";
import { GridProcess } from "./lib/grid-process";
import { RECOMMENDED_PARALLEL } from "./lib/parallelism";
import { samplePeaks, ROLES, type Role } from "./lib/process-memory";
import { repoRoot } from "./lib/repo";
import { StackWorkspace } from "./lib/workspace";

/** Provisioning delay per workload, ms. */
const D_MS = 2000;
const LATENCY_MS = 50;
/** Nodes per farm of the bench grid (three farms): room for 100 shards on distinct nodes. */
const NODES_PER_FARM = 40;
/** The direct deployer's poll interval: tight, as a script that only waits would poll. */
const DIRECT_POLL_MS = 100;

const TARGETS = {
  upRatioSmall: 1.3,
  upRatioLarge: 1.5,
  destroyVsRound: 2,
  stateBytesPerResource: 4096,
  totalPeakMiB: 500,
};

/** Data+parity per shard count: 4+2 for the reference, else 80 % data. */
function layoutFor(shards: number): { data: number; parity: number } {
  if (shards === 6) return { data: 4, parity: 2 };
  const parity = Math.round(shards / 5);
  return { data: shards - parity, parity };
}

interface Options {
  runs: number;
  scales: number[];
  /** The `--parallel` of the second up/destroy pair: the recommended one unless given. */
  parallel: number;
}

function parseOptions(argv: string[]): Options {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(get("--runs") ?? 3);
  const scales = (get("--scales") ?? "6,20,60,100").split(",").map(Number);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs ${get("--runs")}: use 1 or more`);
  for (const s of scales) {
    if (!Number.isInteger(s) || s < 3 || s > 3 * NODES_PER_FARM)
      throw new Error(`--scales: ${s} is not a shard count from 3 to ${3 * NODES_PER_FARM}`);
  }
  const parallel = Number(get("--parallel") ?? RECOMMENDED_PARALLEL);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new Error(`--parallel ${get("--parallel")}: use 1 or more`);
  return { runs, scales, parallel };
}

/** The default grid's three farms with NODES_PER_FARM nodes each (the first of each public). */
function benchGrid(): GridDefinition {
  const base = defaultGrid();
  const nodes = base.farms.flatMap((farm) => {
    const template = base.nodes.find((n) => n.farm_id === farm.id)!;
    return Array.from({ length: NODES_PER_FARM }, (_, i) => {
      const own = base.nodes.filter((n) => n.farm_id === farm.id)[i];
      if (own) return own;
      // A node like the farm's first, without its public IPv4 and WireGuard ports.
      const plain: NodeDefinition = { ...template };
      delete plain.public_ipv4;
      delete plain.public_gw4;
      delete plain.wg_ports;
      return {
        ...plain,
        seedHex: seedFromLabel(`bench-node-${farm.id}-${i}`),
        hostname: `${farm.name}-${i + 1}`,
        ipv6: template.ipv6.replace(/::[0-9a-f]+\/64$/, `::${(i + 16).toString(16)}/64`),
      };
    });
  });
  return { farms: base.farms, nodes };
}

function pulumiBinDir(): string {
  const out = execFileSync("bash", [path.join(repoRoot(), "scripts", "ensure-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop()!;
}

/** One timed CLI command: wall time, explorer requests it caused, peak memory per process. */
interface Measured {
  ms: number;
  requests: number;
  /** By route, for the JSON report. */
  byRoute: Record<string, number>;
  peakMiB: Record<Role, number> & { total: number };
}

async function measure(grid: GridProcess, ws: StackWorkspace, args: string[]): Promise<Measured> {
  const before = await grid.counters();
  const stop = samplePeaks(ws.backendDir);
  const start = process.hrtime.bigint();
  let peaks: ReturnType<typeof stop>;
  try {
    await ws.must(args);
  } finally {
    peaks = stop();
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const after = await grid.counters();
  const byRoute: Record<string, number> = {};
  for (const [route, n] of Object.entries(after)) {
    if (n > (before[route] ?? 0)) byRoute[route] = n - (before[route] ?? 0);
  }
  const requests = Object.values(byRoute).reduce((a, b) => a + b, 0);
  return { ms, requests, byRoute, peakMiB: { ...peaks.byRole, total: peaks.total } };
}

/** Bytes of `pulumi stack export` per reservation-backed resource (everything stored for it). */
interface StateSizes {
  mean: number;
  max: number;
  /** The largest resource of each type (`ZdbNamespace`, `Container`, …). */
  byType: Record<string, number>;
}

async function stateBytesPerResource(ws: StackWorkspace): Promise<StateSizes> {
  const exported = JSON.parse(await ws.exportState()) as {
    deployment: { resources?: Array<{ id?: string; custom?: boolean; type: string }> };
  };
  const reservations = (exported.deployment.resources ?? []).filter(
    (r) => r.custom && /^\d+$/.test(r.id ?? ""),
  );
  const byType: Record<string, number> = {};
  const sizes = reservations.map((r) => {
    const bytes = Buffer.byteLength(JSON.stringify(r));
    const type = r.type.split(":").pop()!;
    byType[type] = Math.max(byType[type] ?? 0, bytes);
    return bytes;
  });
  return {
    mean: sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length),
    max: Math.max(0, ...sizes),
    byType,
  };
}

/** Everything measured for one shard count in one run. */
interface Sample {
  directMs: number;
  directDeleteMs: number;
  emptyUpMs: number;
  up: Measured;
  preview: Measured;
  refresh: Measured;
  destroy: Measured;
  upRecommended: Measured;
  destroyRecommended: Measured;
  workloads: number;
  state: StateSizes;
}

interface Stat {
  median: number;
  min: number;
  max: number;
}

function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

const fmt = (x: Stat, unit: (n: number) => string) =>
  x.min === x.max ? unit(x.median) : `${unit(x.median)} (${unit(x.min)}–${unit(x.max)})`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ratio = (n: number) => n.toFixed(2);
const mib = (n: number) => `${n.toFixed(0)}`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const num = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = repoRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfgrid-bench-"));
  const bin = pulumiBinDir();
  const gridFile = path.join(dir, "grid.json");
  const definition = benchGrid();
  fs.writeFileSync(gridFile, JSON.stringify(definition));
  const grid = await GridProcess.start({
    dataDir: path.join(dir, "grid"),
    args: [
      "--grid",
      gridFile,
      "--provision-delay-ms",
      String(D_MS),
      "--latency-ms",
      String(LATENCY_MS),
    ],
  });
  const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
  try {
    const identity = await registerIdentity({ explorerUrl: grid.url, name: "bench" });
    const listed = await new ExplorerClient({ baseUrl: grid.url }).listNodes();
    // Round-robin over the farms, as the placement spreads shards.
    const byFarm = definition.farms.map((f) =>
      listed.filter((n) => n.farm_id === f.id).map((n) => n.node_id),
    );
    const spread = (count: number) =>
      Array.from({ length: count }, (_, i) => byFarm[i % 3][Math.floor(i / 3)]);

    const empty = await workspace(dir, "empty", grid, identity, bin, {
      projectSource: path.join(root, "tests", "e2e", "programs", "empty"),
    });
    const stacks = new Map<number, StackWorkspace>();
    for (const shards of options.scales) {
      const { data, parity } = layoutFor(shards);
      const stackFile = path.join(dir, `Pulumi.s${shards}.yaml`);
      fs.writeFileSync(
        stackFile,
        fs
          .readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")
          .replace(/s3:shardCount: 6/, `s3:shardCount: ${shards}`)
          .replace(
            /s3:shardFarms:\n(\s+- \d+\n)+/,
            "s3:shardFarms:\n    - 12775\n    - 82872\n    - 71\n",
          )
          .replace(/s3:dataShards: 4/, `s3:dataShards: ${data}`)
          .replace(/s3:parityShards: 2/, `s3:parityShards: ${parity}`),
      );
      stacks.set(shards, await workspace(dir, `s${shards}`, grid, identity, bin, { stackFile }));
    }
    // Warm the file-system cache of node_modules and the CLI once.
    await measure(grid, empty, ["up", "--yes", "--skip-preview"]);

    const samples = new Map<number, Sample[]>(options.scales.map((s) => [s, []]));
    for (let run = 1; run <= options.runs; run++) {
      for (const shards of options.scales) {
        const ws = stacks.get(shards)!;
        const { data, parity } = layoutFor(shards);
        log(`run ${run}/${options.runs}, ${shards} shards: direct-API limit…`);
        const direct = await directDeploy({
          explorerUrl: grid.url,
          tid: identity.tid,
          mnemonic: identity.mnemonic,
          nodes: spread(shards),
          dataShards: data,
          parityShards: parity,
          pollIntervalMs: DIRECT_POLL_MS,
        });
        log(
          `run ${run}/${options.runs}, ${shards} shards: empty up, up, preview, refresh, destroy…`,
        );
        const emptyUp = await measure(grid, empty, ["up", "--yes", "--skip-preview"]);
        const up = await measure(grid, ws, ["up", "--yes", "--skip-preview"]);
        const state = await stateBytesPerResource(ws);
        const preview = await measure(grid, ws, ["preview", "--expect-no-changes"]);
        const refresh = await measure(grid, ws, ["refresh", "--yes", "--skip-preview"]);
        const destroy = await measure(grid, ws, ["destroy", "--yes", "--skip-preview"]);
        const parallel = ["--parallel", String(options.parallel)];
        log(
          `run ${run}/${options.runs}, ${shards} shards: up and destroy --parallel ${options.parallel}…`,
        );
        const upRecommended = await measure(grid, ws, [
          "up",
          "--yes",
          "--skip-preview",
          ...parallel,
        ]);
        const destroyRecommended = await measure(grid, ws, [
          "destroy",
          "--yes",
          "--skip-preview",
          ...parallel,
        ]);
        samples.get(shards)!.push({
          directMs: direct.deployMs,
          directDeleteMs: direct.deleteMs,
          emptyUpMs: emptyUp.ms,
          up,
          preview,
          refresh,
          destroy,
          upRecommended,
          destroyRecommended,
          workloads: direct.workloads,
          state,
        });
      }
    }
    report(options, samples);
  } finally {
    await grid.stop();
    if (!process.env.KEEP_BENCH_DIR) fs.rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

async function workspace(
  dir: string,
  name: string,
  grid: GridProcess,
  identity: RegisteredIdentity,
  bin: string,
  opts: { stackFile?: string; projectSource?: string },
): Promise<StackWorkspace> {
  const ws = await StackWorkspace.create({
    dir: path.join(dir, name),
    stack: "bench",
    pulumiBinDir: bin,
    passphrase: "bench-passphrase",
    ...opts,
  });
  await ws.setConfig("tfgrid:explorerUrl", grid.url);
  await ws.setConfig("tfgrid:tid", String(identity.tid));
  await ws.setConfig("tfgrid:mnemonic", identity.mnemonic, true);
  if (!opts.projectSource) await ws.setConfig("s3:secretKey", "bench-minio-secret-key", true);
  return ws;
}

function report(options: Options, samples: Map<number, Sample[]>): void {
  const rows: Record<string, string[]> = {};
  const add = (label: string, value: string) => (rows[label] ??= []).push(value);
  const summary: Record<string, unknown> = {};
  const targets: Record<string, boolean> = {};
  for (const shards of options.scales) {
    const all = samples.get(shards)!;
    const s = (pick: (x: Sample) => number) => stat(all.map(pick));
    const upRatio = s((x) => (x.up.ms - x.emptyUpMs) / x.directMs);
    const upRatioRecommended = s((x) => (x.upRecommended.ms - x.emptyUpMs) / x.directMs);
    const destroyRatio = s((x) => x.destroy.ms / x.directDeleteMs);
    const destroyRatioRecommended = s((x) => x.destroyRecommended.ms / x.directDeleteMs);
    const peakTotal = s((x) => Math.max(x.up.peakMiB.total, x.destroy.peakMiB.total));
    const stateMax = s((x) => x.state.max);
    const { data, parity } = layoutFor(shards);
    add("layout (workloads)", `${data}+${parity} (${all[0].workloads})`);
    add(
      "direct-API limit: deploy",
      fmt(
        s((x) => x.directMs),
        sec,
      ),
    );
    add(
      "direct-API limit: one deletion round",
      fmt(
        s((x) => x.directDeleteMs),
        sec,
      ),
    );
    add(
      "`pulumi up` of the empty program",
      fmt(
        s((x) => x.emptyUpMs),
        sec,
      ),
    );
    add(
      "`pulumi up` (default parallelism)",
      fmt(
        s((x) => x.up.ms),
        sec,
      ),
    );
    add("(up − empty up) ÷ limit", fmt(upRatio, ratio));
    add(
      `\`pulumi up --parallel ${options.parallel}\``,
      fmt(
        s((x) => x.upRecommended.ms),
        sec,
      ),
    );
    add(`(up − empty up) ÷ limit, --parallel ${options.parallel}`, fmt(upRatioRecommended, ratio));
    add(
      "no-change `pulumi preview`",
      fmt(
        s((x) => x.preview.ms),
        sec,
      ),
    );
    add(
      "`pulumi refresh`",
      fmt(
        s((x) => x.refresh.ms),
        sec,
      ),
    );
    add(
      "`pulumi destroy` (default parallelism)",
      fmt(
        s((x) => x.destroy.ms),
        sec,
      ),
    );
    add("destroy ÷ one deletion round", fmt(destroyRatio, ratio));
    add(
      `destroy ÷ one deletion round, --parallel ${options.parallel}`,
      fmt(destroyRatioRecommended, ratio),
    );
    add(
      "explorer requests / workload (up)",
      fmt(
        s((x) => x.up.requests / x.workloads),
        num,
      ),
    );
    add(
      "explorer requests / workload (destroy)",
      fmt(
        s((x) => x.destroy.requests / x.workloads),
        num,
      ),
    );
    add("state per resource, mean / max", `${kib(all[0].state.mean)} / ${kib(all[0].state.max)}`);
    // The MinIO container holds the shard list (SHARDS, a dependency on every 0-db): it alone
    // grows with the shard count.
    add(
      "state per resource, largest of each type",
      Object.entries(all[0].state.byType)
        .map(([type, bytes]) => `${type} ${kib(bytes)}`)
        .join(", "),
    );
    for (const role of ROLES) {
      add(
        `peak MiB, ${role} (up)`,
        fmt(
          s((x) => x.up.peakMiB[role]),
          mib,
        ),
      );
    }
    add("peak MiB, all processes (up or destroy)", fmt(peakTotal, mib));
    summary[String(shards)] = {
      samples: all,
      upRatio,
      upRatioRecommended,
      destroyRatio,
      peakTotal,
    };
    // Each time target at both parallelisms the table shows: the engine's default and the
    // recommended one (what the docs and the demo use).
    const at = `--parallel ${options.parallel}`;
    if (shards === 6) {
      const name = `(up − empty up) ÷ limit ≤ ${TARGETS.upRatioSmall} at 6 shards`;
      targets[`${name}, default parallelism`] = upRatio.median <= TARGETS.upRatioSmall;
      targets[`${name}, ${at}`] = upRatioRecommended.median <= TARGETS.upRatioSmall;
    }
    if (shards === 100) {
      const up = `(up − empty up) ÷ limit ≤ ${TARGETS.upRatioLarge} at 100 shards`;
      targets[`${up}, default parallelism`] = upRatio.median <= TARGETS.upRatioLarge;
      targets[`${up}, ${at}`] = upRatioRecommended.median <= TARGETS.upRatioLarge;
      const destroy = `destroy ≤ ${TARGETS.destroyVsRound} × one deletion round at 100 shards`;
      targets[`${destroy}, default parallelism`] = destroyRatio.median <= TARGETS.destroyVsRound;
      targets[`${destroy}, ${at}`] = destroyRatioRecommended.median <= TARGETS.destroyVsRound;
      targets[`total peak memory ≤ ${TARGETS.totalPeakMiB} MiB at 100 shards`] =
        peakTotal.median <= TARGETS.totalPeakMiB;
    }
    const limit = `≤ ${TARGETS.stateBytesPerResource / 1024} KiB`;
    targets[`state ${limit} for every resource at ${shards} shards`] =
      stateMax.median <= TARGETS.stateBytesPerResource;
    // The one resource whose number grows with the shard count.
    targets[`state ${limit} per 0-db namespace at ${shards} shards`] =
      (all[0].state.byType.ZdbNamespace ?? 0) <= TARGETS.stateBytesPerResource;
  }
  const header = `${new Date().toISOString().slice(0, 10)}; D = ${D_MS / 1000} s per workload, ${LATENCY_MS} ms explorer latency, local grid process, ${options.runs} interleaved run(s), median (min–max); node ${process.version}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;
  const table = [
    `| figure | ${options.scales.map((n) => `${n} shards`).join(" | ")} |`,
    `|---|${options.scales.map(() => "---").join("|")}|`,
    ...Object.entries(rows).map(([label, values]) => `| ${label} | ${values.join(" | ")} |`),
  ].join("\n");
  const targetTable = [
    "| target | result |",
    "|---|---|",
    ...Object.entries(targets).map(([k, ok]) => `| ${k} | ${ok ? "met" : "NOT met"} |`),
  ].join("\n");
  process.stdout.write(`\n${header}\n\n${table}\n\n${targetTable}\n\n`);
  const outDir = path.join(repoRoot(), "bench-results");
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, "bench.json");
  fs.writeFileSync(
    file,
    JSON.stringify({ date: new Date().toISOString(), header, options, summary, targets }, null, 2) +
      "\n",
  );
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
