import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { z } from "zod";
import {
  describeBody,
  ExplorerNetworkError,
  ExplorerResponseError,
  type ExplorerError,
  httpError,
} from "./errors";
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

/** Options of {@link ExplorerClient}. */
export interface ExplorerClientOptions {
  /** Explorer base URL including the `/explorer` prefix, e.g. `https://explorer.grid.tf/explorer`. */
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

/** Filters of `GET /nodes`. Capacity filters compare against *total* resources (§2.3). */
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

/**
 * When a failed request may be sent again:
 * - `idempotent`: network errors, 408, 429 and 5xx (GETs, sign-delete, user lookups).
 * - `unsent`: only failures that prove the server did not act: connection refused / DNS, 429, 502,
 *   503, 504 (user registration — a 500 there is a validation error).
 * - `never`: create; the caller resolves ambiguity (reservation.ts tags metadata and looks up).
 */
type RetryPolicy = "idempotent" | "unsent" | "never";

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RETRIES = 5;
const DEFAULT_MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 5_000;
/** A Retry-After beyond this is ignored in favour of our own backoff (as openai-node does). */
const MAX_RETRY_AFTER_MS = 60_000;
const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;
/** Errors proving the request never reached the server. */
const UNSENT_ERRNOS = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"];

interface Call<T> {
  method: "GET" | "POST" | "PUT";
  path: string;
  params?: Record<string, string | number>;
  data?: unknown;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  ok: number[];
  retry: RetryPolicy;
}

interface Attempt<T> {
  value: T;
  headers: AxiosResponse["headers"];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Typed client of the explorer API (reservations era). Every response is validated with zod;
 * failures are {@link ExplorerError} subclasses. Holds no global state: build one per operation.
 */
export class ExplorerClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly minBackoffMs: number;
  private readonly http: AxiosInstance;
  private readonly log?: (msg: string) => void;

  constructor(opts: ExplorerClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.minBackoffMs = opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    this.http = opts.transport ?? axios.create();
    this.log = opts.log;
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
    const users = await this.call({
      method: "GET",
      path: "/users",
      params: { name },
      schema: z.array(userSchema()).nullable(),
      ok: [200],
      retry: "idempotent",
    });
    return users.value?.[0];
  }

  /** `POST /users`. Retried only when the server surely did not act; never on a 4xx or 500. */
  async registerUser(u: { name: string; email: string; pubkey: string }): Promise<User> {
    const r = await this.call({
      method: "POST",
      path: "/users",
      data: u,
      schema: userSchema(),
      ok: [200, 201],
      retry: "unsent",
    });
    return r.value;
  }

  /**
   * `POST /reservations`. NEVER retried here: a lost answer could mean a stored reservation. On
   * failure check `err.ambiguous` (network error after sending, or 5xx) and look the reservation
   * up by its metadata tag via {@link listReservations} before creating again.
   */
  async createReservation(body: ReservationCreate): Promise<CreateReservationResponse> {
    const r = await this.call({
      method: "POST",
      path: "/reservations",
      data: body,
      schema: createReservationResponseSchema(),
      ok: [200, 201],
      retry: "never",
    });
    return r.value;
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
   * signature (§5.3), so it is retried like a GET.
   */
  async signDelete(
    id: number,
    body: { tid: number; signature: string; epoch: number },
  ): Promise<void> {
    await this.call({
      method: "POST",
      path: `/reservations/${id}/sign/delete`,
      data: body,
      schema: z.unknown(),
      ok: [200, 201, 204],
      retry: "idempotent",
    });
  }

  private async get<T>(path: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): Promise<T> {
    const r = await this.call({ method: "GET", path, schema, ok: [200], retry: "idempotent" });
    return r.value;
  }

  /** Reads `Pages` from page 1, then fetches pages 2..N (§1.2). */
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
      this.call({
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

  private async call<T>(c: Call<T>): Promise<Attempt<T>> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.once(c);
      if (!("error" in outcome)) return outcome;
      const { error, retryAfterMs } = outcome;
      if (attempt >= this.maxRetries || !retryable(c.retry, error)) throw error;
      const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, this.minBackoffMs * 2 ** attempt);
      const delay =
        retryAfterMs !== undefined && retryAfterMs <= MAX_RETRY_AFTER_MS ? retryAfterMs : backoff;
      const why =
        error instanceof ExplorerNetworkError
          ? error.timedOut
            ? "timeout"
            : (error.errno ?? "network error")
          : String(error.status);
      this.log?.(
        `explorer ${c.method} ${c.path} failed (${why}), retry ${attempt + 1}/${this.maxRetries} in ${Math.round(delay)} ms`,
      );
      await sleep(delay);
    }
  }

  /** One HTTP exchange: a parsed value, or the error plus any Retry-After hint. */
  private async once<T>(
    c: Call<T>,
  ): Promise<Attempt<T> | { error: ExplorerError; retryAfterMs?: number }> {
    const where = { method: c.method, path: c.path };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let res: AxiosResponse<string>;
    try {
      res = await this.http.request<string>({
        method: c.method,
        url: this.baseUrl + c.path,
        params: c.params,
        data: c.data === undefined ? undefined : JSON.stringify(c.data),
        headers: {
          Accept: "application/json",
          ...(c.data === undefined ? {} : { "Content-Type": "application/json" }),
        },
        timeout: this.timeoutMs,
        signal: controller.signal,
        responseType: "text",
        // Keep the raw text: we parse it ourselves so a malformed body is reported, not guessed.
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        // Following a redirect would replay a POST; GETs may follow one (e.g. a proxy moving the prefix).
        maxRedirects: c.method === "GET" ? 5 : 0,
      });
    } catch (e) {
      const timedOut =
        controller.signal.aborted || (axios.isAxiosError(e) && e.code === "ECONNABORTED");
      const errno = errnoOf(e);
      const sent = errno === undefined || !UNSENT_ERRNOS.includes(errno);
      return {
        error: new ExplorerNetworkError({
          ...where,
          reason: timedOut ? `no answer within ${this.timeoutMs} ms` : describeFailure(e, errno),
          timedOut,
          errno,
          ambiguous: c.retry === "never" && sent,
        }),
      };
    } finally {
      clearTimeout(timer);
    }

    const { body, json } = parseBody(res.data);
    if (!c.ok.includes(res.status)) {
      return {
        error: httpError({
          ...where,
          status: res.status,
          body,
          ambiguous: c.retry === "never" && res.status >= 500,
        }),
        retryAfterMs: parseRetryAfter(res.headers["retry-after"]),
      };
    }
    if (!json) {
      // A success status with a body that is not JSON at all (a truncated answer, a proxy's page).
      return {
        error: new ExplorerResponseError({
          ...where,
          status: res.status,
          body,
          issues: [{ path: [], message: `not JSON: ${describeBody(body)}` }],
        }),
      };
    }
    const parsed = c.schema.safeParse(body);
    if (!parsed.success) {
      return {
        error: new ExplorerResponseError({
          ...where,
          status: res.status,
          body,
          issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
        }),
      };
    }
    return { value: parsed.data, headers: res.headers };
  }
}

function retryable(policy: RetryPolicy, e: ExplorerError): boolean {
  if (policy === "never" || e instanceof ExplorerResponseError) return false;
  if (e instanceof ExplorerNetworkError) {
    return policy === "idempotent" || (e.errno !== undefined && UNSENT_ERRNOS.includes(e.errno));
  }
  const s = e.status ?? 0;
  if (policy === "unsent") return s === 429 || s === 502 || s === 503 || s === 504;
  return s === 408 || s === 429 || s >= 500;
}

/**
 * JSON when it parses; otherwise the raw text with `json: false` (an empty body is `null`, like
 * the explorer's, and counts as JSON).
 */
function parseBody(text: unknown): { body: unknown; json: boolean } {
  if (typeof text !== "string") return { body: text, json: true };
  if (text.trim() === "") return { body: null, json: true };
  try {
    return { body: JSON.parse(text) as unknown, json: true };
  } catch {
    return { body: text, json: false };
  }
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined if absent or unparsable. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function errnoOf(e: unknown): string | undefined {
  if (typeof e === "object" && e !== null && "code" in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === "string" && code.startsWith("E") && !code.startsWith("ERR_")) return code;
  }
  return undefined;
}

function describeFailure(e: unknown, errno: string | undefined): string {
  const msg = e instanceof Error ? e.message : String(e);
  return errno !== undefined && !msg.includes(errno) ? `${errno}: ${msg}` : msg;
}
