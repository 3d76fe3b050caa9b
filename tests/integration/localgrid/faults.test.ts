import { startLocalGrid } from "../../../localgrid";
import type { LocalGrid } from "../../../localgrid";
import {
  createReservation,
  dataReservation,
  http,
  signDelete,
  nodes,
  registerUser,
  reservationBody,
  volume,
  waitResults,
  waitState,
} from "./helpers";
import type { NodeInfo, TestUser } from "./helpers";

let grid: LocalGrid;
let url: string;
let all: NodeInfo[];
let user: TestUser;

beforeAll(async () => {
  grid = await startLocalGrid({ port: 0, pollIntervalMs: 20, provisionDelayMs: 0, seed: 7 });
  url = grid.url;
  all = await nodes(url);
  user = await registerUser(url);
});
afterAll(() => grid.close());
afterEach(() =>
  grid.setFaults({
    latencyMs: 0,
    fail5xxRate: 0,
    dropAfterProcessRate: 0,
    downNodes: [],
    failingNodes: {},
    provisionDelayMs: 0,
  }),
);

const control = (method: string, path: string, body?: unknown) =>
  http(method, `${grid.origin}/__localgrid${path}`, body);

describe("fault knobs", () => {
  it("fail5xxRate 1: every explorer request is answered 500 before processing; the control API is untouched", async () => {
    expect((await control("PUT", "/faults", { fail5xxRate: 1 })).body.fail5xxRate).toBe(1);
    const before = (await control("GET", "/state")).body.reservations.length;
    const res = await http(
      "POST",
      `${url}/reservations`,
      reservationBody(user, dataReservation(user)),
    );
    expect(res).toMatchObject({
      status: 500,
      body: { error: "localgrid injected fault: 500 before processing" },
    });
    expect((await control("GET", "/state")).body.reservations).toHaveLength(before);
  });

  it("dropAfterProcessRate 1: the request takes effect but the connection is dropped", async () => {
    grid.setFaults({ dropAfterProcessRate: 1 });
    const before = (await control("GET", "/state")).body.reservations.length;
    await expect(
      http("POST", `${url}/reservations`, reservationBody(user, dataReservation(user))),
    ).rejects.toThrow("fetch failed");
    expect((await control("GET", "/state")).body.reservations).toHaveLength(before + 1);
  });

  it("fault decisions are deterministic under a seed", async () => {
    const run = async () => {
      await control("PUT", "/faults", { fail5xxRate: 0.5, seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await http("GET", `${url}/farms`)).status);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it("latencyMs delays explorer requests only", async () => {
    grid.setFaults({ latencyMs: 150 });
    let t = Date.now();
    await http("GET", `${url}/farms`);
    expect(Date.now() - t).toBeGreaterThanOrEqual(145);
    t = Date.now();
    await control("GET", "/faults");
    expect(Date.now() - t).toBeLessThan(100);
  });

  it("provisionDelayMs delays each workload", async () => {
    grid.setFaults({ provisionDelayMs: 400 });
    const t = Date.now();
    const rid = await createReservation(
      url,
      user,
      dataReservation(user, { volumes: [volume(all[2], 1)] }),
    );
    await waitResults(url, rid, 1);
    expect(Date.now() - t).toBeGreaterThanOrEqual(390);
  });

  it("a down node never polls, looks stale, and provisions once it is back", async () => {
    const node = all[1];
    await control("PUT", "/faults", { downNodes: [node.node_id] });
    const rid = await createReservation(
      url,
      user,
      dataReservation(user, { volumes: [volume(node, 1)] }),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await http("GET", `${url}/reservations/${rid}`)).body.results).toEqual([]);
    const n = (await http("GET", `${url}/nodes/${node.node_id}`)).body;
    expect(Date.now() / 1000 - n.updated).toBeGreaterThan(600);
    await control("PUT", "/faults", { downNodes: [] });
    expect((await waitResults(url, rid, 1)).results[0]).toMatchObject({ state: 1 });
  });

  it("a failing node fails every workload with the given message", async () => {
    const node = all[2];
    await control("PUT", "/faults", { failingNodes: { [node.node_id]: "disk /dev/sda failed" } });
    const rid = await createReservation(
      url,
      user,
      dataReservation(user, { volumes: [volume(node, 1)] }),
    );
    const r = await waitResults(url, rid, 1);
    expect(r.results[0]).toMatchObject({
      state: 0,
      message: "disk /dev/sda failed",
      data_json: { volume_id: "" },
    });
    // An error result moves the reservation to delete; only the customer's cancel reaches 6
    // (docs/protocol.md#e16-error-result-queues-nothing).
    expect((await http("GET", `${url}/reservations/${rid}`)).body.next_action).toBe(4);
    expect((await signDelete(url, user, rid)).status).toBe(201);
    await waitState(url, rid, 6);
  });

  it("PUT /faults validates its body and node ids", async () => {
    expect(await control("PUT", "/faults", { fail5xxRate: 2 })).toMatchObject({
      status: 400,
      body: { error: "fail5xxRate: Number must be less than or equal to 1" },
    });
    expect(await control("PUT", "/faults", { downNodes: ["nope"] })).toMatchObject({
      status: 400,
      body: { error: "unknown node id(s): nope" },
    });
    expect(await control("PUT", "/faults", { bogus: 1 })).toMatchObject({ status: 400 });
  });
});

describe("control API", () => {
  it("counts requests per route template", async () => {
    const before = grid.counters()["GET /explorer/reservations/{id}"] ?? 0;
    await http("GET", `${url}/reservations/1`);
    await http("GET", `${url}/reservations/2`);
    const c = (await control("GET", "/counters")).body;
    expect(c["GET /explorer/reservations/{id}"]).toBe(before + 2);
    expect(c["POST /explorer/users"]).toBe(1);
  });

  it("reset forgets users, reservations and counters", async () => {
    const other = await registerUser(url);
    expect((await control("POST", "/reset")).body).toEqual({ reset: true });
    const st = (await control("GET", "/state")).body;
    expect({ users: st.users, reservations: st.reservations }).toEqual({
      users: [],
      reservations: [],
    });
    expect(await http("GET", `${url}/users/${other.tid}`)).toMatchObject({ status: 404 });
    expect((await control("GET", "/counters")).body).toEqual({
      "GET /__localgrid/counters": 1,
      "GET /__localgrid/state": 1,
      "GET /explorer/users/{tid}": 1,
    });
    user = await registerUser(url);
    expect(user.tid).toBe(1);
  });

  it("has no secrets route unless started with exposeSecretsForTests", async () => {
    expect(await control("GET", "/secrets/999-1")).toMatchObject({
      status: 404,
      text: "404 page not found\n",
    });
  });
});
