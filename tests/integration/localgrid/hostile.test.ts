/**
 * A hostile neighbour's inputs: each gets a 4xx or a refusal naming the problem — never a 5xx,
 * a dropped connection, a stack trace in the log, or a node whose reserved capacity goes
 * negative (which would let others overcommit it).
 */
import { request } from "node:http";
import { startLocalGrid } from "../../../localgrid";
import type { LocalGrid } from "../../../localgrid";
import {
  container,
  createReservation,
  dataReservation,
  http,
  network,
  nodes,
  registerUser,
  volume,
  waitResults,
} from "./helpers";
import type { NodeInfo, TestUser } from "./helpers";

let grid: LocalGrid;
const logged: string[] = [];
let user: TestUser;
let all: NodeInfo[];

beforeAll(async () => {
  grid = await startLocalGrid({
    port: 0,
    pollIntervalMs: 20,
    provisionDelayMs: 0,
    log: (l) => logged.push(l),
  });
  all = await nodes(grid.url);
  user = await registerUser(grid.url);
});
afterAll(() => grid.close());
afterEach(() => {
  // No input of this file may reach the generic error handler.
  const traces = logged.filter((l) => /internal error|\n\s+at /.test(l));
  logged.length = 0;
  expect(traces).toEqual([]);
});

/** A POST whose body is sent in chunks without a Content-Length (what a stream upload does). */
function chunkedPost(url: string, bytes: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "Content-Type": "application/json" } });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    const chunk = Buffer.alloc(256 * 1024, "a");
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("hostile requests", () => {
  it("malformed percent-encoding in the path is a 400 naming it", async () => {
    for (const path of ["/explorer/nodes/%ZZ", "/explorer/reservations/%E0%A4%A", "/explorer/%"]) {
      const res = await http("GET", `${grid.origin}${path}`);
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 400,
        body: { error: expect.stringContaining("malformed percent-encoding") },
      });
    }
  });

  it("a 9 MiB body is answered 413, with or without Content-Length, and the grid keeps serving", async () => {
    const big = `{"json":"${"a".repeat(9 * 1024 * 1024)}"}`;
    const withLength = await http("POST", `${grid.url}/reservations`, big);
    expect({ status: withLength.status, body: withLength.body }).toEqual({
      status: 413,
      body: { error: expect.stringContaining("request body larger than") },
    });
    const chunked = await chunkedPost(`${grid.url}/reservations`, 9 * 1024 * 1024);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text).error).toContain("request body larger than");
    expect((await http("GET", `${grid.url}/users/${user.tid}`)).status).toBe(200);
  });
});

describe("absurd capacities are refused by the node, as zos would", () => {
  let netRidSeq = 1;
  const cases: [string, Record<string, number>, RegExp][] = [
    ["negative cpu and memory", { cpu: -1000, memory: -1024000 }, /capacity\.cpu -1000 is invalid/],
    ["zero cpu", { cpu: 0 }, /capacity\.cpu 0 is invalid; it must be at least 1 \(vCPU\)/],
    ["negative memory", { memory: -1 }, /capacity\.memory -1 is invalid/],
    ["zero disk_size", { disk_size: 0 }, /capacity\.disk_size 0 is invalid/],
    [
      "more cpu than any node has",
      { cpu: 100000 },
      /not enough free capacity .* requested cru 100000 vCPU/,
    ],
  ];

  it.each(cases)(
    "%s: error result, the node's reserved capacity unchanged",
    async (_, capacity, message) => {
      const node = all[2];
      const netRid = await createReservation(
        grid.url,
        user,
        dataReservation(user, {
          networks: [
            network(`hostile${netRidSeq++}`, 1, [
              { node, subnet: "172.20.9.0/24", port: 7100 + netRidSeq },
            ]),
          ],
        }),
      );
      expect((await waitResults(grid.url, netRid, 1)).results[0].state).toBe(1);
      const reserved = (await http("GET", `${grid.url}/nodes/${node.node_id}`)).body
        .reserved_resources;

      const base = container(node, 1, `hostile${netRidSeq - 1}`, "172.20.9.7");
      const rid = await createReservation(
        grid.url,
        user,
        dataReservation(user, {
          containers: [
            { ...base, capacity: { ...(base.capacity as Record<string, number>), ...capacity } },
          ],
        }),
      );
      const r = await waitResults(grid.url, rid, 1);
      expect(r.results[0]).toMatchObject({ state: 0, message: expect.stringMatching(message) });
      const after = (await http("GET", `${grid.url}/nodes/${node.node_id}`)).body
        .reserved_resources;
      expect(after).toEqual(reserved);
      expect(Math.min(after.cru, after.mru, after.sru, after.hru)).toBeGreaterThanOrEqual(0);
    },
  );

  it("a volume of negative size is refused", async () => {
    const rid = await createReservation(
      grid.url,
      user,
      dataReservation(user, { volumes: [volume(all[3], 1, { size: -50 })] }),
    );
    const r = await waitResults(grid.url, rid, 1);
    expect(r.results[0]).toMatchObject({
      state: 0,
      message: expect.stringContaining("size must be at least 1 GiB"),
    });
  });
});
