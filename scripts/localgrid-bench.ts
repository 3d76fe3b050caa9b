/**
 * localgrid benchmark: runs the CLI in a child process (so its resident memory is measured on
 * its own), stores 1,000 reservations, then measures throughput and p50/p99 latency of
 * `GET /reservations/{id}`, `GET /reservations?customer_tid=` and `POST /reservations` with a
 * bounded concurrent loop on loopback. Prints a table, writes bench-results/localgrid.json.
 *
 *   npm run bench:localgrid     (= npm run build && node dist/scripts/localgrid-bench.js)
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import sodium from "libsodium-wrappers";

const STORED = 1000;
const CONCURRENCY = 8;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function call(
  method: string,
  url: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: body
          ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function rssMiB(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: Math.round(kb("VmRSS")), hwm: Math.round(kb("VmHWM")) };
}

interface Row {
  route: string;
  requests: number;
  concurrency: number;
  throughputPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function measure(
  route: string,
  n: number,
  make: (i: number) => [string, string, string?],
  expectStatus: number,
): Promise<Row> {
  const lat: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const [m, u, b] = make(i);
      const s = process.hrtime.bigint();
      const res = await call(m, u, b);
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (res.status !== expectStatus)
        throw new Error(`${route}: status ${res.status} ${res.text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p: number) =>
    Number(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2));
  return {
    route,
    requests: n,
    concurrency: CONCURRENCY,
    throughputPerS: Math.round(n / total),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: q(1),
  };
}

async function main(): Promise<void> {
  await sodium.ready;
  const dir = mkdtempSync(join(tmpdir(), "localgrid-bench-"));
  const cli = join(__dirname, "../localgrid/cli.js");
  const proc = spawn(
    process.execPath,
    [cli, "--port", "0", "--data-dir", dir, "--provision-delay-ms", "0"],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", (l) =>
      resolve(l.replace("localgrid listening on ", "")),
    );
    proc.once("exit", (c) => reject(new Error(`localgrid exited ${c}`)));
  });
  try {
    const kp = sodium.crypto_sign_keypair();
    const user = JSON.parse(
      (
        await call(
          "POST",
          `${url}/users`,
          JSON.stringify({
            name: "bench.3bot",
            email: "bench@example.org",
            pubkey: sodium.to_hex(kp.publicKey),
          }),
        )
      ).text,
    ) as { id: number };
    const nodes = JSON.parse((await call("GET", `${url}/nodes?size=100`)).text) as {
      node_id: string;
    }[];
    const body = (i: number): string => {
      const now = Math.floor(Date.now() / 1000);
      const data = {
        description: `bench ${i}`,
        currencies: ["TFT"],
        signing_request_provision: { signers: [], quorum_min: 0 },
        signing_request_delete: { signers: [user.id], quorum_min: 1 },
        containers: [],
        zdbs: [],
        networks: [],
        kubernetes: [],
        proxies: [],
        reverse_proxies: [],
        subdomains: [],
        domain_delegates: [],
        gateway4to6: [],
        volumes: [
          {
            workload_id: 1,
            node_id: nodes[i % nodes.length].node_id,
            size: 1,
            type: 1,
            stats_aggregator: [],
            farmer_tid: 0,
          },
        ],
        expiration_provisioning: now + 900,
        expiration_reservation: now + 86400,
      };
      const json = JSON.stringify(data);
      const sig = sodium.to_hex(
        sodium.crypto_sign_detached(sodium.from_string(json), kp.privateKey),
      );
      return JSON.stringify({
        json,
        data_reservation: data,
        customer_tid: user.id,
        customer_signature: sig,
        next_action: 0,
        signatures_provision: [],
        signatures_farmer: [],
        signatures_delete: [],
        epoch: 0,
        metadata: "",
        results: [],
      });
    };
    const seedBodies = Array.from({ length: STORED }, (_, i) => body(i));
    await measure("seed", STORED, (i) => ["POST", `${url}/reservations`, seedBodies[i]], 201);
    await new Promise((r) => setTimeout(r, 1500)); // let nodes provision the 1,000 volumes
    const postBodies = Array.from({ length: 1000 }, (_, i) => body(STORED + i));
    const rows = [
      await measure(
        "GET /reservations/{id}",
        5000,
        (i) => ["GET", `${url}/reservations/${((i * 7919) % STORED) + 1}`],
        200,
      ),
      await measure(
        "GET /reservations?customer_tid=",
        500,
        () => ["GET", `${url}/reservations?customer_tid=${user.id}`],
        200,
      ),
      await measure(
        "POST /reservations",
        1000,
        (i) => ["POST", `${url}/reservations`, postBodies[i]],
        201,
      ),
    ];
    const mem = rssMiB(proc.pid!);
    console.log(
      `localgrid bench: ${STORED} stored reservations, concurrency ${CONCURRENCY}, loopback`,
    );
    console.log(["route".padEnd(34), "req", "req/s", "p50 ms", "p99 ms", "max ms"].join("\t"));
    for (const r of rows)
      console.log(
        [r.route.padEnd(34), r.requests, r.throughputPerS, r.p50Ms, r.p99Ms, r.maxMs].join("\t"),
      );
    console.log(`resident memory of the localgrid process: ${mem.rss} MiB (peak ${mem.hwm} MiB)`);
    mkdirSync("bench-results", { recursive: true });
    writeFileSync(
      "bench-results/localgrid.json",
      JSON.stringify(
        {
          date: new Date().toISOString(),
          storedReservations: STORED,
          rows,
          rssMiB: mem.rss,
          peakRssMiB: mem.hwm,
        },
        null,
        2,
      ),
    );
  } finally {
    proc.kill("SIGTERM");
    agent.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
