import {
  container,
  dataReservation,
  http,
  nowS,
  registerUser,
  reservationBody,
  signHex,
  volume,
  zdb,
  useGrid,
} from "./helpers";
import type { Data } from "./helpers";

const fx = useGrid();

const post = (body: unknown) => http("POST", `${fx.url}/reservations`, body);
const expect400 = async (body: unknown, error: string) => {
  const res = await post(body);
  expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error } });
};

describe("POST /reservations validation", () => {
  it("accepts a valid reservation: 201 with reservation_id and free escrow_information", async () => {
    const res = await post(
      reservationBody(fx.user, dataReservation(fx.user, { volumes: [volume(fx.all[1], 1)] })),
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      reservation_id: expect.any(Number),
      escrow_information: { address: "", asset: "", details: null },
    });
    const stored = (await http("GET", `${fx.url}/reservations/${res.body.reservation_id}`)).body;
    expect(stored).toMatchObject({
      id: res.body.reservation_id,
      customer_tid: fx.user.tid,
      next_action: 3,
      signatures_provision: [],
      results: expect.any(Array),
    });
  });

  it("rejects bad JSON", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^invalid character at offset 1/);
  });

  it("rejects a float for an integer field in data_reservation (10.0), as Go's decoder does", async () => {
    const data = dataReservation(fx.user, { volumes: [volume(fx.all[1], 1)] });
    const body = JSON.stringify(reservationBody(fx.user, data)).replace(
      `"size":10,"type":1`,
      `"size":10.0,"type":1`,
    );
    expect(body).toContain('"size":10.0');
    await expect400(
      body,
      "json: cannot unmarshal number 10.0 into Go struct field workloads.Reservation.data_reservation.volumes.size of type int64",
    );
  });

  it("rejects a float for an integer field inside the signed json", async () => {
    const data = dataReservation(fx.user, { volumes: [volume(fx.all[1], 1)] });
    const json = JSON.stringify(data).replace(`"size":10,`, `"size":1e1,`);
    const body = {
      ...reservationBody(fx.user, data),
      json,
      customer_signature: signHex(json, fx.user),
    };
    await expect400(
      body,
      "json is not a valid data_reservation: json: cannot unmarshal number 1e1 into Go struct field workloads.ReservationData.volumes.size of type int64",
    );
  });

  it("rejects a string for an integer top-level field", async () => {
    const body = {
      ...reservationBody(fx.user, dataReservation(fx.user)),
      customer_tid: String(fx.user.tid),
    };
    await expect400(
      body,
      "json: cannot unmarshal string into Go struct field workloads.Reservation.customer_tid of type int64",
    );
  });

  it("rejects json that does not decode deep-equal to data_reservation: nil vs empty list differ", async () => {
    const data = dataReservation(fx.user);
    const signed = JSON.stringify({ ...data, volumes: null });
    const body = {
      ...reservationBody(fx.user, data),
      json: signed,
      customer_signature: signHex(signed, fx.user),
    };
    await expect400(
      body,
      "json does not match data_reservation at data_reservation.volumes: json has null, data_reservation has a list of 0; serialize data_reservation once and send that string as json",
    );
  });

  it("treats a missing list like null (Go nil) and ignores key order and unknown fields", async () => {
    const data = dataReservation(fx.user, { volumes: [volume(fx.all[1], 1)] });
    const withoutZdbs: Data = { ...data };
    delete withoutZdbs.zdbs;
    const json = JSON.stringify({ ...withoutZdbs, unknown_field: 1, zdbs: null });
    const body = {
      ...reservationBody(fx.user, { ...withoutZdbs }),
      json,
      customer_signature: signHex(json, fx.user),
    };
    const res = await post(body);
    expect(res.status).toBe(201);
  });

  it("rejects a value mismatch between json and data_reservation", async () => {
    const data = dataReservation(fx.user, { volumes: [volume(fx.all[1], 1)] });
    const body = reservationBody(fx.user, data);
    (body.data_reservation as { volumes: Data[] }).volumes = [volume(fx.all[1], 1, { size: 11 })];
    await expect400(
      body,
      "json does not match data_reservation at data_reservation.volumes[0].size: json has 10, data_reservation has 11; serialize data_reservation once and send that string as json",
    );
  });

  it("rejects a signature that does not verify over the json bytes", async () => {
    const body = reservationBody(fx.user, dataReservation(fx.user));
    body.customer_signature = signHex(`${body.json} `, fx.user);
    await expect400(body, "failed to verify customer signature");
  });

  it("rejects a non-hex signature, an empty signature and customer_tid 0", async () => {
    await expect400(
      { ...reservationBody(fx.user, dataReservation(fx.user)), customer_signature: "xyz" },
      "customer_signature is not valid hex",
    );
    await expect400(
      { ...reservationBody(fx.user, dataReservation(fx.user)), customer_signature: "" },
      "customer_signature is required",
    );
    await expect400(
      { ...reservationBody(fx.user, dataReservation(fx.user)), customer_tid: 0 },
      "customer_tid is required",
    );
  });

  it("rejects an unknown customer", async () => {
    const ghost = { ...fx.user, tid: 424242 };
    await expect400(
      reservationBody(ghost, dataReservation(ghost)),
      "customer_tid 424242 is not a registered user",
    );
  });

  it("rejects an expiration in the past and a duration under one hour", async () => {
    const now = nowS();
    const past = dataReservation(fx.user, { expiration_reservation: now - 10 });
    const r1 = await post(reservationBody(fx.user, past));
    expect(r1.status).toBe(400);
    expect(r1.body.error).toMatch(
      /^expiration_reservation \d+ is in the past \(server time \d+\)$/,
    );
    const short = dataReservation(fx.user, { expiration_reservation: now + 1800 });
    const r2 = await post(reservationBody(fx.user, short));
    expect(r2.status).toBe(400);
    expect(r2.body.error).toMatch(
      /^reservation duration must be at least 1 hour: expiration_reservation is 1[78]\d\d s from now$/,
    );
  });

  it("rejects a reservation whose provisioning deadline already passed", async () => {
    const res = await post(
      reservationBody(
        fx.user,
        dataReservation(fx.user, {
          volumes: [volume(fx.all[1], 1)],
          expiration_provisioning: nowS() - 5,
        }),
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(
      /^reservation would be deleted at once: expiration_provisioning \d+ is not in the future/,
    );
  });

  it("rejects duplicate workload ids", async () => {
    const data = dataReservation(fx.user, {
      volumes: [volume(fx.all[1], 1)],
      zdbs: [zdb(fx.all[1], 1)],
    });
    await expect400(
      reservationBody(fx.user, data),
      "duplicate workload_id 1 (volume and zdb); workload ids must be unique in a reservation",
    );
  });

  it("accepts only SSD for volumes and container root filesystems", async () => {
    await expect400(
      reservationBody(
        fx.user,
        dataReservation(fx.user, { volumes: [volume(fx.all[1], 1, { type: 0 })] }),
      ),
      "volume 1: only SSD volumes are accepted (type 1), got type 0",
    );
    const c = container(fx.all[1], 1, "demo", "172.20.1.2", {
      capacity: { cpu: 1, memory: 512, disk_size: 256, disk_type: 0 },
    });
    await expect400(
      reservationBody(fx.user, dataReservation(fx.user, { containers: [c] })),
      "container 1: only SSD root filesystems are accepted (capacity.disk_type 1), got 0",
    );
  });

  it("limits metadata to 1024 bytes (not covered by the signature)", async () => {
    const ok = await post({
      ...reservationBody(fx.user, dataReservation(fx.user)),
      metadata: "m".repeat(1024),
    });
    expect(ok.status).toBe(201);
    await expect400(
      { ...reservationBody(fx.user, dataReservation(fx.user)), metadata: "é".repeat(513) },
      "metadata is 1026 bytes; at most 1024 bytes are allowed",
    );
  });

  it("resets results and signatures sent by a client, but keeps its next_action (docs/protocol.md#e7-client-next-action-kept)", async () => {
    const body = {
      ...reservationBody(fx.user, dataReservation(fx.user)),
      next_action: 6,
      results: [
        {
          category: 0,
          workload_id: "1-1",
          data_json: null,
          signature: "",
          state: 1,
          message: "",
          epoch: 0,
          node_id: "x",
        },
      ],
      signatures_delete: [{ tid: fx.user.tid, signature: "00", epoch: 0 }],
    };
    const res = await post(body);
    expect(res.status).toBe(201);
    const r = (await http("GET", `${fx.url}/reservations/${res.body.reservation_id}`)).body;
    expect({
      next_action: r.next_action,
      results: r.results,
      signatures_delete: r.signatures_delete,
    }).toEqual({ next_action: 6, results: [], signatures_delete: [] });
  });

  it("rejects workloads localgrid does not emulate", async () => {
    await expect400(
      reservationBody(fx.user, dataReservation(fx.user, { kubernetes: [{ workload_id: 1 }] })),
      "localgrid does not emulate kubernetes workloads",
    );
  });
});

describe("GET /reservations", () => {
  it("404 for an unknown id, the router's 404 for a non-integer id, 400 for a bad filter", async () => {
    expect(await http("GET", `${fx.url}/reservations/987654`)).toMatchObject({
      status: 404,
      body: { error: "reservation 987654 not found" },
    });
    expect(await http("GET", `${fx.url}/reservations/abc`)).toMatchObject({
      status: 404,
      text: "404 page not found\n",
    });
    expect(await http("GET", `${fx.url}/reservations?customer_tid=x`)).toMatchObject({
      status: 400,
      body: { error: 'customer_tid must be an integer, got "x"' },
    });
    expect(await http("GET", `${fx.url}/reservations?next_action=1.5`)).toMatchObject({
      status: 400,
      body: { error: 'next_action must be an integer, got "1.5"' },
    });
  });

  it("paginates with page/size and the Pages header", async () => {
    const u = await registerUser(fx.url);
    for (let i = 0; i < 3; i++) {
      expect((await post(reservationBody(u, dataReservation(u)))).status).toBe(201);
    }
    const p1 = await http("GET", `${fx.url}/reservations?customer_tid=${u.tid}&size=2`);
    const p2 = await http("GET", `${fx.url}/reservations?customer_tid=${u.tid}&size=2&page=2`);
    expect(p1.headers.get("pages")).toBe("2");
    expect(p1.body).toHaveLength(2);
    expect(p2.body).toHaveLength(1);
    expect(p2.body[0].id).toBeGreaterThan(p1.body[1].id);
  });
});
