/**
 * The HTTP server: a route table (gorilla-mux-like templates, matched in order, no trailing-slash
 * leniency), JSON framing with `{"error": ...}` bodies (docs/protocol.md#framing) except for the
 * router's own 404/405 (docs/protocol.md#e10-router-404-and-405), per-route counters, and the fault
 * middleware that applies only to `/explorer/...` routes.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { HttpError } from "./errors";
import { JsonText, METHOD_NOT_ALLOWED, RawText, ROUTE_NOT_FOUND } from "./http";
import type { Reply, RouteDef } from "./http";
import { BAD_ANSWERS } from "./settings";
import type { FaultSettings } from "./settings";

interface CompiledRoute extends RouteDef {
  regex: RegExp;
  keys: string[];
}

function compile(r: RouteDef): CompiledRoute {
  const keys: string[] = [];
  const src = r.template.replace(
    /\{(\w+)(?::([^}]+))?\}/g,
    (_m, name: string, pattern?: string) => {
      keys.push(name);
      return `(${pattern ?? "[^/]+"})`;
    },
  );
  return { ...r, regex: new RegExp(`^${src}$`), keys };
}

/** Converts a template key for counters: `{gwid:\d+-\d+}` → `{gwid}`. */
const counterKey = (method: string, template: string): string =>
  `${method} ${template.replace(/\{(\w+):[^}]+\}/g, "{$1}")}`;

export interface ServerDeps {
  routes: RouteDef[];
  faults(): FaultSettings;
  random(): number;
  log(line: string): void;
  /** Resolves once every state change made so far is on disk; awaited before each answer. */
  durable(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

/** A request to a faulted (`/explorer/...`) route, its response, and the faults in force. */
interface FaultedExchange {
  req: IncomingMessage;
  res: ServerResponse;
  faults: FaultSettings;
}

export class ExplorerServer {
  readonly http: Server;
  private readonly routes: CompiledRoute[];
  private readonly counts = new Map<string, number>();

  constructor(private readonly deps: ServerDeps) {
    this.routes = deps.routes.map(compile);
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        deps.log(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
        if (!res.headersSent) this.write(res, { status: 500, body: { error: "internal error" } });
      });
    });
    this.http.keepAliveTimeout = 5000;
  }

  counters(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  resetCounters(): void {
    this.counts.clear();
  }

  private write(res: ServerResponse, reply: Reply): void {
    if (reply.body instanceof RawText) {
      const { text, contentType } = reply.body;
      res.writeHead(reply.status, {
        ...(contentType === undefined ? {} : { "Content-Type": contentType }),
        "Content-Length": Buffer.byteLength(text),
        ...reply.headers,
      });
      res.end(text);
      return;
    }
    const text =
      reply.body instanceof JsonText ? reply.body.text : JSON.stringify(reply.body ?? null);
    res.writeHead(reply.status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Expose-Headers": "Pages",
      ...reply.headers,
    });
    res.end(text);
  }

  /**
   * Reads the body, or rejects with a 413 once it passes MAX_BODY (at once when Content-Length
   * says so). The rest of an oversized body is read and dropped rather than the socket destroyed,
   * so the client gets the 413 instead of a reset connection; the answer closes the connection.
   */
  private readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const tooLarge = (): void => {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, `request body larger than ${MAX_BODY} bytes`));
      };
      if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) {
        tooLarge();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) tooLarge();
        else chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      // The client went away mid-body: nobody reads the answer, but no 5xx and no stack either.
      req.on("error", (e) => reject(new HttpError(400, `request body unreadable: ${e.message}`)));
    });
  }

  private match(
    method: string,
    path: string,
    query: URLSearchParams,
  ): { route: CompiledRoute; params: Record<string, string> } | "method" | null {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (
        route.queries &&
        !Object.entries(route.queries).every(([k, re]) => re.test(query.get(k) ?? ""))
      )
        continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      // The whole path was checked to decode (handle), so this cannot throw.
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return pathMatched ? "method" : null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localgrid");
    const method = req.method ?? "GET";
    if (method === "OPTIONS") return this.preflight(res);
    try {
      decodeURIComponent(url.pathname);
    } catch {
      // Go's server refuses such a request line with a 400 before any handler runs.
      req.resume();
      this.write(res, {
        status: 400,
        body: { error: `malformed percent-encoding in path ${JSON.stringify(url.pathname)}` },
      });
      return;
    }
    const found = this.match(method, url.pathname, url.searchParams);
    const key =
      typeof found === "object" && found
        ? counterKey(method, found.route.template)
        : `${method} (unmatched)`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);

    // Faults are for customer-facing explorer traffic only; the control API is never faulted.
    const faults = url.pathname.startsWith("/explorer") ? this.deps.faults() : null;
    const exchange = faults && { req, res, faults };
    if (exchange && (await this.faultBefore(exchange))) return;
    let reply = await this.process(req, found, url.searchParams);
    try {
      // Nothing is acknowledged (or shown) before it would survive a crash.
      await this.deps.durable();
    } catch (e) {
      reply = {
        status: 500,
        body: { error: `localgrid could not save the change: ${(e as Error).message}` },
      };
    }
    if (exchange && this.faultAfter(exchange, `${method} ${url.pathname}`)) return;
    this.write(res, reply);
  }

  private preflight(res: ServerResponse): void {
    res.writeHead(204, {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Headers": "Content-Type",
      "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    });
    res.end();
  }

  /** Reads the body and runs the route's handler; an `HttpError` becomes its answer. */
  private async process(
    req: IncomingMessage,
    found: ReturnType<ExplorerServer["match"]>,
    query: URLSearchParams,
  ): Promise<Reply> {
    try {
      const body = await this.readBody(req);
      if (found === null) return ROUTE_NOT_FOUND;
      if (found === "method") return METHOD_NOT_ALLOWED;
      return await found.route.handler({ params: found.params, query, body, req });
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      const reply: Reply = { status: e.status, body: { error: e.message } };
      if (e.status === 413) reply.headers = { Connection: "close" };
      return reply;
    }
  }

  /** The faults that strike before processing: latency, a 500, a bad answer. True if answered. */
  private async faultBefore(x: FaultedExchange): Promise<boolean> {
    const { req, res, faults } = x;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.fail5xxRate > 0 && this.deps.random() < faults.fail5xxRate) {
      req.resume();
      this.write(res, {
        status: 500,
        body: { error: "localgrid injected fault: 500 before processing" },
      });
      return true;
    }
    return this.badAnswer(x, false);
  }

  /** The faults that strike after processing: a dropped connection, a bad answer. */
  private faultAfter(x: FaultedExchange, request: string): boolean {
    const { req, faults } = x;
    if (faults.dropAfterProcessRate > 0 && this.deps.random() < faults.dropAfterProcessRate) {
      // The request took effect; the client never learns it. Tests client idempotency.
      this.deps.log(`dropping connection after processing ${request}`);
      req.socket.destroy();
      return true;
    }
    return this.badAnswer(x, true);
  }

  /**
   * Sends the configured bad answer at its rate, at the point (before/after processing) it belongs
   * to.
   */
  private badAnswer({ req, res, faults }: FaultedExchange, processed: boolean): boolean {
    const bad = BAD_ANSWERS[faults.badAnswer];
    if (bad.afterProcess !== processed || faults.badAnswerRate <= 0) return false;
    if (this.deps.random() >= faults.badAnswerRate) return false;
    this.deps.log(`answering ${req.method} ${req.url} with ${faults.badAnswer} (injected fault)`);
    if (!processed) req.resume();
    res.writeHead(bad.status, {
      ...(bad.contentType ? { "Content-Type": bad.contentType } : {}),
      "Content-Length": Buffer.byteLength(bad.body),
    });
    res.end(bad.body);
    return true;
  }
}
