// One explorer request over HTTP: the exchange itself, the reading of its answer into a validated
// value or an ExplorerError, and the retries its RetryPolicy allows.
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { z } from "zod";
import {
  describeBody,
  ExplorerNetworkError,
  ExplorerResponseError,
  type ExplorerError,
  httpError,
} from "./errors";

/**
 * When a failed request may be sent again:
 * - `idempotent`: network errors, 408, 429 and 5xx (GETs, sign-delete, user lookups).
 * - `unsent`: only failures that prove the server did not act: connection refused / DNS, 429, 502,
 *   503, 504 (user registration — a 500 there is a validation error).
 * - `never`: create; the caller resolves ambiguity (provider/reservation/register.ts tags
 *   metadata and looks up).
 */
export type RetryPolicy = "idempotent" | "unsent" | "never";

/** One request: where it goes, what a success looks like, and whether it may be repeated. */
export interface Call<T> {
  method: "GET" | "POST" | "PUT";
  path: string;
  params?: Record<string, string | number>;
  data?: unknown;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  ok: readonly number[];
  retry: RetryPolicy;
}

/** A successful answer: the validated body and the headers (`Pages`). */
export interface Attempt<T> {
  value: T;
  headers: AxiosResponse["headers"];
}

type Failure = { error: ExplorerError; retryAfterMs?: number };

export interface TransportOptions {
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  minBackoffMs: number;
  http: AxiosInstance;
  log?: (msg: string) => void;
}

const MAX_BACKOFF_MS = 5_000;
/** A Retry-After beyond this is ignored in favour of our own backoff (as openai-node does). */
const MAX_RETRY_AFTER_MS = 60_000;
/** Errors proving the request never reached the server. */
const UNSENT_ERRNOS = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Transport {
  constructor(private readonly o: TransportOptions) {}

  /** The request, repeated as its policy allows (full-jitter backoff or the server's Retry-After). */
  async call<T>(c: Call<T>): Promise<Attempt<T>> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.once(c);
      if (!("error" in outcome)) return outcome;
      const { error, retryAfterMs } = outcome;
      if (attempt >= this.o.maxRetries || !retryable(c.retry, error)) throw error;
      const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, this.o.minBackoffMs * 2 ** attempt);
      const delay =
        retryAfterMs !== undefined && retryAfterMs <= MAX_RETRY_AFTER_MS ? retryAfterMs : backoff;
      this.o.log?.(
        `explorer ${c.method} ${c.path} failed (${retryReason(error)}), retry ${attempt + 1}/${this.o.maxRetries} in ${Math.round(delay)} ms`,
      );
      await sleep(delay);
    }
  }

  /** One HTTP exchange: a parsed value, or the error plus any Retry-After hint. */
  private async once<T>(c: Call<T>): Promise<Attempt<T> | Failure> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.o.timeoutMs);
    try {
      return answerOf(c, await this.send(c, controller.signal));
    } catch (e) {
      return { error: this.networkError(c, e, controller.signal.aborted) };
    } finally {
      clearTimeout(timer);
    }
  }

  private send<T>(c: Call<T>, signal: AbortSignal): Promise<AxiosResponse<string>> {
    return this.o.http.request<string>({
      method: c.method,
      url: this.o.baseUrl + c.path,
      params: c.params,
      data: c.data === undefined ? undefined : JSON.stringify(c.data),
      headers: {
        Accept: "application/json",
        ...(c.data === undefined ? {} : { "Content-Type": "application/json" }),
      },
      timeout: this.o.timeoutMs,
      signal,
      responseType: "text",
      // Keep the raw text: we parse it ourselves so a malformed body is reported, not guessed.
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      // Following a redirect would replay a POST; GETs may follow one (e.g. a proxy moving the prefix).
      maxRedirects: c.method === "GET" ? 5 : 0,
    });
  }

  /** No answer: whether it timed out, its errno, and whether a create may have been stored. */
  private networkError<T>(c: Call<T>, e: unknown, aborted: boolean): ExplorerNetworkError {
    const timedOut = aborted || (axios.isAxiosError(e) && e.code === "ECONNABORTED");
    const errno = errnoOf(e);
    const sent = errno === undefined || !UNSENT_ERRNOS.includes(errno);
    return new ExplorerNetworkError({
      method: c.method,
      path: c.path,
      reason: timedOut ? `no answer within ${this.o.timeoutMs} ms` : describeFailure(e, errno),
      timedOut,
      errno,
      ambiguous: c.retry === "never" && sent,
    });
  }
}

/** An answer read against the call: the validated value, or the error it amounts to. */
function answerOf<T>(c: Call<T>, res: AxiosResponse<string>): Attempt<T> | Failure {
  const where = { method: c.method, path: c.path, status: res.status };
  const { body, json } = parseBody(res.data);
  if (!c.ok.includes(res.status)) {
    return {
      error: httpError({ ...where, body, ambiguous: c.retry === "never" && res.status >= 500 }),
      retryAfterMs: parseRetryAfter(res.headers["retry-after"]),
    };
  }
  if (!json) {
    // A success status with a body that is not JSON at all (a truncated answer, a proxy's page).
    const issues = [{ path: [], message: `not JSON: ${describeBody(body)}` }];
    return { error: new ExplorerResponseError({ ...where, body, issues }) };
  }
  const parsed = c.schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
    return { error: new ExplorerResponseError({ ...where, body, issues }) };
  }
  return { value: parsed.data, headers: res.headers };
}

/** For the retry log line: "timeout", the errno, or the HTTP status. */
function retryReason(error: ExplorerError): string {
  if (!(error instanceof ExplorerNetworkError)) return String(error.status);
  return error.timedOut ? "timeout" : (error.errno ?? "network error");
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
