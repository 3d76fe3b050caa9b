/** The small vocabulary shared by the router and the handlers. */
import type { IncomingMessage } from "node:http";

/** A body already serialized to JSON text (lets handlers reuse cached serializations). */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * A body that is not JSON, written as is with its own Content-Type (none when undefined): the
 * router defaults of gorilla/mux, which answer outside the explorer's JSON framing.
 */
export class RawText {
  constructor(
    readonly text: string,
    readonly contentType?: string,
  ) {}
}

export interface Reply {
  status: number;
  /**
   * Serialized with JSON.stringify unless it is a JsonText (JSON already) or a RawText (written
   * as is, with its own Content-Type); `null` writes the literal null.
   */
  body: unknown;
  headers?: Record<string, string>;
}

export interface RequestContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: string;
  req: IncomingMessage;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface RouteDef {
  method: string;
  /** Path template; `{name}` matches one segment, `{name:regex}` a custom pattern. */
  template: string;
  handler: Handler;
  /** Query parameters that must match for the route to match (gorilla-mux `.Queries`). */
  queries?: Record<string, RegExp>;
}

/** One row of a route table. */
export const route = (
  method: string,
  template: string,
  handler: Handler,
  queries?: Record<string, RegExp>,
): RouteDef => ({ method, template, handler, queries });

export const ok = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});

/**
 * gorilla/mux's defaults (docs/protocol.md#e10-router-404-and-405): an unmatched path is Go's
 * `http.NotFound` (plain text, with a newline), a known path with another method a 405 with an
 * empty body and no Content-Type.
 */
export const ROUTE_NOT_FOUND: Reply = {
  status: 404,
  body: new RawText("404 page not found\n", "text/plain; charset=utf-8"),
  headers: { "X-Content-Type-Options": "nosniff" },
};
export const METHOD_NOT_ALLOWED: Reply = { status: 405, body: new RawText("") };
