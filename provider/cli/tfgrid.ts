#!/usr/bin/env node
/**
 * `tfgrid`: what is awkward inside a Pulumi program — creating an identity, looking at nodes,
 * planning a layout before deploying, and listing one's reservations. Uses the provider's own
 * explorer client, so what it shows is what the provider sees. One module per command; this one
 * holds the usage text and dispatches.
 *
 * Exit codes: 0 success, 1 the explorer or the request failed, 2 bad usage.
 */
import { DEFAULT_EXPLORER_URL } from "../config";
import { UsageError, type CliIo } from "./args";
import { identityNew } from "./identity-command";
import { nodes } from "./nodes";
import { plan } from "./plan";
import { recover } from "./recover";
import { reservations } from "./reservations";

const USAGE = `usage: tfgrid <command> [options]

commands:
  identity new --name NAME [--email EMAIL]     generate a mnemonic, register it, print the config lines
  nodes [--farm ID] [--city NAME] [--min-sru GiB]
                                               nodes with site, free capacity and user-access ability
  plan --data D --parity P --nodes ID,ID,… [--size GiB] [--require-site-tolerance]
  plan --data D --parity P --count N [--farms ID,…] [--cities NAME,…] [--countries NAME,…] [--size GiB]
                                               the redundancy report of a layout (given, or chosen as
                                               S3Archive's placement would), without deploying
       [--minio ID] [--tlog ID] [--standby ID]  where the index lives: MinIO (default: the first
                                               shard's node), its TLOG namespace, a standby MinIO
  reservations [--tid TID]                     your reservations with state, expiry and workload ids
  recover [--state FILE] [--dry-run]           after an interrupted \`pulumi up\`: cancel the reservations
                                               of the export's pending creates (export on stdin
                                               without --state); identity from TFGRID_TID and
                                               TFGRID_MNEMONIC

common options:
  --explorer URL   explorer base URL (default: $TFGRID_EXPLORER_URL, else ${DEFAULT_EXPLORER_URL})
  --json           machine-readable output
`;

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<void>> = {
  identity: identityNew,
  nodes,
  plan,
  reservations,
  recover,
};

/** Runs one command line; returns the exit code instead of exiting, so tests can call it. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (Object.hasOwn(COMMANDS, command) && (rest.includes("--help") || rest.includes("-h"))) {
    io.out(USAGE);
    return 0;
  }
  try {
    if (!run) throw new UsageError(`unknown command "${command}"`);
    await run(rest, io);
    return 0;
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.err(`tfgrid: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const hint =
      (err as { code?: string }).code === "explorer.network"
        ? "\n(is the explorer running? point at it with --explorer URL or TFGRID_EXPLORER_URL; start a local grid with: npx localgrid)"
        : "";
    io.err(`tfgrid ${command}: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    stdin: async () => {
      if (process.stdin.isTTY) return "";
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  }).then((code) => process.exit(code));
}
