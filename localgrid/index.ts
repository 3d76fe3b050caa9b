/**
 * localgrid: an explorer-compatible server (reservations API, docs/protocol.md) with simulated
 * farms and zos nodes. `startLocalGrid()` is what tests embed; `cli.ts` runs it as a process.
 * Written from docs/protocol.md only — it never imports the provider
 * (docs/ARCHITECTURE.md#the-local-grid).
 */
import type { AddressInfo } from "node:net";
import { controlRoutes } from "./control";
import { directoryRoutes } from "./routes/directory";
import { reservationRoutes } from "./routes/reservations";
import { userRoutes } from "./routes/users";
import { defaultGrid } from "./grid";
import type { GridDefinition } from "./grid";
import { SimNode } from "./node";
import { ExplorerServer } from "./server";
import { mulberry32 } from "./settings";
import type { FaultPatch, FaultSettings } from "./settings";
import { Store } from "./store";

export { defaultGrid, loadGridFile, parseGrid } from "./grid";
export type { GridDefinition, NodeDefinition, FarmDefinition } from "./grid";
export type { FaultSettings } from "./settings";
export { nodeKeysFromSeed } from "./crypto";

export interface LocalGridOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /**
   * Persist state here (a write-ahead log fsync'ed before each answer, compacted into
   * state.json; the dir is made 0700, the files are 0600); omitted = in memory only.
   */
  dataDir?: string;
  /** Log size in bytes above which it is compacted into state.json; default 4 MiB. */
  compactBytes?: number;
  /**
   * Serve `GET /__localgrid/secrets/{gwid}`, the secrets nodes opened, to anyone who asks. For
   * tests that prove a node could open what a client sealed; never on a shared grid.
   */
  exposeSecretsForTests?: boolean;
  /** Default: `defaultGrid()` (or the grid saved in dataDir). */
  grid?: GridDefinition;
  /** Drives all fault randomness (mulberry32). Default 1. */
  seed?: number;
  /** Per workload; default 0. */
  provisionDelayMs?: number;
  /** Node poll interval; default 200 ms (real zos: 10 s). */
  pollIntervalMs?: number;
  /** Added to every customer-facing explorer request; default 0. */
  latencyMs?: number;
  /** 0..1: answer 500 before processing; default 0. */
  fail5xxRate?: number;
  /** 0..1: process, then destroy the socket without answering; default 0. */
  dropAfterProcessRate?: number;
  /** Node ids that never poll. */
  downNodes?: string[];
  /** Node id → message; every workload on that node fails with it. */
  failingNodes?: Record<string, string>;
  /** Moves the grid clock (seconds); also settable via `PUT /__localgrid/clock`. */
  clockOffsetSeconds?: number;
  /** Log sink; default: silent. */
  log?: (line: string) => void;
}

export interface LocalGrid {
  /** Explorer base URL, e.g. "http://127.0.0.1:43123/explorer". */
  readonly url: string;
  /** "http://127.0.0.1:43123". */
  readonly origin: string;
  readonly grid: GridDefinition;
  /** Node ids in grid order (base58 of each node's ed25519 public key). */
  readonly nodeIds: string[];
  setFaults(f: Partial<FaultSettings> & { seed?: number }): void;
  faults(): FaultSettings;
  /** Requests per route, keyed "METHOD /route/template", e.g. "GET /explorer/reservations/{id}". */
  counters(): Record<string, number>;
  /** Stops nodes and the server, flushes state. */
  close(): Promise<void>;
}

export async function startLocalGrid(opts: LocalGridOptions = {}): Promise<LocalGrid> {
  const log = opts.log ?? ((): void => undefined);
  const store = await Store.open({
    grid: opts.grid,
    defaultGrid,
    dataDir: opts.dataDir,
    compactBytes: opts.compactBytes,
    clockOffsetSeconds: opts.clockOffsetSeconds,
    log,
  });
  const faults = new FaultControl(initialFaults(opts, store), opts.seed ?? 1);
  const startedAt = store.now();
  const routes = [
    ...userRoutes(store.phonebook),
    ...directoryRoutes({ store, isDown: (id) => faults.live.downNodes.includes(id), startedAt }),
    ...reservationRoutes(store),
    ...controlRoutes({
      store,
      faults: () => faults.get(),
      setFaults: (p) => faults.set(p),
      counters: () => server.counters(),
      resetCounters: () => server.resetCounters(),
      exposeSecretsForTests: opts.exposeSecretsForTests ?? false,
    }),
  ];
  const server: ExplorerServer = new ExplorerServer({
    routes,
    faults: () => faults.live,
    random: () => faults.random(),
    log,
    durable: () => store.durable(),
  });
  const origin = await listen(server, opts.host ?? "127.0.0.1", opts.port ?? 0);

  const nodes = store.nodeOrder.map(
    (id) => new SimNode(store, store.nodes.get(id)!, () => faults.live, log),
  );
  nodes.forEach((n) => n.start());

  let closed = false;
  return {
    url: `${origin}/explorer`,
    origin,
    grid: store.grid,
    nodeIds: [...store.nodeOrder],
    setFaults: (f) => faults.set(f),
    faults: () => faults.get(),
    counters: () => server.counters(),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all(nodes.map((n) => n.stop()));
      await new Promise<void>((resolve) => {
        server.http.close(() => resolve());
        server.http.closeAllConnections();
      });
      await store.close();
    },
  };
}

/** The fault settings a grid starts with; every node they name must be on the grid. */
function initialFaults(opts: LocalGridOptions, store: Store): FaultSettings {
  const faults: FaultSettings = {
    latencyMs: opts.latencyMs ?? 0,
    fail5xxRate: opts.fail5xxRate ?? 0,
    dropAfterProcessRate: opts.dropAfterProcessRate ?? 0,
    provisionDelayMs: opts.provisionDelayMs ?? 0,
    pollIntervalMs: opts.pollIntervalMs ?? 200,
    downNodes: [...(opts.downNodes ?? [])],
    failingNodes: { ...(opts.failingNodes ?? {}) },
    badAnswerRate: 0,
    badAnswer: "garbage-json",
    oddResultNodes: [],
  };
  for (const id of [...faults.downNodes, ...Object.keys(faults.failingNodes)]) {
    if (!store.nodes.has(id)) throw new Error(`unknown node id ${id}`);
  }
  return faults;
}

/**
 * The running grid's fault settings and the PRNG that draws them: the server and the nodes read
 * `live`; the control API and the embedding test read copies and patch it.
 */
class FaultControl {
  private prng: () => number;
  constructor(
    readonly live: FaultSettings,
    seed: number,
  ) {
    this.prng = mulberry32(seed);
  }

  random(): number {
    return this.prng();
  }

  get(): FaultSettings {
    const f = this.live;
    return {
      ...f,
      downNodes: [...f.downNodes],
      failingNodes: { ...f.failingNodes },
      oddResultNodes: [...f.oddResultNodes],
    };
  }

  /** A new `seed` restarts the PRNG. */
  set(p: FaultPatch): void {
    const { seed, ...rest } = p;
    if (seed !== undefined) this.prng = mulberry32(seed);
    Object.assign(this.live, rest);
  }
}

/** Listens on `host:port` (0: a free port); resolves to the origin URL. */
async function listen(server: ExplorerServer, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.http.once("error", reject);
    server.http.listen(port, host, () => resolve());
  });
  const bound = (server.http.address() as AddressInfo).port;
  return `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
}
