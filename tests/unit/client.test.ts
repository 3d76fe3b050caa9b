import http from "node:http";
import type { AddressInfo } from "node:net";
import axios from "axios";
import {
  ExplorerBadRequestError,
  ExplorerClient,
  ExplorerConflictError,
  ExplorerError,
  ExplorerHttpError,
  ExplorerNetworkError,
  ExplorerMethodNotAllowedError,
  ExplorerNotFoundError,
  ExplorerRateLimitError,
  ExplorerResponseError,
  ExplorerRouteNotFoundError,
  ExplorerServerError,
  isNotFound,
  okResultProblem,
  parseRetryAfter,
  type ReservationCreate,
} from "../../provider/client";

// A real HTTP server on 127.0.0.1:0; each test scripts its answers.
interface Seen {
  method: string;
  url: string;
  body: string;
  contentType?: string;
}
type Reply = {
  status: number;
  body?: unknown;
  raw?: string;
  /** Default application/json; null sends no Content-Type at all (an empty Go 405). */
  contentType?: string | null;
  headers?: Record<string, string>;
  delayMs?: number;
};
type Handler = (req: Seen, n: number) => Reply;

let server: http.Server;
let base: string;
let handler: Handler;
let seen: Seen[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const s: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        body,
        contentType: req.headers["content-type"],
      };
      seen.push(s);
      const r = handler(s, seen.length);
      const send = (): void => {
        const type = r.contentType === undefined ? "application/json" : r.contentType;
        res.writeHead(r.status, {
          ...(type === null ? {} : { "Content-Type": type }),
          ...r.headers,
        });
        res.end(r.raw ?? JSON.stringify(r.body ?? null));
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/explorer`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  handler = () => ({ status: 500, body: { error: "no handler" } });
});

const logs: string[] = [];
const client = (
  extra: Partial<ConstructorParameters<typeof ExplorerClient>[0]> = {},
): ExplorerClient =>
  new ExplorerClient({ baseUrl: base, minBackoffMs: 1, log: (m) => logs.push(m), ...extra });

async function rejection(p: Promise<unknown>): Promise<ExplorerError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ExplorerError) return e;
    throw e;
  }
  throw new Error("expected an ExplorerError");
}

const res = { cru: 4, mru: 8.5, hru: 1000, sru: 250 };
const node = (id: string, farm = 12775): Record<string, unknown> => ({
  id: 1,
  node_id: id,
  farm_id: farm,
  public_key_hex: "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
  location: {
    city: "Salzburg",
    country: "Austria",
    continent: "Europe",
    latitude: 47.8,
    longitude: 13.04,
  },
  total_resources: res,
  used_resources: { cru: 0, mru: 0, hru: 0, sru: 0 },
  reserved_resources: { cru: 1, mru: 1, hru: 0, sru: 10 },
  wg_ports: null,
  public_config: null,
  ifaces: null,
  updated: 1591787100,
  free_to_use: true,
  some_future_field: { x: 1 },
});

describe("retries", () => {
  it("retries a GET after 503 and returns the validated node", async () => {
    logs.length = 0;
    handler = (_r, n) =>
      n === 1 ? { status: 503, body: { error: "busy" } } : { status: 200, body: node("n1") };
    const got = await client().getNode("n1");
    expect(got.node_id).toBe("n1");
    expect(got.wg_ports).toEqual([]);
    expect(got.ifaces).toEqual([]);
    expect(got.public_config).toBeNull();
    expect(got.total_resources).toEqual(res);
    expect((got as Record<string, unknown>).some_future_field).toEqual({ x: 1 });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /explorer/nodes/n1",
      "GET /explorer/nodes/n1",
    ]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^explorer GET \/nodes\/n1 failed \(503\), retry 1\/5 in \d+ ms$/);
  });

  it("gives up after maxRetries with an ExplorerServerError carrying the error text", async () => {
    handler = () => ({ status: 502, body: { error: "bad gateway" } });
    const e = await rejection(client({ maxRetries: 2 }).getFarm(1));
    expect(e).toBeInstanceOf(ExplorerServerError);
    expect(e.code).toBe("explorer.server_error");
    expect(e.status).toBe(502);
    expect(e.message).toBe("explorer GET /farms/1 answered 502: bad gateway");
    expect(seen).toHaveLength(3);
  });

  it("honours Retry-After (seconds) on 429", async () => {
    handler = (_r, n) =>
      n === 1
        ? { status: 429, body: { error: "slow down" }, headers: { "Retry-After": "1" } }
        : { status: 200, body: { id: 5, name: "bob.3bot", email: "", pubkey: "ab" } };
    const t0 = Date.now();
    const user = await client().getUser(5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    expect(user).toEqual({ id: 5, name: "bob.3bot", email: "", pubkey: "ab" });
    expect(seen).toHaveLength(2);
  });

  it("does not retry a 400 and carries the explorer's error text and body", async () => {
    handler = () => ({ status: 400, body: { error: "failed to verify customer signature" } });
    const e = await rejection(client().getReservation(9));
    expect(e).toBeInstanceOf(ExplorerBadRequestError);
    expect(e).toBeInstanceOf(ExplorerHttpError);
    expect(e.code).toBe("explorer.bad_request");
    expect(e.name).toBe("ExplorerBadRequestError");
    expect(e.method).toBe("GET");
    expect(e.path).toBe("/reservations/9");
    expect(e.body).toEqual({ error: "failed to verify customer signature" });
    expect(e.message).toBe(
      "explorer GET /reservations/9 answered 400: failed to verify customer signature",
    );
    expect(seen).toHaveLength(1);
  });

  it("maps 404 and 409 to their classes", async () => {
    handler = () => ({ status: 404, body: { error: "node not found" } });
    const nf = await rejection(client().getNode("zz"));
    expect(nf).toBeInstanceOf(ExplorerNotFoundError);
    expect(nf.code).toBe("explorer.not_found");
    expect(seen).toHaveLength(1);
    handler = () => ({ status: 409, body: { error: "user with same name or email exists" } });
    const c = await rejection(
      client().registerUser({ name: "a.3bot", email: "a@b.c", pubkey: "00" }),
    );
    expect(c).toBeInstanceOf(ExplorerConflictError);
    expect(c.code).toBe("explorer.conflict");
    expect(seen).toHaveLength(2);
  });

  it("registerUser retries 503 but not 500 (the explorer's invalid-pubkey answer)", async () => {
    handler = (_r, n) =>
      n === 1
        ? { status: 503, body: { error: "unavailable" } }
        : {
            status: 201,
            body: {
              id: 3,
              name: "a.3bot",
              email: "a@b.c",
              pubkey: "00",
              host: "",
              description: "",
            },
          };
    const u = await client().registerUser({ name: "a.3bot", email: "a@b.c", pubkey: "00" });
    expect(u.id).toBe(3);
    expect(seen).toHaveLength(2);
    expect(JSON.parse(seen[1].body)).toEqual({ name: "a.3bot", email: "a@b.c", pubkey: "00" });
    expect(seen[1].contentType).toBe("application/json");

    seen = [];
    handler = () => ({ status: 500, body: { error: "invalid public key" } });
    const e = await rejection(
      client().registerUser({ name: "a.3bot", email: "a@b.c", pubkey: "zz" }),
    );
    expect(e.code).toBe("explorer.server_error");
    expect(seen).toHaveLength(1);
  });

  it("retries sign-delete (idempotent) and sends the body as given", async () => {
    handler = (_r, n) =>
      n === 1 ? { status: 500, body: { error: "db" } } : { status: 201, body: null };
    await client().signDelete(12, { tid: 42, signature: "ab".repeat(64), epoch: 1600000000 });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /explorer/reservations/12/sign/delete",
      "POST /explorer/reservations/12/sign/delete",
    ]);
    expect(JSON.parse(seen[1].body)).toEqual({
      tid: 42,
      signature: "ab".repeat(64),
      epoch: 1600000000,
    });
  });
});

const createBody: ReservationCreate = {
  json: '{"description":""}',
  data_reservation: { description: "" },
  customer_tid: 42,
  customer_signature: "cd".repeat(64),
  next_action: 0,
  signatures_provision: [],
  signatures_farmer: [],
  signatures_delete: [],
  epoch: 0,
  metadata: "pulumi-tfgrid:abc",
  results: [],
};

describe("createReservation", () => {
  it("posts the body once and returns the id", async () => {
    handler = () => ({
      status: 201,
      body: { reservation_id: 77, escrow_information: { address: "", asset: "", details: null } },
    });
    const r = await client().createReservation(createBody);
    expect(r.reservation_id).toBe(77);
    expect(JSON.parse(seen[0].body)).toEqual(createBody);
    expect(seen[0].url).toBe("/explorer/reservations");
  });

  it("is NOT retried on 503, and the failure is marked ambiguous", async () => {
    handler = () => ({ status: 503, body: { error: "escrow failed" } });
    const e = await rejection(client().createReservation(createBody));
    expect(e).toBeInstanceOf(ExplorerServerError);
    expect(e.message).toBe("explorer POST /reservations answered 503: escrow failed");
    expect(e.ambiguous).toBe(true);
    expect(e.requestMaySucceeded).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it("is NOT retried on 429 and a 400 is not ambiguous", async () => {
    handler = () => ({ status: 429, body: { error: "rate" }, headers: { "Retry-After": "0" } });
    const e = await rejection(client().createReservation(createBody));
    expect(e).toBeInstanceOf(ExplorerRateLimitError);
    expect(e.ambiguous).toBe(false);
    expect(seen).toHaveLength(1);
    handler = () => ({ status: 400, body: { error: "failed to verify customer signature" } });
    const b = await rejection(client().createReservation(createBody));
    expect(b.message).toBe(
      "explorer POST /reservations answered 400: failed to verify customer signature",
    );
    expect(b.ambiguous).toBe(false);
  });

  it("a timeout on create is an ambiguous ExplorerNetworkError, not retried", async () => {
    handler = () => ({ status: 201, body: { reservation_id: 1 }, delayMs: 400 });
    const e = await rejection(client({ timeoutMs: 100 }).createReservation(createBody));
    expect(e).toBeInstanceOf(ExplorerNetworkError);
    expect((e as ExplorerNetworkError).timedOut).toBe(true);
    expect(e.ambiguous).toBe(true);
    expect(e.code).toBe("explorer.network");
    expect(e.message).toBe(
      "explorer POST /reservations failed: no answer within 100 ms (the request may have been processed)",
    );
    expect(seen).toHaveLength(1);
  });
});

/** A stored reservation as the explorer returns it (null lists, as Go encodes nil slices). */
const reservationAnswer = (results: unknown[]): Record<string, unknown> => ({
  id: 5,
  json: "{}",
  data_reservation: {
    description: "",
    currencies: ["TFT"],
    signing_request_provision: { signers: null, quorum_min: 0 },
    signing_request_delete: { signers: [42], quorum_min: 1 },
    containers: null,
    volumes: [{ workload_id: 1, node_id: "n1", size: 10, type: 1 }],
    zdbs: null,
    networks: null,
    kubernetes: null,
    expiration_provisioning: 1591788900,
    expiration_reservation: 1594380000,
  },
  customer_tid: 42,
  customer_signature: "ab",
  next_action: 3,
  signatures_provision: null,
  signatures_farmer: null,
  signatures_delete: null,
  epoch: 1591787100,
  metadata: "tag",
  results,
});

describe("response validation", () => {
  it("a malformed node is an ExplorerResponseError with the zod path and the body", async () => {
    const bad = { ...node("n1"), farm_id: "12775" };
    handler = () => ({ status: 200, body: bad });
    const e = await rejection(client().getNode("n1"));
    expect(e).toBeInstanceOf(ExplorerResponseError);
    const r = e as ExplorerResponseError;
    expect(r.code).toBe("explorer.bad_response");
    expect(r.issuePath).toBe("farm_id");
    expect(r.body).toEqual(bad);
    expect(r.message).toBe(
      "explorer GET /nodes/n1 answered 200 with an unexpected body at farm_id: Expected number, received string",
    );
    expect(seen).toHaveLength(1);
  });

  it("non-JSON text is reported with the raw body", async () => {
    handler = () => ({ status: 200, raw: "<html>proxy</html>" });
    const e = await rejection(client().getFarm(2));
    expect(e).toBeInstanceOf(ExplorerResponseError);
    expect(e.body).toBe("<html>proxy</html>");
    expect((e as ExplorerResponseError).issuePath).toBe("(root)");
  });

  it("rejects a fractional integer field and points into arrays", async () => {
    handler = () => ({
      status: 200,
      body: [node("a"), { ...node("b"), updated: 1.5 }],
      headers: { Pages: "1" },
    });
    const e = (await rejection(client().listNodes())) as ExplorerResponseError;
    expect(e.issuePath).toBe("[1].updated");
    expect(e.message).toBe(
      "explorer GET /nodes answered 200 with an unexpected body at [1].updated: Expected integer, received float",
    );
  });

  it("parses a reservation with null lists and any data_json", async () => {
    const reservation = reservationAnswer([
      {
        category: 2,
        workload_id: "5-1",
        data_json: { volume_id: "5-1" },
        signature: "",
        state: 1,
        message: "",
        epoch: 1591787200,
        node_id: "n1",
      },
      { category: 3, workload_id: "5-2", data_json: null, state: 1, node_id: "n2" },
    ]);
    handler = () => ({ status: 200, body: reservation });
    const r = await client().getReservation(5);
    expect(r.results.map((x) => x.data_json)).toEqual([{ volume_id: "5-1" }, null]);
    expect(r.signatures_delete).toEqual([]);
    expect(r.data_reservation.containers).toBeNull();
    expect(r.data_reservation.volumes).toEqual([
      { workload_id: 1, node_id: "n1", size: 10, type: 1 },
    ]);
    expect(r.metadata).toBe("tag");
  });
});

describe("real explorer answer shapes (docs/protocol.md#edge-behaviour)", () => {
  const URL_HINT =
    "check that tfgrid:explorerUrl is the explorer's API base, e.g. https://explorer.grid.tf/explorer";

  it("the router's text/plain 404 is a route error, not 'not found', and is not retried", async () => {
    handler = () => ({
      status: 404,
      raw: "404 page not found\n",
      contentType: "text/plain; charset=utf-8",
    });
    const e = await rejection(client().getReservation(5));
    expect(e).toBeInstanceOf(ExplorerRouteNotFoundError);
    expect(e).not.toBeInstanceOf(ExplorerNotFoundError);
    expect(isNotFound(e)).toBe(false);
    expect(e.code).toBe("explorer.no_route");
    expect(e.status).toBe(404);
    expect(e.message).toBe(
      `explorer GET /reservations/5 answered 404: 404 page not found; no such route on this server; ${URL_HINT}`,
    );
    expect(seen).toHaveLength(1);
  });

  it("the explorer's JSON 404 is ExplorerNotFoundError", async () => {
    handler = () => ({ status: 404, body: { error: "reservation not found" } });
    const e = await rejection(client().getReservation(5));
    expect(e).toBeInstanceOf(ExplorerNotFoundError);
    expect(isNotFound(e)).toBe(true);
    expect(e.message).toBe("explorer GET /reservations/5 answered 404: reservation not found");
  });

  it("an empty 405 without Content-Type is ExplorerMethodNotAllowedError", async () => {
    handler = () => ({ status: 405, raw: "", contentType: null });
    const e = await rejection(client().signDelete(5, { tid: 1, signature: "ab", epoch: 0 }));
    expect(e).toBeInstanceOf(ExplorerMethodNotAllowedError);
    expect(e.code).toBe("explorer.method_not_allowed");
    expect(e.body).toBeNull();
    expect(e.message).toBe(
      `explorer POST /reservations/5/sign/delete answered 405 with an empty body; this server has the path but not for POST; ${URL_HINT}`,
    );
    expect(seen).toHaveLength(1);
  });

  it("a 200 with garbage JSON is an ExplorerResponseError saying so, not retried", async () => {
    handler = () => ({ status: 200, raw: '{"id": 5, "json": "{}", "data_res' });
    const e = await rejection(client().getReservation(5));
    expect(e).toBeInstanceOf(ExplorerResponseError);
    expect(e.body).toBe('{"id": 5, "json": "{}", "data_res');
    expect(e.message).toBe(
      'explorer GET /reservations/5 answered 200 with an unexpected body at (root): not JSON: {"id": 5, "json": "{}", "data_res',
    );
    expect(seen).toHaveLength(1);
  });

  it("an HTML 502 from a proxy is retried for a GET, then an ExplorerServerError naming the page", async () => {
    const page =
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n";
    handler = () => ({ status: 502, raw: page, contentType: "text/html" });
    const e = await rejection(client({ maxRetries: 2 }).getReservation(5));
    expect(e).toBeInstanceOf(ExplorerServerError);
    expect(e.body).toBe(page);
    expect(e.message).toBe(
      'explorer GET /reservations/5 answered 502: an HTML page "502 Bad Gateway" (not the explorer\'s JSON; a proxy in between?)',
    );
    expect(seen).toHaveLength(3);
  });

  it("an HTML 502 on create is not retried and is ambiguous", async () => {
    handler = () => ({
      status: 502,
      raw: "<!DOCTYPE html><html></html>",
      contentType: "text/html",
    });
    const e = await rejection(client().createReservation(createBody));
    expect(e).toBeInstanceOf(ExplorerServerError);
    expect(e.ambiguous).toBe(true);
    expect(e.message).toBe(
      "explorer POST /reservations answered 502: an HTML page (not the explorer's JSON; a proxy in between?)",
    );
    expect(seen).toHaveLength(1);
  });

  it("an ok node result of unexpected shape keeps the reservation readable; okResultProblem names the field", async () => {
    const zdbResult = {
      category: 0,
      workload_id: "5-1",
      data_json: { Namespace: "5-1", IP: "2a02::5", Port: "9900" },
      signature: "",
      state: 1,
      message: "",
      epoch: 1591787200,
      node_id: "n1",
    };
    // One node's odd answer must not make the reservation unreadable: it could not be cancelled.
    handler = () => ({ status: 200, body: reservationAnswer([zdbResult]) });
    const r = await client().getReservation(5);
    expect(r.results).toEqual([zdbResult]);
    expect(okResultProblem(r.results[0])).toBe(
      "0-db result of 5-1 from node n1: data_json.Port: Expected number, received string",
    );
    const volume = { ...zdbResult, category: 2, workload_id: "5-2", data_json: "5-2" };
    expect(okResultProblem(volume)).toBe(
      "volume result of 5-2 from node n1: data_json: Expected object, received string",
    );
    // Error and deleted results keep whatever they had
    // (docs/protocol.md#e15-node-delete-keeps-the-result); types without data are not checked.
    expect(okResultProblem({ ...volume, state: 0 })).toBeUndefined();
    expect(okResultProblem({ ...volume, state: 2 })).toBeUndefined();
    expect(okResultProblem({ ...volume, category: 4 })).toBeUndefined();
    expect(okResultProblem({ ...zdbResult, data_json: { Namespace: "5-1", Port: 9900 } })).toBe(
      undefined,
    );
  });

  it('results kept after a delete, and a deleted result with node_id "" and category 0, parse', async () => {
    const kept = {
      category: 1,
      workload_id: "5-1",
      data_json: { id: "5-1", ipv6: "", ipv4: "10.1.2.3" },
      signature: "ab",
      state: 2,
      message: "",
      epoch: 1591787200,
      node_id: "n1",
    };
    const fresh = {
      category: 0,
      workload_id: "5-2",
      data_json: null,
      signature: "",
      state: 2,
      message: "",
      epoch: 1591787300,
      node_id: "",
    };
    // An error result keeps the zero struct, also once deleted.
    const failed = {
      ...kept,
      workload_id: "5-3",
      data_json: { Namespace: "", IP: "", Port: 0 },
      state: 2,
      message: "no space left",
    };
    handler = () => ({
      status: 200,
      body: { ...reservationAnswer([kept, fresh, failed]), next_action: 6 },
    });
    const r = await client().getReservation(5);
    expect(r.next_action).toBe(6);
    expect(r.results).toEqual([kept, fresh, failed]);
  });

  it("the garbage Pages header of a size-less list is refused, not followed", async () => {
    handler = () => ({ status: 200, body: [], headers: { Pages: "-9223372036854775808" } });
    const e = (await rejection(client().listReservations())) as ExplorerResponseError;
    expect(e.issuePath).toBe("Pages");
    expect(seen.map((x) => new URL(x.url, "http://x").searchParams.get("size"))).toEqual(["100"]);
  });
});

describe("pagination", () => {
  it("reads Pages and fetches pages 2..N with the filter", async () => {
    handler = (r) => {
      const u = new URL(r.url, "http://x");
      const page = Number(u.searchParams.get("page"));
      return {
        status: 200,
        body: [node(`p${page}a`, 82872), node(`p${page}b`, 82872)],
        headers: { Pages: "3" },
      };
    };
    const nodes = await client().listNodes({ farm: 82872, city: "Vienna", sru: 10 });
    expect(nodes.map((n) => n.node_id)).toEqual(["p1a", "p1b", "p2a", "p2b", "p3a", "p3b"]);
    expect(seen.map((s) => s.url)).toEqual([
      "/explorer/nodes?farm=82872&city=Vienna&sru=10&page=1&size=100",
      "/explorer/nodes?farm=82872&city=Vienna&sru=10&page=2&size=100",
      "/explorer/nodes?farm=82872&city=Vienna&sru=10&page=3&size=100",
    ]);
  });

  it("treats a missing Pages header as one page and null as empty", async () => {
    handler = () => ({ status: 200, body: null });
    expect(await client().listReservations({ customer_tid: 42, next_action: 3 })).toEqual([]);
    expect(seen.map((s) => s.url)).toEqual([
      "/explorer/reservations?customer_tid=42&next_action=3&page=1&size=100",
    ]);
  });

  it("retries a failing middle page", async () => {
    handler = (r, n) => {
      if (n === 2) return { status: 503, body: { error: "busy" } };
      const page = new URL(r.url, "http://x").searchParams.get("page");
      return {
        status: 200,
        body: [{ id: Number(page), threebot_id: 1, name: `f${page}` }],
        headers: { Pages: "2" },
      };
    };
    expect((await client().listFarms()).map((f) => f.name)).toEqual(["f1", "f2"]);
    expect(seen).toHaveLength(3);
  });

  it("rejects a nonsense Pages header", async () => {
    handler = () => ({ status: 200, body: [], headers: { Pages: "lots" } });
    const e = (await rejection(client().listFarms())) as ExplorerResponseError;
    expect(e.code).toBe("explorer.bad_response");
    expect(e.issuePath).toBe("Pages");
  });
});

describe("network errors", () => {
  it("a GET that times out is retried, then an ExplorerNetworkError", async () => {
    handler = () => ({ status: 200, body: node("n1"), delayMs: 300 });
    const e = await rejection(client({ timeoutMs: 50, maxRetries: 1 }).getNode("n1"));
    expect(e).toBeInstanceOf(ExplorerNetworkError);
    expect((e as ExplorerNetworkError).timedOut).toBe(true);
    expect(e.ambiguous).toBe(false);
    expect(e.message).toBe("explorer GET /nodes/n1 failed: no answer within 50 ms");
    expect(seen).toHaveLength(2);
  });

  it("connection refused is a network error; on create it is not ambiguous", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const c = new ExplorerClient({
      baseUrl: `http://127.0.0.1:${port}/explorer`,
      maxRetries: 1,
      minBackoffMs: 1,
    });
    const e = (await rejection(c.createReservation(createBody))) as ExplorerNetworkError;
    expect(e).toBeInstanceOf(ExplorerNetworkError);
    expect(e.errno).toBe("ECONNREFUSED");
    expect(e.timedOut).toBe(false);
    expect(e.ambiguous).toBe(false);
    const g = (await rejection(c.getFarm(1))) as ExplorerNetworkError;
    expect(g.errno).toBe("ECONNREFUSED");
  });
});

describe("transport injection and users", () => {
  it("uses the given axios instance and finds users by name", async () => {
    const transport = axios.create({ headers: { "X-Test": "1" } });
    const seenHeaders: string[] = [];
    transport.interceptors.request.use((cfg) => {
      seenHeaders.push(String(cfg.url));
      return cfg;
    });
    handler = (r) =>
      r.url.includes("name=nobody")
        ? { status: 200, body: [] }
        : {
            status: 200,
            body: [{ id: 9, name: "alice.3bot", pubkey: "cc" }],
            headers: { Pages: "1" },
          };
    const c = new ExplorerClient({ baseUrl: `${base}/`, transport });
    expect(await c.findUserByName("alice.3bot")).toEqual({
      id: 9,
      name: "alice.3bot",
      pubkey: "cc",
    });
    expect(await c.findUserByName("nobody")).toBeUndefined();
    expect(seenHeaders).toEqual([`${base}/users`, `${base}/users`]);
    expect(seen[0].url).toBe("/explorer/users?name=alice.3bot");
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:02 GMT", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
