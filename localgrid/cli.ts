#!/usr/bin/env node
/**
 * `localgrid` command: runs the local grid as a process. Prints exactly one line on stdout,
 * `localgrid listening on <explorer url>`, which scripts and tests parse; everything else goes
 * to stderr. SIGINT/SIGTERM flush state and exit 0.
 */
import { loadGridFile, startLocalGrid } from "./index";
import type { LocalGridOptions } from "./index";

const HELP = `usage: localgrid [options]

  --port N                 listen port (default 8080; 0 = pick a free port)
  --host H                 listen address (default 127.0.0.1)
  --data-dir DIR           state directory (default .localgrid, made 0700); every change is in
                           its write-ahead log (fsync'ed before the answer) or state.json
  --compact-bytes N        compact the write-ahead log into state.json above N bytes (default 4 MiB)
  --grid FILE              JSON grid definition replacing the default grid
  --seed N                 seed of the fault PRNG (default 1)
  --provision-delay-ms N   delay per provisioned workload (default 50)
  --poll-interval-ms N     node poll interval (default 200)
  --latency-ms N           added latency per explorer request (default 0)
  --fail-5xx-rate R        0..1, answer 500 before processing (default 0)
  --drop-rate R            0..1, process then drop the connection (default 0)
  --down-node ID           a node that never polls (repeatable)
  --fail-node ID=MESSAGE   a node that fails every workload with MESSAGE (repeatable)
  --clock-offset-s N       move the grid clock by N seconds
  --expose-secrets-for-tests
                           serve GET /__localgrid/secrets/{rid}-{wid}: the secrets nodes opened,
                           to anyone (tests only; never on a grid others use)
  --help                   this text

Control API: GET /__localgrid/state, POST /__localgrid/reset, GET /__localgrid/counters,
GET|PUT /__localgrid/faults, GET|PUT /__localgrid/clock
`;

function fail(msg: string): never {
  process.stderr.write(`localgrid: ${msg}\n${HELP}`);
  process.exit(2);
}

/** The options that take a number: the option they set, and the range they accept. */
type NumberOption = {
  [K in keyof LocalGridOptions]-?: NonNullable<LocalGridOptions[K]> extends number ? K : never;
}[keyof LocalGridOptions];
const NUMBER_FLAGS = new Map<string, [NumberOption, number, number?]>([
  ["--port", ["port", 0, 65535]],
  ["--seed", ["seed", 0]],
  ["--provision-delay-ms", ["provisionDelayMs", 0]],
  ["--poll-interval-ms", ["pollIntervalMs", 1]],
  ["--latency-ms", ["latencyMs", 0]],
  ["--fail-5xx-rate", ["fail5xxRate", 0, 1]],
  ["--drop-rate", ["dropAfterProcessRate", 0, 1]],
  ["--compact-bytes", ["compactBytes", 1]],
  ["--clock-offset-s", ["clockOffsetSeconds", -Number.MAX_SAFE_INTEGER]],
]);

/** The options that take any other value, and how each applies it. */
const VALUE_FLAGS = new Map<string, (opts: ParsedOptions, v: string) => void>([
  ["--host", (opts, v) => (opts.host = v)],
  ["--data-dir", (opts, v) => (opts.dataDir = v)],
  ["--grid", (opts, v) => (opts.grid = loadGridFile(v))],
  ["--down-node", (opts, v) => opts.downNodes.push(v)],
  [
    "--fail-node",
    (opts, spec) => {
      const eq = spec.indexOf("=");
      if (eq <= 0 || eq === spec.length - 1) fail(`--fail-node needs ID=MESSAGE, got ${spec}`);
      opts.failingNodes[spec.slice(0, eq)] = spec.slice(eq + 1);
    },
  ],
]);

type ParsedOptions = LocalGridOptions & {
  downNodes: string[];
  failingNodes: Record<string, string>;
};

function num(flag: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (v === "" || !Number.isFinite(n) || n < min || n > max)
    fail(`${flag} needs a number in [${min}, ${max}], got ${v}`);
  return n;
}

export function parseArgs(argv: string[]): LocalGridOptions | "help" {
  const opts: ParsedOptions = {
    port: 8080,
    dataDir: ".localgrid",
    provisionDelayMs: 50,
    pollIntervalMs: 200,
    downNodes: [],
    failingNodes: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") return "help";
    if (flag === "--expose-secrets-for-tests") {
      opts.exposeSecretsForTests = true;
      continue;
    }
    const numeric = NUMBER_FLAGS.get(flag);
    const apply = VALUE_FLAGS.get(flag);
    if (!numeric && !apply) fail(`unknown option ${flag}`);
    const v = argv[++i];
    if (v === undefined) fail(`${flag} needs a value`);
    if (numeric) opts[numeric[0]] = num(flag, v, numeric[1], numeric[2]);
    else if (apply) apply(opts, v);
  }
  return opts;
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed === "help") {
    process.stdout.write(HELP);
    return;
  }
  const grid = await startLocalGrid({ ...parsed, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`localgrid listening on ${grid.url}\n`);
  process.stderr.write(
    `control API: ${grid.origin}/__localgrid/state; ${grid.nodeIds.length} nodes; data dir ${parsed.dataDir}\n`,
  );
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${sig}: flushing state and stopping\n`);
    grid.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`close failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`localgrid: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
