/**
 * A crashing machine, against the real CLI process: concurrent reservation creates and user
 * registrations, `kill -9` at a random moment, restart on the same data dir — every answered
 * (acknowledged) write is there, no id is handed out twice, no temp file is left.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "libsodium-wrappers";
import {
  dataReservation,
  http,
  nodes,
  registerUser,
  reservationBody,
  startGridChild,
  volume,
  waitFor,
  waitResults,
} from "./helpers";
import type { GridChild, NodeInfo, TestUser } from "./helpers";

const ROUNDS = 5;
const WORKERS = 8;

interface Acked {
  reservations: Map<number, string>; // id → the json the client signed
  users: Map<number, string>; // tid → name
}

/**
 * Sends creates and registrations from WORKERS concurrent loops until the grid stops answering;
 * records only what was answered 201.
 */
async function load(grid: GridChild, user: TestUser, all: NodeInfo[], acked: Acked, round: number) {
  let stop = false;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      try {
        if (i % 3 === 2) {
          const name = `crash${round}.${w}.${i}.${process.pid}`;
          const res = await http("POST", `${grid.url}/users`, {
            name,
            email: `${name}@example.org`,
            pubkey: sodium.to_hex(sodium.crypto_sign_keypair().publicKey),
          });
          if (res.status === 201) acked.users.set(res.body.id, name);
        } else {
          const data = dataReservation(user, {
            description: `round ${round} worker ${w} #${i}`,
            volumes: [volume(all[(w + i) % all.length], 1, { size: 1 })],
          });
          const body = reservationBody(user, data);
          const res = await http("POST", `${grid.url}/reservations`, body);
          if (res.status === 201)
            acked.reservations.set(res.body.reservation_id, body.json as string);
        }
      } catch {
        stop = true; // the grid is gone
      }
    }
  };
  return Array.from({ length: WORKERS }, (_, w) => worker(w));
}

/** Every acknowledged write is there, and it is the one that was acknowledged. */
async function expectAllPresent(url: string, acked: Acked): Promise<void> {
  const missing: string[] = [];
  for (const [id, json] of acked.reservations) {
    const r = await http("GET", `${url}/reservations/${id}`);
    if (r.status !== 200 || r.body.json !== json) missing.push(`reservation ${id} (${r.status})`);
  }
  for (const [tid, name] of acked.users) {
    const u = await http("GET", `${url}/users/${tid}`);
    if (u.status !== 200 || u.body.name !== name) missing.push(`user ${tid} (${u.status})`);
  }
  expect(missing).toEqual([]);
}

/** The data dir's files but the spare log, which may be being filled. */
const stateFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f !== "state.wal.next")
    .sort();

describe("kill -9 of the grid process under concurrent writes", () => {
  it(`keeps every acknowledged reservation and user over ${ROUNDS} crashes and reuses no id`, async () => {
    await sodium.ready;
    const dir = mkdtempSync(join(tmpdir(), "localgrid-crash-"));
    // A small log threshold: the log is compacted into state.json many times per round, so the
    // kill also lands in the middle of snapshot writes.
    const args = ["--compact-bytes", "65536"];
    const acked: Acked = { reservations: new Map(), users: new Map() };
    const delays: number[] = [];
    let grid = await startGridChild(dir, args);
    try {
      const all = await nodes(grid.url);
      const user = await registerUser(grid.url);
      acked.users.set(user.tid, user.name);
      for (let round = 1; round <= ROUNDS; round++) {
        const before = acked.reservations.size + acked.users.size;
        const workers = await load(grid, user, all, acked, round);
        // Some writes acknowledged (a round that wrote nothing proves nothing), then a random
        // moment in the middle of the stream.
        await waitFor("acknowledged writes", async () =>
          acked.reservations.size + acked.users.size >= before + 20 ? true : undefined,
        );
        const delay = Math.floor(Math.random() * 400);
        delays.push(delay);
        await new Promise((r) => setTimeout(r, delay));
        await grid.kill9();
        await Promise.all(workers);

        grid = await startGridChild(dir, args).catch((e: Error) => {
          throw new Error(`restart after kill -9 (delays ${delays.join(", ")} ms): ${e.message}`);
        });
        // Recovery compacted everything into the snapshot: no temp file, no closed log.
        expect({ delays, files: stateFiles(dir) }).toEqual({
          delays,
          files: ["state.json", "state.wal"],
        });
        await expectAllPresent(grid.url, acked);
      }
      // Ids keep growing after the last crash: none of the acknowledged ones is handed out again.
      const next = await registerUser(grid.url);
      expect(acked.users.has(next.tid)).toBe(false);
      const rid = (
        await http(
          "POST",
          `${grid.url}/reservations`,
          reservationBody(user, dataReservation(user, { volumes: [volume(all[0], 1)] })),
        )
      ).body.reservation_id as number;
      expect(acked.reservations.has(rid)).toBe(false);
      expect(rid).toBeGreaterThan(Math.max(...acked.reservations.keys()));
    } finally {
      expect(await grid.stop()).toBe(0);
    }
    // A clean stop leaves no temp file (nor a spare log) either.
    expect(readdirSync(dir).sort()).toEqual(["state.json", "state.wal"]);
  });
});

describe("recovery of a damaged log", () => {
  /** A data dir whose log holds the registration of `count` users (kill -9: no compaction). */
  async function crashedWithUsers(count: number): Promise<{ dir: string; names: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), "localgrid-torn-"));
    const grid = await startGridChild(dir);
    const names: string[] = [];
    for (let i = 0; i < count; i++) names.push((await registerUser(grid.url)).name);
    await grid.kill9();
    return { dir, names };
  }

  /** The log's bytes up to the zero-filled part. */
  function written(dir: string): Buffer {
    const raw = readFileSync(join(dir, "state.wal"));
    return raw.subarray(0, raw.indexOf(0) === -1 ? raw.length : raw.indexOf(0));
  }

  it("drops a last record cut by a crash and keeps the ones before it", async () => {
    const { dir, names } = await crashedWithUsers(2);
    const end = written(dir).length;
    expect(end).toBeGreaterThan(0);
    const fd = openSync(join(dir, "state.wal"), "r+");
    writeSync(fd, Buffer.from('{"walSeq":99,"users":[{"id":7,"na'), 0, undefined, end);
    closeSync(fd);

    const grid = await startGridChild(dir);
    try {
      expect(grid.stderr()).toContain("dropped the unfinished last record of state.wal");
      const users = (await http("GET", `${grid.url}/users`)).body as { name: string }[];
      expect(users.map((u) => u.name)).toEqual(names);
    } finally {
      await grid.stop();
    }
  });

  it("replays a control-API reset: what was there before it stays gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localgrid-reset-"));
    let grid = await startGridChild(dir);
    const before = await registerUser(grid.url);
    const all = await nodes(grid.url);
    const rid = (
      await http(
        "POST",
        `${grid.url}/reservations`,
        reservationBody(before, dataReservation(before, { volumes: [volume(all[0], 1)] })),
      )
    ).body.reservation_id as number;
    await waitResults(grid.url, rid, 1); // provisioned: the node holds it before the reset
    expect((await http("POST", `${grid.origin}/__localgrid/reset`)).status).toBe(200);
    const after = await registerUser(grid.url);
    await grid.kill9();

    grid = await startGridChild(dir);
    try {
      expect((await http("GET", `${grid.url}/users`)).body).toEqual([
        expect.objectContaining({ id: after.tid, name: after.name }),
      ]);
      expect((await http("GET", `${grid.url}/reservations/${rid}`)).status).toBe(404);
      expect(
        (await http("GET", `${grid.url}/nodes/${all[0].node_id}`)).body.reserved_resources,
      ).toEqual({ cru: 0, mru: 0, hru: 0, sru: 0 });
    } finally {
      await grid.stop();
    }
  });

  it("refuses to start on a damaged record that has records after it, naming the file", async () => {
    const { dir } = await crashedWithUsers(2);
    const text = written(dir).toString("utf8");
    expect(text.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(2);
    const fd = openSync(join(dir, "state.wal"), "r+");
    writeSync(fd, Buffer.from("X"), 0, 1, 0);
    closeSync(fd);

    await expect(startGridChild(dir)).rejects.toThrow(
      /state\.wal: record 1 of \d+ is not valid JSON .* although records follow it; the log is damaged/,
    );
  });
});

describe("a disk that fails", () => {
  it("stops acknowledging at the first failed write and keeps everything answered before", async () => {
    const dir = mkdtempSync(join(tmpdir(), "localgrid-efbig-"));
    // Files may not grow past 256 KiB: the zero-filled spare log fails at once (the log then
    // grows as written), and the log itself fails after some records.
    let grid = await startGridChild(dir, [], { fileSizeKiB: 256 });
    const acked: number[] = [];
    let refused: { status: number; error: string } | undefined;
    try {
      const all = await nodes(grid.url);
      const user = await registerUser(grid.url);
      for (let i = 0; i < 1000 && !refused; i++) {
        const res = await http(
          "POST",
          `${grid.url}/reservations`,
          reservationBody(user, dataReservation(user, { volumes: [volume(all[i % 24], 1)] })),
        );
        if (res.status === 201) acked.push(res.body.reservation_id);
        else refused = { status: res.status, error: res.body?.error };
      }
      expect(acked.length).toBeGreaterThan(10);
      expect(refused).toEqual({
        status: 500,
        error: expect.stringMatching(
          /^localgrid could not save the change: the state log could not be written \(.*EFBIG.*\); restart the grid/,
        ),
      });
      // Nothing is answered as if saved any more, reads included.
      expect((await http("GET", `${grid.url}/users/${user.tid}`)).status).toBe(500);
      expect(grid.stderr()).toContain("preparing the next state log failed");
    } finally {
      await grid.stop();
    }

    grid = await startGridChild(dir);
    try {
      const missing: number[] = [];
      for (const id of acked)
        if ((await http("GET", `${grid.url}/reservations/${id}`)).status !== 200) missing.push(id);
      expect(missing).toEqual([]);
    } finally {
      await grid.stop();
    }
  });
});
