/**
 * The real explorer's edge behaviour (docs/protocol.md#edge-behaviour), one `it` per fact E1–E18,
 * driven over HTTP with exact status codes, content types and bodies. Facts E16, E17 and E18 are
 * covered elsewhere or listed in localgrid/LIMITATIONS.md; E16 is in refusals.test.ts.
 */
import sodium from "libsodium-wrappers";
import {
  createReservation,
  dataReservation,
  http,
  registerUser,
  reservationBody,
  signDelete,
  signHex,
  useGrid,
  volume,
  waitState,
  zdb,
} from "./helpers";
import type { HttpAnswer } from "./helpers";

const logLines: string[] = [];
const fx = useGrid(undefined, { log: (l) => logLines.push(l) });

const JSON_TYPE = "application/json";

/** Log lines about one workload id (not a longer id ending in it, "15-1" for "5-1"). */
const linesAbout = (lines: string[], gwid: string, suffix = ""): string[] =>
  lines.filter((l) => new RegExp(`(^|[^0-9])${gwid}${suffix}([^0-9]|$)`).test(l));

/** Status, Content-Type and the exact body text of an answer. */
const shape = (a: HttpAnswer): { status: number; type: string | null; text: string } => ({
  status: a.status,
  type: a.headers.get("content-type"),
  text: a.text,
});

const jsonError = (status: number, error: string) => ({
  status,
  type: JSON_TYPE,
  text: JSON.stringify({ error }),
});

const ROUTER_404 = { status: 404, type: "text/plain; charset=utf-8", text: "404 page not found\n" };
const ROUTER_405 = { status: 405, type: null, text: "" };

async function newPubkey(): Promise<string> {
  await sodium.ready;
  return sodium.to_hex(sodium.crypto_sign_keypair().publicKey);
}

describe("edge behaviour: users", () => {
  it('E1: a name shorter than 3 characters, "" included, is a 400, never a 5xx', async () => {
    const pubkey = await newPubkey();
    for (const name of ["", "ab"]) {
      expect(shape(await http("POST", `${fx.url}/users`, { name, email: "", pubkey }))).toEqual(
        jsonError(400, `name should be at least 3 characters, got ${JSON.stringify(name)}`),
      );
    }
  });

  it('E2: the email index is not sparse: a second user with email "" is a 409', async () => {
    const first = await http("POST", `${fx.url}/users`, {
      name: "noemail1",
      email: "",
      pubkey: await newPubkey(),
    });
    expect(first.status).toBe(201);
    expect(
      shape(
        await http("POST", `${fx.url}/users`, {
          name: "noemail2",
          email: "",
          pubkey: await newPubkey(),
        }),
      ),
    ).toEqual(jsonError(409, 'user with email "" already exists'));
  });

  it("E3: pubkey is stored and returned exactly as sent", async () => {
    const kp = sodium.crypto_sign_keypair();
    const upper = sodium.to_hex(kp.publicKey).toUpperCase();
    const created = await http("POST", `${fx.url}/users`, {
      name: "upperkey",
      email: "upper@example.org",
      pubkey: upper,
    });
    expect(created.status).toBe(201);
    expect(created.body.pubkey).toBe(upper);
    expect((await http("GET", `${fx.url}/users/${created.body.id}`)).body.pubkey).toBe(upper);
    // The upper-case key still verifies.
    const payload = sodium.from_string("hello");
    const valid = await http("POST", `${fx.url}/users/${created.body.id}/validate`, {
      payload: sodium.to_hex(payload),
      signature: sodium.to_hex(sodium.crypto_sign_detached(payload, kp.privateKey)),
    });
    expect(shape(valid)).toEqual({ status: 200, type: JSON_TYPE, text: '{"is_valid":true}' });
  });

  it("E4: validate decodes the hex before the user lookup: bad hex on an unknown tid is 400", async () => {
    expect(
      shape(await http("POST", `${fx.url}/users/99999/validate`, { payload: "zz", signature: "" })),
    ).toEqual(jsonError(400, "payload is not valid hex"));
    expect(
      shape(await http("POST", `${fx.url}/users/99999/validate`, { payload: "00", signature: "" })),
    ).toEqual(jsonError(404, "user 99999 not found"));
  });
});

describe("edge behaviour: decoding", () => {
  const create = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    http("POST", `${fx.url}/reservations`, reservationBody(fx.user, data, extra));

  it("E5: every enum is a uint8: 256 and -1 fail decoding with Go's message", async () => {
    const node = fx.all[0];
    expect(shape(await create(dataReservation(fx.user), { next_action: 256 }))).toEqual(
      jsonError(
        400,
        "json: cannot unmarshal number 256 into Go struct field workloads.Reservation.next_action of type workloads.NextActionEnum",
      ),
    );
    expect(
      shape(await create(dataReservation(fx.user, { zdbs: [zdb(node, 1, { mode: -1 })] }))),
    ).toEqual(
      jsonError(
        400,
        "json: cannot unmarshal number -1 into Go struct field workloads.Reservation.data_reservation.zdbs.mode of type workloads.ZDBModeEnum",
      ),
    );
    expect(
      shape(await create(dataReservation(fx.user, { volumes: [volume(node, 1, { type: 256 })] }))),
    ).toEqual(
      jsonError(
        400,
        "json: cannot unmarshal number 256 into Go struct field workloads.Reservation.data_reservation.volumes.type of type workloads.VolumeTypeEnum",
      ),
    );
    // 255 decodes: the range, not the known values, is what decoding checks.
    const ok = await create(dataReservation(fx.user, { zdbs: [zdb(node, 1, { mode: 255 })] }));
    expect(ok.status).toBe(201);
  });

  it("E5: a result's state and category are uint8 too", async () => {
    const node = fx.all[9];
    fx.grid.setFaults({ downNodes: [node.node_id] });
    try {
      const rid = await createReservation(
        fx.url,
        fx.user,
        dataReservation(fx.user, { volumes: [volume(node, 1)] }),
      );
      const put = (result: Record<string, unknown>) =>
        http("PUT", `${fx.url}/reservations/workloads/${rid}-1/${node.node_id}`, {
          category: 2,
          workload_id: "",
          data_json: null,
          signature: "",
          state: 1,
          message: "",
          epoch: 0,
          node_id: "",
          ...result,
        });
      expect(shape(await put({ state: 256 }))).toEqual(
        jsonError(
          400,
          "json: cannot unmarshal number 256 into Go struct field workloads.Result.state of type workloads.ResultStateEnum",
        ),
      );
      expect(shape(await put({ category: -1 }))).toEqual(
        jsonError(
          400,
          "json: cannot unmarshal number -1 into Go struct field workloads.Result.category of type workloads.WorkloadTypeEnum",
        ),
      );
    } finally {
      fx.grid.setFaults({ downNodes: [] });
    }
  });

  it("E6: dates are integer seconds; a digit string or null is a 400", async () => {
    const d = dataReservation(fx.user);
    expect(
      shape(await create({ ...d, expiration_reservation: String(d.expiration_reservation) })),
    ).toEqual(
      jsonError(
        400,
        `invalid date string "${String(d.expiration_reservation)}" (workloads.Reservation.data_reservation.expiration_reservation); send dates as integer Unix seconds`,
      ),
    );
    expect(shape(await create({ ...d, expiration_provisioning: null }))).toEqual(
      jsonError(
        400,
        "unknown date format: <nil>(null) (workloads.Reservation.data_reservation.expiration_provisioning); send dates as integer Unix seconds",
      ),
    );
    expect(shape(await create(d, { epoch: null }))).toEqual(
      jsonError(
        400,
        "unknown date format: <nil>(null) (workloads.Reservation.epoch); send dates as integer Unix seconds",
      ),
    );
    // The real explorer parses Jumpscale date strings; localgrid refuses them (LIMITATIONS.md).
    expect(shape(await create({ ...d, expiration_reservation: "05/12 10:00" }))).toEqual(
      jsonError(
        400,
        'localgrid does not parse Jumpscale date strings such as "05/12 10:00" (workloads.Reservation.data_reservation.expiration_reservation); send dates as integer Unix seconds',
      ),
    );
    // Float seconds and "" (no date) decode, as on the real explorer.
    expect((await create(d, { epoch: "" })).status).toBe(201);
    expect((await create(d, { epoch: 12.5 })).status).toBe(201);
  });
});

describe("edge behaviour: create and sign", () => {
  const create = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    http("POST", `${fx.url}/reservations`, reservationBody(fx.user, data, extra));

  it("E7: the client's next_action is not reset: 4 and 5 are refused, 6 is stored deleted, 3 skips signing", async () => {
    for (const [state, name] of [
      [5, "invalid"],
      [4, "delete"],
    ] as const) {
      expect(shape(await create(dataReservation(fx.user), { next_action: state }))).toEqual(
        jsonError(
          400,
          `invalid request wrong status '${name}': next_action ${state} cannot be created; send next_action 0 (create)`,
        ),
      );
    }
    const node = fx.all[10];
    const deleted = await create(dataReservation(fx.user, { volumes: [volume(node, 1)] }), {
      next_action: 6,
    });
    expect(deleted.status).toBe(201);
    const rid = deleted.body.reservation_id;
    expect((await http("GET", `${fx.url}/reservations/${rid}`)).body.next_action).toBe(6);
    const polled = await http("GET", `${fx.url}/reservations/workloads/${node.node_id}?from=0`);
    expect(
      polled.body.filter((i: { workload_id: string }) => i.workload_id === `${rid}-1`),
    ).toEqual([]);
    // 3 (deploy) enters the pipeline as is: a provision quorum nobody signed is skipped.
    const other = await registerUser(fx.url);
    const skipped = await create(
      dataReservation(fx.user, {
        signing_request_provision: { signers: [other.tid], quorum_min: 1 },
      }),
      { next_action: 3 },
    );
    expect(skipped.status).toBe(201);
    expect(
      (await http("GET", `${fx.url}/reservations/${skipped.body.reservation_id}`)).body.next_action,
    ).toBe(3);
  });

  it("E8: create checks in the real order: expiry, own checks, pipeline, user, signature", async () => {
    const node = fx.all[0];
    const stranger = { ...fx.user, tid: 99999 };
    const body = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      reservationBody(stranger, data, extra);
    const post = async (b: Record<string, unknown>) =>
      shape(await http("POST", `${fx.url}/reservations`, b));
    const now = Math.floor(Date.now() / 1000);
    // Expired, with duplicate ids, next_action 5 and an unknown customer: the expiry speaks.
    const everything = dataReservation(fx.user, {
      volumes: [volume(node, 1), volume(node, 1)],
      expiration_reservation: now - 10,
    });
    const first = await post(body(everything, { next_action: 5 }));
    expect(first.status).toBe(400);
    expect(JSON.parse(first.text).error).toMatch(/^expiration_reservation \d+ is in the past/);
    // Without the expiry: the duplicate id.
    const dup = dataReservation(fx.user, { volumes: [volume(node, 1), volume(node, 1)] });
    expect(await post(body(dup, { next_action: 5 }))).toEqual(
      jsonError(
        400,
        "duplicate workload_id 1 (volume and volume); workload ids must be unique in a reservation",
      ),
    );
    // Without it: the pipeline, before the unknown customer.
    expect(await post(body(dataReservation(fx.user), { next_action: 5 }))).toEqual(
      jsonError(
        400,
        "invalid request wrong status 'invalid': next_action 5 cannot be created; send next_action 0 (create)",
      ),
    );
    // Then the user, before the signature (signed by fx.user's key for tid 99999).
    expect(await post(body(dataReservation(fx.user)))).toEqual(
      jsonError(400, "customer_tid 99999 is not a registered user"),
    );
    const other = await registerUser(fx.url);
    expect(
      await post(reservationBody({ ...fx.user, tid: other.tid }, dataReservation(fx.user))),
    ).toEqual(jsonError(400, "failed to verify customer signature"));
  });

  it("E9: the free escrow acts only at create: a provision quorum met later leaves the reservation at pay (2)", async () => {
    const node = fx.all[11];
    const other = await registerUser(fx.url);
    const rid = await createReservation(
      fx.url,
      fx.user,
      dataReservation(fx.user, {
        signing_request_provision: { signers: [other.tid], quorum_min: 1 },
        volumes: [volume(node, 1)],
      }),
    );
    const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
    expect(r.next_action).toBe(1);
    const signed = await http("POST", `${fx.url}/reservations/${rid}/sign/provision`, {
      tid: other.tid,
      signature: signHex(`${rid}${r.json}`, other),
      epoch: 0,
    });
    expect(shape(signed)).toEqual({ status: 201, type: JSON_TYPE, text: "null" });
    // Nodes poll every 20 ms: after many polls, still pay, nothing provisioned, nothing to poll.
    const pollsBefore = logLines.length;
    await new Promise((res) => setTimeout(res, 300));
    const later = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
    expect(later).toMatchObject({ next_action: 2, results: [] });
    expect(linesAbout(logLines.slice(pollsBefore), `${rid}-1`)).toEqual([]);
    const polled = await http("GET", `${fx.url}/reservations/workloads/${node.node_id}?from=0`);
    expect(
      polled.body.filter((i: { workload_id: string }) => i.workload_id === `${rid}-1`),
    ).toEqual([]);
  });

  it("E13: sign/provision checks the state (401) before it looks the signer up", async () => {
    const rid = await createReservation(fx.url, fx.user, dataReservation(fx.user));
    expect(
      shape(
        await http("POST", `${fx.url}/reservations/${rid}/sign/provision`, {
          tid: 99999,
          signature: "00",
          epoch: 0,
        }),
      ),
    ).toEqual(
      jsonError(
        401,
        `reservation not expecting signatures: reservation ${rid} is in next_action 3 (deploy), provision signatures are taken in 1 (sign) only`,
      ),
    );
  });
});

describe("edge behaviour: routes and router defaults", () => {
  it("E10: typed reservation ids and unknown routes get the router's text/plain 404", async () => {
    for (const path of [
      "/reservations/abc",
      "/reservations/abc/sign/delete",
      "/reservations/1/nope",
      "/reservations/",
      "/nope",
    ]) {
      const method = path.endsWith("sign/delete") ? "POST" : "GET";
      const a = await http(method, `${fx.url}${path}`, method === "POST" ? {} : undefined);
      expect({ path, ...shape(a) }).toEqual({ path, ...ROUTER_404 });
    }
  });

  it("E10: a known path with another method is a 405 with an empty body", async () => {
    expect(shape(await http("DELETE", `${fx.url}/reservations`))).toEqual(ROUTER_405);
    expect(shape(await http("PUT", `${fx.url}/reservations/1`, {}))).toEqual(ROUTER_405);
    expect(shape(await http("POST", `${fx.url}/users/1`, {}))).toEqual(ROUTER_405);
    // The directory's write routes are absent (LIMITATIONS.md): 405 where GET exists, else 404.
    expect(shape(await http("POST", `${fx.url}/farms`, {}))).toEqual(ROUTER_405);
    expect(shape(await http("POST", `${fx.url}/nodes`, {}))).toEqual(ROUTER_405);
    const nodePath = `${fx.url}/nodes/${fx.all[0].node_id}`;
    expect(shape(await http("POST", `${nodePath}/used_resources`, {}))).toEqual(ROUTER_404);
  });

  it('E11: GET /reservations/workloads/10-1?from=0 is a poll for node "10-1"; without from it is not', async () => {
    const poll = await http("GET", `${fx.url}/reservations/workloads/10-1?from=0`);
    expect(shape(poll)).toEqual({ status: 200, type: JSON_TYPE, text: "[]" });
    const counter = (await http("GET", `${fx.grid.origin}/__localgrid/state`)).body.reservations
      .length;
    expect(poll.headers.get("x-last-id")).toBe(String(counter));
    // Without `from` the poll route does not match: "10-1" is a workload id, "somenode" nothing.
    expect(shape(await http("GET", `${fx.url}/reservations/workloads/10-1`))).toEqual(
      jsonError(404, "reservation 10 not found"),
    );
    expect(shape(await http("GET", `${fx.url}/reservations/workloads/somenode`))).toEqual(
      ROUTER_404,
    );
    expect(shape(await http("GET", `${fx.url}/reservations/workloads/somenode?from=x`))).toEqual(
      ROUTER_404,
    );
  });

  it("E12: size=0 or a non-numeric size means every row, with the real explorer's garbage Pages", async () => {
    const pubkey = await newPubkey();
    const before = (await http("GET", `${fx.url}/users?size=1000`)).body.length;
    for (let i = before; i <= 100; i++) {
      expect(
        (await http("POST", `${fx.url}/users`, { name: `many${i}`, email: `m${i}@x.org`, pubkey }))
          .status,
      ).toBe(201);
    }
    const total = (await http("GET", `${fx.url}/users?size=1000`)).body.length;
    expect(total).toBeGreaterThan(100);
    for (const size of ["0", "abc"]) {
      const all = await http("GET", `${fx.url}/users?size=${size}&page=2`);
      expect(all.status).toBe(200);
      expect(all.body).toHaveLength(total);
      expect(all.headers.get("pages")).toBe("-9223372036854775808");
    }
    const byDefault = await http("GET", `${fx.url}/users`);
    expect(byDefault.body).toHaveLength(100);
    expect(byDefault.headers.get("pages")).toBe(String(Math.ceil(total / 100)));
    const reservations = await http("GET", `${fx.url}/reservations?size=0`);
    expect(reservations.headers.get("pages")).toBe("-9223372036854775808");
    expect(reservations.body.length).toBeGreaterThan(0);
  });
});

describe("edge behaviour: node side", () => {
  it("E14: after a sign-delete a poll from ≤ rid returns the workload twice, and the simulated node reports it once", async () => {
    const node = fx.all[12];
    fx.grid.setFaults({ downNodes: [node.node_id] });
    const rid = await createReservation(
      fx.url,
      fx.user,
      dataReservation(fx.user, { volumes: [volume(node, 1)] }),
    );
    expect((await signDelete(fx.url, fx.user, rid)).status).toBe(201);
    const poll = await http("GET", `${fx.url}/reservations/workloads/${node.node_id}?from=${rid}`);
    expect(poll.status).toBe(200);
    expect(
      poll.body.map((i: { workload_id: string; to_delete: boolean }) => [
        i.workload_id,
        i.to_delete,
      ]),
    ).toEqual([
      [`${rid}-1`, true],
      [`${rid}-1`, true],
    ]);
    // The node comes back with its cursor at or below rid: its first poll carries both copies.
    const linesBefore = logLines.length;
    fx.grid.setFaults({ downNodes: [] });
    const done = await waitState(fx.url, rid, 6);
    // 15, second half: a DELETE with no previous result adds one with category 0 and node_id "".
    expect(done.results).toEqual([
      {
        category: 0,
        workload_id: `${rid}-1`,
        data_json: null,
        signature: "",
        state: 2,
        message: "",
        epoch: done.results[0].epoch,
        node_id: "",
      },
    ]);
    // Give the node more polls, then count its reports of this workload.
    await new Promise((res) => setTimeout(res, 200));
    expect(linesAbout(logLines.slice(linesBefore), `${rid}-1`, " deleted")).toHaveLength(1);
  });

  it("E15: a node DELETE after an ok result keeps that result and only sets state deleted", async () => {
    const node = fx.all[13];
    fx.grid.setFaults({ downNodes: [node.node_id] });
    try {
      const rid = await createReservation(
        fx.url,
        fx.user,
        dataReservation(fx.user, { volumes: [volume(node, 1)] }),
      );
      const ok = {
        category: 2,
        workload_id: `${rid}-1`,
        data_json: { volume_id: `${rid}-1` },
        signature: "ab".repeat(64),
        state: 1,
        message: "provisioned",
        epoch: 0,
        node_id: node.node_id,
      };
      const put = await http(
        "PUT",
        `${fx.url}/reservations/workloads/${rid}-1/${node.node_id}`,
        ok,
      );
      expect(shape(put)).toEqual({ status: 201, type: JSON_TYPE, text: "null" });
      const stored = (await http("GET", `${fx.url}/reservations/${rid}`)).body.results[0];
      expect(stored).toEqual({ ...ok, epoch: stored.epoch });
      await new Promise((res) => setTimeout(res, 1100)); // a later second, to see the epoch kept
      const del = await http("DELETE", `${fx.url}/reservations/workloads/${rid}-1/${node.node_id}`);
      expect(shape(del)).toEqual({ status: 200, type: JSON_TYPE, text: "null" });
      const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
      expect(r.results).toEqual([{ ...stored, state: 2 }]);
      expect(r.next_action).toBe(6);
    } finally {
      fx.grid.setFaults({ downNodes: [] });
    }
  });
});

describe("list filter (docs/protocol.md#state-pipeline: lists report the computed state)", () => {
  it("?next_action= filters on the stored state: an expired reservation lists under 3 showing 4", async () => {
    const node = fx.all[14];
    const user = await registerUser(fx.url);
    fx.grid.setFaults({ downNodes: [node.node_id] });
    try {
      const rid = await createReservation(
        fx.url,
        user,
        dataReservation(user, { volumes: [volume(node, 1)] }),
      );
      const clock = (offsetSeconds: number) =>
        http("PUT", `${fx.grid.origin}/__localgrid/clock`, { offsetSeconds });
      expect((await clock(25 * 3600)).status).toBe(200);
      try {
        const list = (state: number) =>
          http("GET", `${fx.url}/reservations?customer_tid=${user.tid}&next_action=${state}`);
        const asDeploy = await list(3);
        expect(
          asDeploy.body.map((r: { id: number; next_action: number }) => [r.id, r.next_action]),
        ).toEqual([[rid, 4]]);
        expect((await list(4)).body).toEqual([]);
      } finally {
        await clock(0);
      }
    } finally {
      fx.grid.setFaults({ downNodes: [] });
    }
  });
});
