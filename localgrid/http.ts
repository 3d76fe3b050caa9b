/** The small vocabulary shared by the router and the handlers. */
import type { IncomingMessage } from "node:http";

/** A body already serialized to JSON text (lets handlers reuse cached serializations). */
export class JsonText {
  constructor(readonly text: string) {}
}

export interface Reply {
  status: number;
  /** Serialized with JSON.stringify unless it is a JsonText; `null` writes the literal null. */
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

export const ok = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});
