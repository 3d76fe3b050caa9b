import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalGrid } from "../../../localgrid";
import type { LocalGrid } from "../../../localgrid";
import {
  CLI,
  createReservation,
  dataReservation,
  ensureCli,
  http,
  nodes,
  registerUser,
  startGridChild,
  volume,
  waitResults,
  waitState,
} from "./helpers";

describe("expiry (grid clock moved with PUT /__localgrid/clock)", () => {
  let grid: LocalGrid;
  afterAll(() => grid.close());

  it("an expired reservation goes to delete, nodes decommission, then deleted (6) and capacity is released", async () => {
    grid = await startLocalGrid({ port: 0, pollIntervalMs: 20, provisionDelayMs: 0 });
    const url = grid.url;
    const all = await nodes(url);
    const user = await registerUser(url);
    const node = all[5];
    const rid = await createReservation(
      url,
      user,
      dataReservation(user, { volumes: [volume(node, 1, { size: 30 })] }),
    );
    await waitResults(url, rid, 1);
    expect((await http("GET", `${url}/nodes/${node.node_id}`)).body.reserved_resources.sru).toBe(
      30,
    );

    // A reservation that never deploys (its node is down) is deleted after expiration_provisioning.
    grid.setFaults({ downNodes: [all[6].node_id] });
    const stuck = await createReservation(
      url,
      user,
      dataReservation(user, { volumes: [volume(all[6], 1)] }),
    );
    expect(
      (await http("PUT", `${grid.origin}/__localgrid/clock`, { offsetSeconds: 901 })).body
        .offsetSeconds,
    ).toBe(901);
    expect((await http("GET", `${url}/reservations/${stuck}`)).body.next_action).toBe(4);
    expect((await http("GET", `${url}/reservations/${rid}`)).body.next_action).toBe(3);

    expect(
      (await http("PUT", `${grid.origin}/__localgrid/clock`, { offsetSeconds: 25 * 3600 })).status,
    ).toBe(200);
    const gone = await waitState(url, rid, 6);
    expect(gone.results).toEqual([expect.objectContaining({ workload_id: `${rid}-1`, state: 2 })]);
    expect((await http("GET", `${url}/nodes/${node.node_id}`)).body.reserved_resources.sru).toBe(0);
    expect(
      (await http("PUT", `${grid.origin}/__localgrid/clock`, { offsetSeconds: 1.5 })).status,
    ).toBe(400);
  });
});

describe("persistence", () => {
  it("state survives a restart on the same data dir: reservations, results, counters, node state", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localgrid-"));
    let grid = await startLocalGrid({
      port: 0,
      pollIntervalMs: 20,
      provisionDelayMs: 0,
      dataDir: dir,
    });
    const all = await nodes(grid.url);
    const user = await registerUser(grid.url);
    const rid = await createReservation(
      grid.url,
      user,
      dataReservation(user, { volumes: [volume(all[3], 1, { size: 7 })] }),
    );
    const first = await waitResults(grid.url, rid, 1);
    await grid.close();
    expect(JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).reservationCounter).toBe(rid);

    grid = await startLocalGrid({ port: 0, pollIntervalMs: 20, provisionDelayMs: 0, dataDir: dir });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const again = (await http("GET", `${grid.url}/reservations/${rid}`)).body;
      expect(again.results).toEqual(first.results); // not re-provisioned
      expect(
        (await http("GET", `${grid.url}/nodes/${all[3].node_id}`)).body.reserved_resources.sru,
      ).toBe(7);
      expect((await http("GET", `${grid.url}/users/${user.tid}`)).body.name).toBe(user.name);
      const next = await createReservation(grid.url, user, dataReservation(user));
      expect(next).toBe(rid + 1);
    } finally {
      await grid.close();
    }
  });
});

describe("a restart in the middle of a provision", () => {
  it("the node provisions the workload it had taken but not reported once the grid is back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localgrid-"));
    const options = { port: 0, pollIntervalMs: 20, dataDir: dir };
    let grid = await startLocalGrid({ ...options, provisionDelayMs: 1000 });
    const all = await nodes(grid.url);
    const user = await registerUser(grid.url);
    const rid = await createReservation(
      grid.url,
      user,
      dataReservation(user, { volumes: [volume(all[4], 1)] }),
    );
    await new Promise((r) => setTimeout(r, 200)); // polled (cursor moved), still provisioning
    await grid.close();
    const saved = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
    expect(saved.nodes[all[4].node_id].cursor).toBe(rid + 1);
    expect(saved.reservations.find((r: { id: number }) => r.id === rid).results).toEqual([]);

    grid = await startLocalGrid({ ...options, provisionDelayMs: 0 });
    try {
      const done = await waitResults(grid.url, rid, 1);
      expect(done.results).toEqual([
        expect.objectContaining({ workload_id: `${rid}-1`, node_id: all[4].node_id, state: 1 }),
      ]);
    } finally {
      await grid.close();
    }
  });
});

describe("CLI process", () => {
  beforeAll(ensureCli);

  it("prints its URL, serves the default grid, exits 0 on SIGTERM and resumes on restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localgrid-cli-"));
    let grid = await startGridChild(dir);
    let url = grid.url;
    expect(await nodes(url)).toHaveLength(24);
    const user = await registerUser(url);
    const rid = await createReservation(
      url,
      user,
      dataReservation(user, { volumes: [volume((await nodes(url))[0], 1)] }),
    );
    await waitResults(url, rid, 1);
    expect(await grid.stop()).toBe(0);

    grid = await startGridChild(dir);
    url = grid.url;
    try {
      const r = (await http("GET", `${url}/reservations/${rid}`)).body;
      expect(r).toMatchObject({
        id: rid,
        next_action: 3,
        results: [expect.objectContaining({ state: 1 })],
      });
    } finally {
      expect(await grid.stop()).toBe(0);
    }
  });

  it("--help prints usage and exits 0", () => {
    const out = spawnSync(process.execPath, [CLI, "--help"], { encoding: "utf8" });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain("--fail-node ID=MESSAGE");
  });
});
