// The control API's bad-answer knob: each kind answers with exactly its bytes, before processing
// (a router's answer: nothing happened) or after (the request took effect, its answer garbled).
import { startLocalGrid } from "../../../localgrid";
import type { LocalGrid } from "../../../localgrid";
import { BAD_ANSWERS } from "../../../localgrid/settings";
import { createReservation, dataReservation, http, registerUser, reservationBody } from "./helpers";
import type { TestUser } from "./helpers";

let grid: LocalGrid;
let user: TestUser;

beforeAll(async () => {
  grid = await startLocalGrid({ port: 0, pollIntervalMs: 20, provisionDelayMs: 0, seed: 9 });
  user = await registerUser(grid.url);
});
afterAll(() => grid.close());

const reservations = async (): Promise<number> =>
  (await http("GET", `${grid.origin}/__localgrid/state`)).body.reservations.length;

describe("badAnswer", () => {
  it.each(Object.keys(BAD_ANSWERS) as (keyof typeof BAD_ANSWERS)[])(
    "%s: the answer's status, type and bytes, and whether the create took effect",
    async (kind) => {
      const bad = BAD_ANSWERS[kind];
      const put = await http("PUT", `${grid.origin}/__localgrid/faults`, {
        badAnswerRate: 1,
        badAnswer: kind,
      });
      expect(put.body).toMatchObject({ badAnswerRate: 1, badAnswer: kind });
      const before = await reservations();
      const res = await fetch(`${grid.url}/reservations`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(reservationBody(user, dataReservation(user))),
      });
      expect({
        status: res.status,
        type: res.headers.get("content-type") ?? "",
        text: await res.text(),
      }).toEqual({ status: bad.status, type: bad.contentType, text: bad.body });
      expect(await reservations()).toBe(before + (bad.afterProcess ? 1 : 0));
      // The control API is never faulted.
      expect((await http("GET", `${grid.origin}/__localgrid/faults`)).status).toBe(200);
      grid.setFaults({ badAnswerRate: 0 });
      expect(await createReservation(grid.url, user, dataReservation(user))).toBeGreaterThan(0);
    },
  );

  it("refuses an unknown kind and an odd-result node that does not exist", async () => {
    const res = await http("PUT", `${grid.origin}/__localgrid/faults`, { badAnswer: "teapot" });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^badAnswer: Invalid enum value/);
    const odd = await http("PUT", `${grid.origin}/__localgrid/faults`, {
      oddResultNodes: ["nope"],
    });
    expect(odd).toMatchObject({ status: 400, body: { error: "unknown node id(s): nope" } });
  });
});
