/**
 * Deployment benchmark (issue #6): against a local grid process with a provisioning delay of
 * D = 2 s per workload and 50 ms latency per explorer request, runs `pulumi up` and
 * `pulumi destroy` of (a) the reference stack (Pulumi.dev.yaml: 6 shards, 4+2) and (b) a 16+4
 * archive over 20 nodes of three farms, plus `pulumi up` of an empty program as the baseline of
 * the CLI's own start-up (and, as a second, explanatory baseline, of a program with one no-op
 * dynamic resource, which adds the Node dynamic-provider host's start-up). Reports wall times, the ratio to the critical-path bound, explorer
 * requests per workload (the grid's counters), serialized provider bytes per resource (from
 * `pulumi stack export`) and the peak resident memory of the dynamic-provider process. Prints a
 * table and writes bench-results/bench.json. Not a timed test: figures depend on the machine.
 *
 *   npm run bench      (= npm run build && node dist/scripts/bench.js)
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { registerIdentity, type RegisteredIdentity } from "../provider/cli/identity";
import { GridProcess } from "./lib/grid-process";
import { repoRoot } from "./lib/repo";
import { StackWorkspace } from "./lib/workspace";

/** Provisioning delay per workload, ms. */
const D_MS = 2000;
const LATENCY_MS = 50;
/**
 * `pulumi up/destroy --parallel`. The engine's default is 4 × CPUs (8 on a 2-CPU runner), which
 * turns the 16+4 stack's 22 independent first-level creates into three waves of D each whatever
 * the provider does; the critical-path bound assumes they proceed together, so the bench asks
 * for enough. Users with large archives on small machines should pass it too.
 */
const ENGINE_PARALLEL = 32;
/**
 * Longest chain of dependent provisions of the S3 stack: the 0-db namespaces, the network and
 * the metadata volume are independent; the container waits for all of them. Two deep.
 */
const CRITICAL_DEPTH = 2;
const TARGETS = {
  upRatio: 1.5,
  requestsPerWorkload: 6,
  archiveVsReference: 1.3,
  providerRssMiB: 300,
  providerBytesPerResource: 50 * 1024,
};

interface Run {
  wallMs: number;
  /** Explorer requests during the command, by route. */
  requests: Record<string, number>;
  /** Peak resident memory of the dynamic-provider process(es), MiB (largest single process). */
  peakProviderRssMiB: number;
}

interface Scenario {
  name: string;
  workloads: number;
  up: Run;
  destroy: Run;
  /** up wall − empty-stack up wall. */
  upNetMs: number;
  /** upNetMs / (CRITICAL_DEPTH × D). */
  upRatio: number;
  /** (up wall − one-dynamic-resource up wall) / (CRITICAL_DEPTH × D). */
  upRatioDynamicBaseline: number;
  requestsPerWorkloadUp: number;
  requestsPerWorkloadDestroy: number;
  providerBytes: { max: number; mean: number; byType: Record<string, number> };
}

function pulumiBinDir(): string {
  const out = execFileSync("bash", [path.join(repoRoot(), "scripts", "ensure-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop()!;
}

/**
 * Resident memory (KiB) of every dynamic-provider process of this workspace: the host runs with
 * the program folder as its working dir, so it is told apart by its PULUMI_BACKEND_URL.
 */
function providerRssKiB(backendDir: string): number[] {
  const out: number[] = [];
  const backend = `PULUMI_BACKEND_URL=file://${backendDir}`;
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("dynamic-provider")) continue;
      if (!fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(backend)) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) out.push(Number(m[1]));
    } catch {
      // the process ended between readdir and read
    }
  }
  return out;
}

function delta(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after))
    if (v - (before[k] ?? 0) > 0) d[k] = v - (before[k] ?? 0);
  return d;
}

const total = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

async function timed(grid: GridProcess, ws: StackWorkspace, args: string[]): Promise<Run> {
  let peak = 0;
  const sampler = setInterval(() => {
    for (const kib of providerRssKiB(ws.backendDir)) peak = Math.max(peak, kib);
  }, 200);
  const before = await grid.counters();
  const start = process.hrtime.bigint();
  try {
    await ws.must(args);
  } finally {
    clearInterval(sampler);
  }
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const requests = delta(await grid.counters(), before);
  return { wallMs, requests, peakProviderRssMiB: peak / 1024 };
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

/** `__provider` string length per dynamic resource, and the number of reservations. */
async function stateFigures(ws: StackWorkspace): Promise<{
  workloads: number;
  providerBytes: Scenario["providerBytes"];
}> {
  const exported = JSON.parse(await ws.exportState()) as {
    deployment: {
      resources?: Array<{
        type: string;
        id?: string;
        custom?: boolean;
        inputs?: { __provider?: unknown };
      }>;
    };
  };
  const resources = exported.deployment.resources ?? [];
  const sizes: { type: string; bytes: number }[] = [];
  for (const r of resources) {
    const p = r.inputs?.__provider;
    if (typeof p === "string")
      sizes.push({ type: r.type.replace(/^.*:/, ""), bytes: Buffer.byteLength(p) });
  }
  const byType: Record<string, number> = {};
  for (const s of sizes) byType[s.type] = Math.max(byType[s.type] ?? 0, s.bytes);
  return {
    workloads: resources.filter((r) => r.custom && /^\d+$/.test(r.id ?? "")).length,
    providerBytes: {
      max: Math.max(0, ...sizes.map((s) => s.bytes)),
      mean: sizes.length ? Math.round(sizes.reduce((a, s) => a + s.bytes, 0) / sizes.length) : 0,
      byType,
    },
  };
}

async function scenario(
  name: string,
  grid: GridProcess,
  ws: StackWorkspace,
  emptyUpMs: number,
  dynamicUpMs: number,
): Promise<Scenario> {
  process.stderr.write(`bench: ${name}: up…\n`);
  const parallel = ["--parallel", String(ENGINE_PARALLEL)];
  const up = await timed(grid, ws, ["up", "--yes", "--skip-preview", ...parallel]);
  const figures = await stateFigures(ws);
  process.stderr.write(`bench: ${name}: destroy…\n`);
  const destroy = await timed(grid, ws, ["destroy", "--yes", "--skip-preview", ...parallel]);
  const upNetMs = up.wallMs - emptyUpMs;
  return {
    name,
    workloads: figures.workloads,
    up,
    destroy,
    upNetMs,
    upRatio: upNetMs / (CRITICAL_DEPTH * D_MS),
    upRatioDynamicBaseline: (up.wallMs - dynamicUpMs) / (CRITICAL_DEPTH * D_MS),
    requestsPerWorkloadUp: total(up.requests) / figures.workloads,
    requestsPerWorkloadDestroy: total(destroy.requests) / figures.workloads,
    providerBytes: figures.providerBytes,
  };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const mark = (ok: boolean): string => (ok ? "met" : "NOT met");

async function main(): Promise<void> {
  const root = repoRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfgrid-bench-"));
  const bin = pulumiBinDir();
  const grid = await GridProcess.start({
    dataDir: path.join(dir, "grid"),
    args: ["--provision-delay-ms", String(D_MS), "--latency-ms", String(LATENCY_MS)],
  });
  try {
    const identity = await registerIdentity({ explorerUrl: grid.url, name: "bench" });
    const archiveFile = path.join(dir, "Pulumi.archive16.yaml");
    fs.writeFileSync(
      archiveFile,
      fs
        .readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")
        .replace(/s3:shardCount: 6/, "s3:shardCount: 20")
        .replace(
          /s3:shardFarms:\n(\s+- \d+\n)+/,
          "s3:shardFarms:\n    - 12775\n    - 82872\n    - 71\n",
        )
        .replace(/s3:dataShards: 4/, "s3:dataShards: 16")
        .replace(/s3:parityShards: 2/, "s3:parityShards: 4"),
    );
    const empty = await workspace(dir, "empty", grid, identity, bin, {
      projectSource: path.join(root, "tests", "e2e", "programs", "empty"),
    });
    const oneDynamic = await workspace(dir, "one-dynamic", grid, identity, bin, {
      projectSource: path.join(root, "tests", "e2e", "programs", "one-dynamic"),
    });
    const reference = await workspace(dir, "reference", grid, identity, bin, {});
    const archive = await workspace(dir, "archive16", grid, identity, bin, {
      stackFile: archiveFile,
    });

    process.stderr.write("bench: empty stack: up…\n");
    // Twice: the first run also warms the file-system cache of node_modules.
    await timed(grid, empty, ["up", "--yes", "--skip-preview"]);
    const emptyUp = await timed(grid, empty, ["up", "--yes", "--skip-preview"]);
    // The second baseline: the same plus the Node dynamic-provider host, which every stack of
    // dynamic resources starts and the empty stack does not (not part of the target).
    process.stderr.write("bench: one no-op dynamic resource: up…\n");
    await timed(grid, oneDynamic, ["up", "--yes", "--skip-preview"]);
    const dynamicUp = await timed(grid, oneDynamic, ["up", "--yes", "--skip-preview"]);

    const ref = await scenario(
      "reference 4+2 (6 shards)",
      grid,
      reference,
      emptyUp.wallMs,
      dynamicUp.wallMs,
    );
    const a16 = await scenario(
      "archive 16+4 (20 shards)",
      grid,
      archive,
      emptyUp.wallMs,
      dynamicUp.wallMs,
    );

    const boundMs = CRITICAL_DEPTH * D_MS;
    const targets = {
      [`up − empty up ≤ ${TARGETS.upRatio} × critical path (reference)`]:
        ref.upRatio <= TARGETS.upRatio,
      [`up − empty up ≤ ${TARGETS.upRatio} × critical path (16+4)`]: a16.upRatio <= TARGETS.upRatio,
      [`≤ ${TARGETS.requestsPerWorkload} explorer requests per workload (up, both)`]:
        Math.max(ref.requestsPerWorkloadUp, a16.requestsPerWorkloadUp) <=
        TARGETS.requestsPerWorkload,
      [`16+4 up ≤ ${TARGETS.archiveVsReference} × reference up`]:
        a16.up.wallMs <= TARGETS.archiveVsReference * ref.up.wallMs,
      [`provider < ${TARGETS.providerRssMiB} MiB resident (16+4)`]:
        a16.up.peakProviderRssMiB > 0 && a16.up.peakProviderRssMiB < TARGETS.providerRssMiB,
      [`serialized provider < 50 KiB per resource`]:
        Math.max(ref.providerBytes.max, a16.providerBytes.max) < TARGETS.providerBytesPerResource,
    };

    const rows: [string, string, string][] = [
      ["workloads (reservations)", String(ref.workloads), String(a16.workloads)],
      ["`pulumi up` wall", s(ref.up.wallMs), s(a16.up.wallMs)],
      ["`pulumi up` of the empty stack", s(emptyUp.wallMs), s(emptyUp.wallMs)],
      ["up − empty up", s(ref.upNetMs), s(a16.upNetMs)],
      [`critical-path bound (${CRITICAL_DEPTH} × D)`, s(boundMs), s(boundMs)],
      ["ratio (up − empty) / bound", ref.upRatio.toFixed(2), a16.upRatio.toFixed(2)],
      ["`pulumi up` of one no-op dynamic resource", s(dynamicUp.wallMs), s(dynamicUp.wallMs)],
      [
        "ratio (up − one no-op dynamic up) / bound",
        ref.upRatioDynamicBaseline.toFixed(2),
        a16.upRatioDynamicBaseline.toFixed(2),
      ],
      ["`pulumi destroy` wall", s(ref.destroy.wallMs), s(a16.destroy.wallMs)],
      [
        "explorer requests / workload (up)",
        ref.requestsPerWorkloadUp.toFixed(1),
        a16.requestsPerWorkloadUp.toFixed(1),
      ],
      [
        "explorer requests / workload (destroy)",
        ref.requestsPerWorkloadDestroy.toFixed(1),
        a16.requestsPerWorkloadDestroy.toFixed(1),
      ],
      [
        "serialized provider per resource (max / mean)",
        `${(ref.providerBytes.max / 1024).toFixed(1)} / ${(ref.providerBytes.mean / 1024).toFixed(1)} KiB`,
        `${(a16.providerBytes.max / 1024).toFixed(1)} / ${(a16.providerBytes.mean / 1024).toFixed(1)} KiB`,
      ],
      [
        "provider peak RSS (up)",
        `${ref.up.peakProviderRssMiB.toFixed(0)} MiB`,
        `${a16.up.peakProviderRssMiB.toFixed(0)} MiB`,
      ],
      [
        "provider peak RSS (destroy)",
        `${ref.destroy.peakProviderRssMiB.toFixed(0)} MiB`,
        `${a16.destroy.peakProviderRssMiB.toFixed(0)} MiB`,
      ],
    ];
    const header = `D = ${D_MS / 1000} s per workload, ${LATENCY_MS} ms explorer latency, local grid process, --parallel ${ENGINE_PARALLEL}; node ${process.version}, ${os.cpus().length} CPUs`;
    const table = [
      `| figure | reference 4+2 (6 shards) | 16+4 (20 shards, 3 farms) |`,
      `|---|---|---|`,
      ...rows.map((r) => `| ${r.join(" | ")} |`),
    ].join("\n");
    const targetTable = [
      `| target | result |`,
      `|---|---|`,
      ...Object.entries(targets).map(([k, ok]) => `| ${k} | ${mark(ok)} |`),
    ].join("\n");
    process.stdout.write(`\n${header}\n\n${table}\n\n${targetTable}\n\n`);

    const outDir = path.join(root, "bench-results");
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(
      path.join(outDir, "bench.json"),
      JSON.stringify(
        {
          date: new Date().toISOString(),
          command: "npm run bench",
          settings: {
            provisionDelayMs: D_MS,
            latencyMs: LATENCY_MS,
            criticalDepth: CRITICAL_DEPTH,
            engineParallel: ENGINE_PARALLEL,
          },
          machine: { node: process.version, cpus: os.cpus().length, platform: process.platform },
          emptyUp: emptyUp,
          oneDynamicResourceUp: dynamicUp,
          scenarios: [ref, a16],
          targets: Object.fromEntries(Object.entries(targets).map(([k, ok]) => [k, ok])),
        },
        null,
        2,
      ) + "\n",
    );
    process.stdout.write(
      `wrote ${path.relative(process.cwd(), path.join(outDir, "bench.json"))}\n`,
    );
  } finally {
    await grid.stop();
    if (!process.env.KEEP_BENCH_DIR) fs.rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`bench: kept ${dir}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
