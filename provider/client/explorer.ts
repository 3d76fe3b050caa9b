import axios, { type AxiosInstance } from "axios";
import { z } from "zod";
import { ExplorerResponseError } from "./errors";
import {
  createReservationResponseSchema,
  farmSchema,
  nodeSchema,
  reservationSchema,
  userSchema,
  type CreateReservationResponse,
  type Farm,
  type Node,
  type Reservation,
  type ReservationCreate,
  type User,
} from "./schemas";
import { Transport, type Attempt, type RetryPolicy } from "./transport";

/** Options of {@link ExplorerClient}. */
export interface ExplorerClientOptions {
  /**
   * Explorer base URL including the `/explorer` prefix, e.g. `https://explorer.grid.tf/explorer`.
   */
  baseUrl: string;
  /** Per-request deadline in ms (connect to last byte). Default 15 000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for requests safe to repeat. Default 5. */
  maxRetries?: number;
  /** Base of the exponential backoff in ms (full jitter, capped at 5 s). Default 200. */
  minBackoffMs?: number;
  /** HTTP transport; a fresh `axios.create()` per client when omitted. */
  transport?: AxiosInstance;
  /** Receives one line per retry. Never given bodies (they may carry secrets). */
  log?: (msg: string) => void;
}

/**
 * Filters of `GET /nodes`. Capacity filters compare against *total* resources (protocol.md#nodes).
 */
export interface NodeFilter {
  farm?: number;
  city?: string;
  country?: string;
  cru?: number;
  mru?: number;
  sru?: number;
  hru?: number;
}

/** Filters of `GET /reservations`. */
export interface ReservationFilter {
  customer_tid?: number;
  next_action?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RETRIES = 5;
const DEFAULT_MIN_BACKOFF_MS = 200;
const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;

/**
 * Typed client of the explorer API (reservations era). Every response is validated with zod;
 * failures are {@link ExplorerError} subclasses. Holds no global state: build one per operation.
 */
export class ExplorerClient {
  private readonly transport: Transport;

  constructor(opts: ExplorerClientOptions) {
    this.transport = new Transport({
      baseUrl: opts.baseUrl.replace(/\/+$/, ""),
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRetries: opts.maxRetries ?? DEFAULT_MAX_RETRIES,
      minBackoffMs: opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS,
      http: opts.transport ?? axios.create(),
      log: opts.log,
    });
  }

  /** `GET /nodes/{id}`; ExplorerNotFoundError on 404. */
  async getNode(nodeId: string): Promise<Node> {
    return this.get(`/nodes/${encodeURIComponent(nodeId)}`, nodeSchema());
  }

  /** `GET /nodes`, every page. */
  async listNodes(filter: NodeFilter = {}): Promise<Node[]> {
    return this.list("/nodes", filter, nodeSchema());
  }

  /** `GET /farms/{id}`. */
  async getFarm(id: number): Promise<Farm> {
    return this.get(`/farms/${id}`, farmSchema());
  }

  /** `GET /farms`, every page. */
  async listFarms(): Promise<Farm[]> {
    return this.list("/farms", {}, farmSchema());
  }

  /** `GET /users/{tid}`. */
  async getUser(tid: number): Promise<User> {
    return this.get(`/users/${tid}`, userSchema());
  }

  /** `GET /users?name=`: the first match, or undefined. */
  async findUserByName(name: string): Promise<User | undefined> {
    const users = await this.get("/users", z.array(userSchema()).nullable(), { name });
    return users?.[0];
  }

  /** `POST /users`. Retried only when the server surely did not act; never on a 4xx or 500. */
  async registerUser(u: { name: string; email: string; pubkey: string }): Promise<User> {
    return this.post("/users", u, userSchema(), "unsent");
  }

  /**
   * `POST /reservations`. NEVER retried here: a lost answer could mean a stored reservation. On
   * failure check `err.ambiguous` (network error after sending, or 5xx) and look the reservation
   * up by its metadata tag via {@link listReservations} before creating again.
   */
  async createReservation(body: ReservationCreate): Promise<CreateReservationResponse> {
    return this.post("/reservations", body, createReservationResponseSchema(), "never");
  }

  /** `GET /reservations/{id}`. */
  async getReservation(id: number): Promise<Reservation> {
    return this.get(`/reservations/${id}`, reservationSchema());
  }

  /** `GET /reservations`, every page (sorted by id ascending). */
  async listReservations(filter: ReservationFilter = {}): Promise<Reservation[]> {
    return this.list("/reservations", filter, reservationSchema());
  }

  /**
   * `POST /reservations/{id}/sign/delete`. Safe to repeat: the server replaces the signer's earlier
   * signature (protocol.md#provision-and-delete-signatures), so it is retried like a GET.
   */
  async signDelete(
    id: number,
    body: { tid: number; signature: string; epoch: number },
  ): Promise<void> {
    await this.post(`/reservations/${id}/sign/delete`, body, z.unknown(), "idempotent", [204]);
  }

  private async get<T>(
    path: string,
    schema: z.ZodType<T, z.ZodTypeDef, unknown>,
    params?: Record<string, string | number>,
  ): Promise<T> {
    const call = { method: "GET", path, params, schema, ok: [200], retry: "idempotent" } as const;
    return (await this.transport.call(call)).value;
  }

  /** A POST answered 200 or 201 (or one of `alsoOk`), retried as `retry` allows. */
  private async post<T>(
    path: string,
    data: unknown,
    schema: z.ZodType<T, z.ZodTypeDef, unknown>,
    retry: RetryPolicy,
    alsoOk: number[] = [],
  ): Promise<T> {
    const ok = [200, 201, ...alsoOk];
    return (await this.transport.call({ method: "POST", path, data, schema, ok, retry })).value;
  }

  /** Reads `Pages` from page 1, then fetches pages 2..N (protocol.md#pagination). */
  private async list<T>(
    path: string,
    filter: object,
    item: z.ZodType<T, z.ZodTypeDef, unknown>,
  ): Promise<T[]> {
    const params: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(filter)) {
      if (typeof v === "string" || typeof v === "number") params[k] = v;
    }
    const schema = z
      .array(item)
      .nullable()
      .transform((v) => v ?? []);
    const fetchPage = (page: number): Promise<Attempt<T[]>> =>
      this.transport.call({
        method: "GET",
        path,
        params: { ...params, page, size: PAGE_SIZE },
        schema,
        ok: [200],
        retry: "idempotent",
      });
    const first = await fetchPage(1);
    const pages = this.pageCount(path, first);
    const all = [...first.value];
    for (let page = 2; page <= pages; page++) {
      all.push(...(await fetchPage(page)).value);
    }
    return all;
  }

  private pageCount(path: string, first: Attempt<unknown>): number {
    const raw: unknown = first.headers["pages"];
    if (raw === undefined || raw === null || raw === "") return 1;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > MAX_PAGES) {
      throw new ExplorerResponseError({
        method: "GET",
        path,
        status: 200,
        issues: [{ path: ["Pages"], message: `header is not a page count: ${String(raw)}` }],
      });
    }
    return n;
  }
}
