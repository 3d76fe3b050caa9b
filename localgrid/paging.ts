/** Pagination of the list routes (docs/protocol.md#pagination), with the real explorer's quirks. */
import { ok } from "./http";
import type { Reply } from "./http";

export interface Page<T> {
  items: T[];
  /** The `Pages` header text. */
  pages: string;
}

/**
 * What Go's `int64(math.Ceil(n / 0.0))` gives on amd64 (±Inf and NaN both convert to the smallest
 * int64): the real explorer's `Pages` header when there is no page size
 * (docs/protocol.md#e12-size-0-means-no-limit).
 */
const PAGES_WITHOUT_SIZE = "-9223372036854775808";

/**
 * page is 1-based (missing or < 1 = 1); size defaults to 100 when missing or empty, is capped at
 * 1000 (docs/protocol.md#pagination), and `0` or a non-numeric size means no limit at all (Mongo's
 * limit 0), with the real explorer's garbage `Pages` header
 * (docs/protocol.md#e12-size-0-means-no-limit).
 */
export function paginate<T>(all: T[], page?: string | null, size?: string | null): Page<T> {
  let p = Number.parseInt(page ?? "", 10);
  if (!Number.isFinite(p) || p < 1) p = 1;
  if (size === null || size === undefined || size === "") size = "100";
  let s = /^[+-]?\d+$/.test(size) ? Number(size) : 0;
  if (s === 0) return { items: all, pages: PAGES_WITHOUT_SIZE };
  if (s < 1) s = 100;
  if (s > 1000) s = 1000;
  return { items: all.slice((p - 1) * s, p * s), pages: String(Math.ceil(all.length / s)) };
}

/** A 200 with the page `query` asks for, rendered by `body`, and its `Pages` header. */
export function pagedReply<T>(
  all: T[],
  query: URLSearchParams,
  body: (items: T[]) => unknown,
): Reply {
  const page = paginate(all, query.get("page"), query.get("size"));
  return ok(body(page.items), 200, { Pages: page.pages });
}
