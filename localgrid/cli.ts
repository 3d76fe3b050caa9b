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

export function parseArgs(argv: string[]): LocalGridOptions | "help" {
  const opts: LocalGridOptions = {
    port: 8080,
    dataDir: ".localgrid",
    provisionDelayMs: 50,
    pollIntervalMs: 200,
  };
  const downNodes: string[] = [];
  const failingNodes: Record<string, string> = {};
  const num = (
    flag: string,
    v: string | undefined,
    min = 0,
    max = Number.MAX_SAFE_INTEGER,
  ): number => {
    const n = Number(v);
    if (v === undefined || v === "" || !Number.isFinite(n) || n < min || n > max)
      fail(`${flag} needs a number in [${min}, ${max}], got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1];
    const take = (): string => {
      if (v === undefined) fail(`${flag} needs a value`);
      i++;
      return v;
    };
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--port":
        opts.port = num(flag, take(), 0, 65535);
        break;
      case "--host":
        opts.host = take();
        break;
      case "--data-dir":
        opts.dataDir = take();
        break;
      case "--grid":
        opts.grid = loadGridFile(take());
        break;
      case "--seed":
        opts.seed = num(flag, take());
        break;
      case "--provision-delay-ms":
        opts.provisionDelayMs = num(flag, take());
        break;
      case "--poll-interval-ms":
        opts.pollIntervalMs = num(flag, take(), 1);
        break;
      case "--latency-ms":
        opts.latencyMs = num(flag, take());
        break;
      case "--fail-5xx-rate":
        opts.fail5xxRate = num(flag, take(), 0, 1);
        break;
      case "--drop-rate":
        opts.dropAfterProcessRate = num(flag, take(), 0, 1);
        break;
      case "--compact-bytes":
        opts.compactBytes = num(flag, take(), 1);
        break;
      case "--expose-secrets-for-tests":
        opts.exposeSecretsForTests = true;
        break;
      case "--clock-offset-s":
        opts.clockOffsetSeconds = num(flag, take(), -Number.MAX_SAFE_INTEGER);
        break;
      case "--down-node":
        downNodes.push(take());
        break;
      case "--fail-node": {
        const spec = take();
        const eq = spec.indexOf("=");
        if (eq <= 0 || eq === spec.length - 1) fail(`--fail-node needs ID=MESSAGE, got ${spec}`);
        failingNodes[spec.slice(0, eq)] = spec.slice(eq + 1);
        break;
      }
      default:
        fail(`unknown option ${flag}`);
    }
  }
  opts.downNodes = downNodes;
  opts.failingNodes = failingNodes;
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
