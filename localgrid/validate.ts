/**
 * Request decoding and the create-time validation of `POST /reservations`
 * (docs/protocol.md#reservation-routes, docs/protocol.md#customer-signature), as strict as the
 * Go explorer: Go-typed decoding (a `10.0` for an int is a 400), `json` deep-equal to
 * `data_reservation`, signature over the exact `json` bytes.
 */
import { GoDecodeError, JsonSyntaxError, deepEqual, goDecode, parseRaw } from "./gojson";
import type { GoType } from "./gojson";
import { badRequest } from "./errors";
import { isHex, utf8, verifyDetached } from "./crypto";
import { RESERVATION_DATA_TYPE, RESERVATION_TYPE } from "./types";
import type { Reservation, ReservationData } from "./types";

/** Decodes a request body into a Go type; any syntax or type error is a 400 with Go's wording. */
export function decodeBody<T>(text: string, type: GoType): T {
  try {
    return goDecode(parseRaw(text), type, type.k === "struct" ? type.name : "") as T;
  } catch (e) {
    if (e instanceof JsonSyntaxError || e instanceof GoDecodeError) throw badRequest(e.message);
    throw e;
  }
}

/** The first path where two decoded values differ, for an actionable mismatch message. */
export function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (deepEqual(a, b)) return null;
  const describe = (v: unknown): string =>
    v === null ? "null" : Array.isArray(v) ? `a list of ${v.length}` : JSON.stringify(v);
  if (
    a &&
    b &&
    typeof a === "object" &&
    typeof b === "object" &&
    Array.isArray(a) === Array.isArray(b)
  ) {
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      for (let i = 0; i < a.length; i++) {
        const d = firstDifference(a[i], b[i], `${path}[${i}]`);
        if (d) return d;
      }
    } else if (!Array.isArray(a)) {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
        const d = firstDifference(ao[k] ?? null, bo[k] ?? null, `${path}.${k}`);
        if (d) return d;
      }
    }
  }
  return `${path}: json has ${describe(a)}, data_reservation has ${describe(b)}`;
}

const MIN_DURATION_SECONDS = 3600;
const UNSUPPORTED = [
  "kubernetes",
  "proxies",
  "reverse_proxies",
  "subdomains",
  "domain_delegates",
  "gateway4to6",
] as const;

/**
 * Decodes and validates a create body, in the real explorer's order
 * (docs/protocol.md#e8-create-check-order): expiry, then the reservation's own checks. The caller
 * then runs the pipeline and {@link verifyCustomer}. Returns the decoded reservation with
 * server-owned fields still as sent; the caller resets them. Throws a 400 `HttpError` naming the
 * field and the fix.
 */
export function validateCreate(body: string, now: number): Reservation {
  const r = decodeBody<Reservation>(body, RESERVATION_TYPE);
  const expires = r.data_reservation.expiration_reservation;
  if (expires <= now) {
    throw badRequest(`expiration_reservation ${expires} is in the past (server time ${now})`);
  }
  if (expires - now < MIN_DURATION_SECONDS) {
    throw badRequest(
      `reservation duration must be at least 1 hour: expiration_reservation is ${expires - now} s from now`,
    );
  }
  if (r.customer_tid === 0) throw badRequest("customer_tid is required");
  if (r.customer_signature === "") throw badRequest("customer_signature is required");
  if (!isHex(r.customer_signature)) throw badRequest("customer_signature is not valid hex");

  let fromJson: ReservationData;
  try {
    fromJson = goDecode(
      parseRaw(r.json),
      RESERVATION_DATA_TYPE,
      "workloads.ReservationData",
    ) as ReservationData;
  } catch (e) {
    if (e instanceof JsonSyntaxError || e instanceof GoDecodeError) {
      throw badRequest(`json is not a valid data_reservation: ${e.message}`);
    }
    throw e;
  }
  const diff = firstDifference(fromJson, r.data_reservation, "data_reservation");
  if (diff) {
    throw badRequest(
      `json does not match data_reservation at ${diff}; serialize data_reservation once and send that string as json`,
    );
  }
  const metaBytes = Buffer.byteLength(r.metadata, "utf8");
  if (metaBytes > 1024)
    throw badRequest(`metadata is ${metaBytes} bytes; at most 1024 bytes are allowed`);

  const d = r.data_reservation;
  for (const v of d.volumes ?? []) {
    if (v.type !== 1)
      throw badRequest(
        `volume ${v.workload_id}: only SSD volumes are accepted (type 1), got type ${v.type}`,
      );
  }
  for (const c of d.containers ?? []) {
    if (c.capacity.disk_type !== 1) {
      throw badRequest(
        `container ${c.workload_id}: only SSD root filesystems are accepted (capacity.disk_type 1), got ${c.capacity.disk_type}`,
      );
    }
  }

  // Networks are included (as in the explorer zos had until April 2020, docs/protocol.md#workload-ids)
  // because results are keyed by "<rid>-<wid>".
  const seen = new Map<number, string>();
  const ids: [number, string][] = [
    ...(d.containers ?? []).map((w): [number, string] => [w.workload_id, "container"]),
    ...(d.volumes ?? []).map((w): [number, string] => [w.workload_id, "volume"]),
    ...(d.zdbs ?? []).map((w): [number, string] => [w.workload_id, "zdb"]),
    ...(d.networks ?? []).map((w): [number, string] => [w.workload_id, "network"]),
  ];
  for (const [id, kind] of ids) {
    const prev = seen.get(id);
    if (prev)
      throw badRequest(
        `duplicate workload_id ${id} (${prev} and ${kind}); workload ids must be unique in a reservation`,
      );
    seen.set(id, kind);
  }
  // localgrid's own refusal, after the real explorer's checks.
  for (const key of UNSUPPORTED) {
    if ((d[key]?.length ?? 0) > 0) throw badRequest(`localgrid does not emulate ${key} workloads`);
  }
  return r;
}

/**
 * The last create checks (docs/protocol.md#e8-create-check-order): the customer is a registered
 * user and signed `json`.
 */
export function verifyCustomer(r: Reservation, pubkey: string | undefined): void {
  if (pubkey === undefined)
    throw badRequest(`customer_tid ${r.customer_tid} is not a registered user`);
  if (!verifyDetached(utf8(r.json), r.customer_signature, pubkey)) {
    throw badRequest("failed to verify customer signature");
  }
}
