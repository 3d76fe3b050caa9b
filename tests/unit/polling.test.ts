import {
  CANCEL_KIND,
  cancelReservation,
  clearProvisionTimes,
  expectedProvisionMs,
  pollWaitMs,
  recordProvisionMs,
} from "../../provider/reservation";
import { clearNodeCache, getNodeCached, rememberNodes } from "../../provider/nodecache";
import type { Node } from "../../provider/client/schemas";
import { generateMnemonic, identityFromMnemonic } from "../../provider/identity";

describe("deploy poll schedule", () => {
  afterEach(() => clearProvisionTimes());

  it("without history: first poll after half an interval, gaps growing by half up to the interval", () => {
    expect([0, 1, 2, 3, 4].map((n) => pollWaitMs(n, 1000))).toEqual([500, 750, 1000, 1000, 1000]);
  });

  it("with an expected time: first poll just before it, then close gaps growing to the interval", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => pollWaitMs(n, 1000, 2100))).toEqual([
      2000, 150, 225, 337.5, 506.25, 759.375,
    ]);
    expect(pollWaitMs(6, 1000, 2100)).toBe(1000);
    expect(pollWaitMs(0, 1000, 50)).toBe(100);
  });

  it("expects the median of the kind, else of every kind, else nothing", () => {
    expect(expectedProvisionMs("0-db")).toBeUndefined();
    recordProvisionMs("0-db", 2000);
    recordProvisionMs("0-db", 2400);
    recordProvisionMs("0-db", 2200);
    recordProvisionMs("volume", 3000);
    expect(expectedProvisionMs("0-db")).toBe(2200);
    expect(expectedProvisionMs("volume")).toBe(3000);
    expect(expectedProvisionMs("container")).toBe(2400);
  });

  it("keeps cancels apart: a removal's time is expected only of removals", () => {
    recordProvisionMs(CANCEL_KIND, 300);
    expect(expectedProvisionMs("container")).toBeUndefined();
    recordProvisionMs("0-db", 2000);
    expect(expectedProvisionMs("container")).toBe(2000);
    expect(expectedProvisionMs(CANCEL_KIND)).toBe(300);
  });

  it("a cancel records how long the removal took to show, and polls on the deploy schedule", async () => {
    const identity = identityFromMnemonic(generateMnemonic(), 7);
    const reads: number[] = [];
    const started = Date.now();
    let signedAt = 0;
    const reservation = (next_action: number) => ({
      id: 1,
      json: "{}",
      next_action,
      signatures_delete: signedAt ? [{ tid: 7 }] : [],
      data_reservation: { expiration_reservation: Math.floor(Date.now() / 1000) + 3600 },
      results: [],
    });
    const client = {
      getReservation: async () => {
        reads.push(Date.now() - started);
        // The removal shows 300 ms after the signature.
        return reservation(signedAt && Date.now() - signedAt >= 300 ? 6 : 3);
      },
      signDelete: async () => {
        signedAt = Date.now();
      },
    };
    const outcome = await cancelReservation(client as never, identity, 1, {
      deadlineMs: Date.now() + 10_000,
      pollIntervalMs: 1000,
      log: () => {},
    });
    expect(outcome).toBe("deleted");
    // Polls after 500 ms (half the interval, no history), then 750 ms: not the full interval.
    expect(reads).toHaveLength(2);
    expect(reads[1]).toBeLessThan(1000);
    // Seen within the 500 ms wait: its middle is recorded for the next cancel.
    expect(expectedProvisionMs(CANCEL_KIND)).toBeGreaterThanOrEqual(200);
    expect(expectedProvisionMs(CANCEL_KIND)).toBeLessThan(500);
  });
});

describe("node cache", () => {
  afterEach(() => clearNodeCache());
  const node = (id: string) => ({ node_id: id, farm_id: 1 }) as unknown as Node;

  it("answers from nodes a placement listed, and sends one request for concurrent lookups", async () => {
    const asked: string[] = [];
    const client = {
      getNode: async (id: string) => {
        asked.push(id);
        return node(id);
      },
    };
    rememberNodes("http://x", [node("a")]);
    expect((await getNodeCached(client, "http://x", "a", 60_000)).node_id).toBe("a");
    const [b1, b2] = await Promise.all([
      getNodeCached(client, "http://x", "b", 60_000),
      getNodeCached(client, "http://x", "b", 60_000),
    ]);
    expect([b1.node_id, b2.node_id]).toEqual(["b", "b"]);
    // Another explorer, or an entry older than allowed, is read again.
    await getNodeCached(client, "http://y", "a", 60_000);
    await getNodeCached(client, "http://x", "a", -1);
    expect(asked).toEqual(["b", "a", "a"]);
  });

  it("does not cache failures", async () => {
    let calls = 0;
    const client = {
      getNode: async (id: string) => {
        calls++;
        if (calls === 1) throw Object.assign(new Error("not found"), { status: 404 });
        return node(id);
      },
    };
    await expect(getNodeCached(client, "http://x", "c", 60_000)).rejects.toThrow("not found");
    expect((await getNodeCached(client, "http://x", "c", 60_000)).node_id).toBe("c");
  });
});
