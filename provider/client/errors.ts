import { TfgridError } from "../errors";

/** Where an explorer error happened, for messages and for callers that need to branch. */
export interface ExplorerErrorInit {
  method: string;
  /** Request path relative to the base URL, without the query string. */
  path: string;
  status?: number;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body?: unknown;
  /**
   * True when the request may have taken effect although it failed (a create whose connection
   * broke after sending, or a 5xx from create: the explorer stores a reservation before a failing
   * escrow step). The caller must look the result up before trying again.
   */
  ambiguous?: boolean;
}

/** Root of every explorer client error. `code` is stable, e.g. `"explorer.not_found"`. */
export class ExplorerError extends TfgridError {
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly body?: unknown;
  readonly ambiguous: boolean;

  constructor(code: string, message: string, init: ExplorerErrorInit) {
    super(code, message);
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.body = init.body;
    this.ambiguous = init.ambiguous ?? false;
  }

  /** Alias of `ambiguous`: the request may have succeeded on the server. */
  get requestMaySucceeded(): boolean {
    return this.ambiguous;
  }
}

/** The explorer's `{"error": "..."}` text, if the body has one. */
export function explorerErrorText(body: unknown): string | undefined {
  if (typeof body === "object" && body !== null && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === "string") return e;
  }
  return undefined;
}

/**
 * What a body says, for a message: the explorer's `{"error"}` text; a proxy's HTML page by its
 * title; other text trimmed and cut at 500 characters; nothing for an empty body.
 */
function bodyDetail(body: unknown): string | undefined {
  const text = explorerErrorText(body);
  if (text !== undefined) return text;
  if (typeof body !== "string" || body.trim() === "") return undefined;
  return describeBody(body);
}

/** A non-JSON body for a message: an HTML page by its title, other text trimmed (≤ 500). */
export function describeBody(body: unknown): string {
  const trimmed = String(body).trim();
  if (/^<(!doctype|html)/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    return `an HTML page${title ? ` "${title}"` : ""} (not the explorer's JSON; a proxy in between?)`;
  }
  return trimmed.slice(0, 500);
}

function httpMessage(init: ExplorerErrorInit, hint?: string): string {
  const detail = bodyDetail(init.body);
  const head = `explorer ${init.method} ${init.path} answered ${String(init.status)}`;
  const msg = detail === undefined ? `${head} with an empty body` : `${head}: ${detail}`;
  return hint === undefined ? msg : `${msg}; ${hint}`;
}

/** The explorer answered with a non-success HTTP status. */
export class ExplorerHttpError extends ExplorerError {
  declare readonly status: number;
  constructor(
    init: ExplorerErrorInit & { status: number },
    code = codeForStatus(init.status),
    hint?: string,
  ) {
    super(code, httpMessage(init, hint), init);
  }
}

const URL_HINT =
  "check that tfgrid:explorerUrl is the explorer's API base, e.g. https://explorer.grid.tf/explorer";

/**
 * 404 without the explorer's `{"error"}` body: no route matched (gorilla/mux answers
 * `404 page not found` in text/plain, protocol.md#e10-router-404-and-405), so the URL is wrong — it
 * says nothing about whether the object exists. Deliberately not an {@link ExplorerNotFoundError}.
 */
export class ExplorerRouteNotFoundError extends ExplorerHttpError {
  constructor(init: ExplorerErrorInit & { status: number }) {
    super(init, "explorer.no_route", `no such route on this server; ${URL_HINT}`);
  }
}

/**
 * 405, with an empty body on the real explorer (protocol.md#e10-router-404-and-405): the path
 * exists, not for this method.
 */
export class ExplorerMethodNotAllowedError extends ExplorerHttpError {
  constructor(init: ExplorerErrorInit & { status: number }) {
    super(
      init,
      "explorer.method_not_allowed",
      `this server has the path but not for ${init.method}; ${URL_HINT}`,
    );
  }
}

/** 400: the explorer rejected the request (e.g. "failed to verify customer signature"). */
export class ExplorerBadRequestError extends ExplorerHttpError {}
/** 401: bad or missing signature. */
export class ExplorerUnauthorizedError extends ExplorerHttpError {}
/**
 * 404 with the explorer's `{"error"}` body: no such user, farm, node or reservation. Test with
 * {@link isNotFound}, never with `status === 404` (a router 404 is not "gone").
 */
export class ExplorerNotFoundError extends ExplorerHttpError {}
/** 409: e.g. user name or email already registered. */
export class ExplorerConflictError extends ExplorerHttpError {}
/** 429: too many requests (retried for idempotent requests, honouring Retry-After). */
export class ExplorerRateLimitError extends ExplorerHttpError {}
/** 5xx. */
export class ExplorerServerError extends ExplorerHttpError {}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "explorer.bad_request";
    case 401:
      return "explorer.unauthorized";
    case 403:
      return "explorer.forbidden";
    case 404:
      return "explorer.not_found";
    case 405:
      return "explorer.method_not_allowed";
    case 409:
      return "explorer.conflict";
    case 424:
      return "explorer.failed_dependency";
    case 429:
      return "explorer.rate_limited";
    default:
      return status >= 500 ? "explorer.server_error" : "explorer.http_error";
  }
}

/** The right error class for an HTTP status. */
export function httpError(init: ExplorerErrorInit & { status: number }): ExplorerHttpError {
  const s = init.status;
  if (s === 400) return new ExplorerBadRequestError(init);
  if (s === 401) return new ExplorerUnauthorizedError(init);
  if (s === 404) {
    return explorerErrorText(init.body) === undefined
      ? new ExplorerRouteNotFoundError(init)
      : new ExplorerNotFoundError(init);
  }
  if (s === 405) return new ExplorerMethodNotAllowedError(init);
  if (s === 409) return new ExplorerConflictError(init);
  if (s === 429) return new ExplorerRateLimitError(init);
  if (s >= 500) return new ExplorerServerError(init);
  return new ExplorerHttpError(init);
}

/** The explorer says the object does not exist (its JSON 404), as opposed to a wrong URL. */
export function isNotFound(e: unknown): boolean {
  return e instanceof ExplorerNotFoundError;
}

/** No HTTP answer: connection refused/reset, DNS failure, or timeout. */
export class ExplorerNetworkError extends ExplorerError {
  /** The request hit the client timeout. */
  readonly timedOut: boolean;
  /** The underlying system error code, e.g. "ECONNREFUSED", when there is one. */
  readonly errno?: string;

  constructor(init: ExplorerErrorInit & { reason: string; timedOut: boolean; errno?: string }) {
    const maybe = init.ambiguous ? " (the request may have been processed)" : "";
    super(
      "explorer.network",
      `explorer ${init.method} ${init.path} failed: ${init.reason}${maybe}`,
      init,
    );
    this.timedOut = init.timedOut;
    this.errno = init.errno;
  }
}

/** The explorer answered success but the body is not what the protocol says (zod failed). */
export class ExplorerResponseError extends ExplorerError {
  /** zod issues (path + message) describing the mismatch. */
  readonly issues: { path: (string | number)[]; message: string }[];

  constructor(
    init: ExplorerErrorInit & { issues: { path: (string | number)[]; message: string }[] },
  ) {
    const first = init.issues[0];
    const where = first ? ` at ${formatPath(first.path)}: ${first.message}` : "";
    const more = init.issues.length > 1 ? ` (and ${init.issues.length - 1} more)` : "";
    super(
      "explorer.bad_response",
      `explorer ${init.method} ${init.path} answered ${String(init.status)} with an unexpected body${where}${more}`,
      init,
    );
    this.issues = init.issues;
  }

  /** Path of the first issue, e.g. `"[0].farm_id"`. */
  get issuePath(): string {
    return this.issues[0] ? formatPath(this.issues[0].path) : "";
  }
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
