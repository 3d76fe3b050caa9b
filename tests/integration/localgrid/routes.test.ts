import sodium from "libsodium-wrappers";
import { createReservation, dataReservation, http, signDelete, volume, useGrid } from "./helpers";

const fx = useGrid("alice.3bot");

describe("users", () => {
  it("POST /users: 201 with the stored user; 400/409/500 as the reference", async () => {
    await sodium.ready;
    const pk = sodium.to_hex(sodium.crypto_sign_keypair().publicKey);
    const res = await http("POST", `${fx.url}/users`, {
      name: "bob.3bot",
      email: "bob@example.org",
      pubkey: pk,
      host: "h",
      description: "d",
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: fx.user.tid + 1,
      name: "bob.3bot",
      email: "bob@example.org",
      pubkey: pk,
      host: "",
      description: "",
    });
    expect(
      await http("POST", `${fx.url}/users`, {
        name: "bob.3bot",
        email: "x@example.org",
        pubkey: pk,
      }),
    ).toMatchObject({ status: 409, body: { error: 'user with name "bob.3bot" already exists' } });
    expect(
      await http("POST", `${fx.url}/users`, { name: "carl", email: "bob@example.org", pubkey: pk }),
    ).toMatchObject({
      status: 409,
      body: { error: 'user with email "bob@example.org" already exists' },
    });
    expect(
      await http("POST", `${fx.url}/users`, { name: "Carl", email: "c@example.org", pubkey: pk }),
    ).toMatchObject({ status: 400, body: { error: 'name should be all lower case, got "Carl"' } });
    expect(
      await http("POST", `${fx.url}/users`, { name: "ca", email: "c@example.org", pubkey: pk }),
    ).toMatchObject({
      status: 400,
      body: { error: 'name should be at least 3 characters, got "ca"' },
    });
    expect(
      await http("POST", `${fx.url}/users`, { name: "carl", email: "C@example.org", pubkey: pk }),
    ).toMatchObject({
      status: 400,
      body: { error: 'email should be all lower case, got "C@example.org"' },
    });
    expect(
      await http("POST", `${fx.url}/users`, { name: "", email: "c@example.org", pubkey: pk }),
    ).toMatchObject({
      status: 400,
      body: { error: 'name should be at least 3 characters, got ""' },
    });
    expect(
      await http("POST", `${fx.url}/users`, {
        name: "carl",
        email: "c@example.org",
        pubkey: "abc",
      }),
    ).toMatchObject({
      status: 500,
      body: { error: "invalid pubkey: expected 64 hex characters (32-byte ed25519 key)" },
    });
    expect((await http("POST", `${fx.url}/users`, "{")).status).toBe(400);
  });

  it("GET /users?name=&email= and GET /users/{tid} (email hidden without HTTP-signature auth)", async () => {
    const byName = await http("GET", `${fx.url}/users?name=alice.3bot`);
    expect(byName.status).toBe(200);
    expect(byName.headers.get("pages")).toBe("1");
    expect(byName.body).toEqual([
      {
        id: fx.user.tid,
        name: "alice.3bot",
        email: "",
        pubkey: fx.user.pubkeyHex,
        host: "",
        description: "",
      },
    ]);
    expect(
      (await http("GET", `${fx.url}/users?email=alice.3bot@example.org`)).body.map(
        (u: { id: number }) => u.id,
      ),
    ).toEqual([fx.user.tid]);
    expect((await http("GET", `${fx.url}/users/${fx.user.tid}`)).body).toMatchObject({
      id: fx.user.tid,
      name: "alice.3bot",
    });
    expect(await http("GET", `${fx.url}/users/x`)).toMatchObject({
      status: 400,
      body: { error: 'invalid user id "x"' },
    });
    expect(await http("GET", `${fx.url}/users/9999`)).toMatchObject({
      status: 404,
      body: { error: "user 9999 not found" },
    });
  });

  it("PUT /users/{tid}: signed update, key rotation, name change refused", async () => {
    const sign = (msg: string) =>
      sodium.to_hex(sodium.crypto_sign_detached(sodium.from_string(msg), fx.user.secretKey));
    const body = {
      name: "alice.3bot",
      email: "",
      host: "alice.example.org",
      description: "archivist",
      pubkey: "",
    };
    const msg = `${fx.user.tid}${body.name}${body.email}${body.host}${body.description}${body.pubkey}`;
    expect(
      await http("PUT", `${fx.url}/users/${fx.user.tid}`, {
        ...body,
        sender_signature_hex: sign(msg),
      }),
    ).toMatchObject({ status: 200, text: "null" });
    expect((await http("GET", `${fx.url}/users/${fx.user.tid}`)).body).toMatchObject({
      host: "alice.example.org",
      description: "archivist",
    });
    expect(await http("PUT", `${fx.url}/users/${fx.user.tid}`, body)).toMatchObject({
      status: 400,
      body: { error: "sender_signature_hex is required" },
    });
    expect(
      await http("PUT", `${fx.url}/users/${fx.user.tid}`, { ...body, sender_signature_hex: "zz" }),
    ).toMatchObject({ status: 400, body: { error: "sender_signature_hex is not valid hex" } });
    expect(
      await http("PUT", `${fx.url}/users/${fx.user.tid}`, {
        ...body,
        host: "evil",
        sender_signature_hex: sign(msg),
      }),
    ).toMatchObject({
      status: 400,
      body: { error: "payload verification failed: signature does not match the stored pubkey" },
    });
    const rename = { ...body, name: "mallory" };
    const rmsg = `${fx.user.tid}${rename.name}${rename.email}${rename.host}${rename.description}${rename.pubkey}`;
    expect(
      await http("PUT", `${fx.url}/users/${fx.user.tid}`, {
        ...rename,
        sender_signature_hex: sign(rmsg),
      }),
    ).toMatchObject({ status: 400, body: { error: "can't change user name" } });
    expect(
      await http("PUT", `${fx.url}/users/9999`, { ...body, sender_signature_hex: sign(msg) }),
    ).toMatchObject({ status: 500, body: { error: "user 9999 not found" } });
  });

  it("POST /users/{tid}/validate", async () => {
    const payload = Buffer.from(`${fx.user.tid}alice.3bot`).toString("hex");
    const sig = sodium.to_hex(
      sodium.crypto_sign_detached(Buffer.from(payload, "hex"), fx.user.secretKey),
    );
    expect(
      await http("POST", `${fx.url}/users/${fx.user.tid}/validate`, { payload, signature: sig }),
    ).toMatchObject({ status: 200, body: { is_valid: true } });
    expect(
      await http("POST", `${fx.url}/users/${fx.user.tid}/validate`, {
        payload: "00",
        signature: sig,
      }),
    ).toMatchObject({ status: 200, body: { is_valid: false } });
    expect(
      await http("POST", `${fx.url}/users/${fx.user.tid}/validate`, {
        payload: "0g",
        signature: sig,
      }),
    ).toMatchObject({ status: 400, body: { error: "payload is not valid hex" } });
    expect(
      await http("POST", `${fx.url}/users/9999/validate`, { payload, signature: sig }),
    ).toMatchObject({ status: 404 });
  });
});

describe("farms and nodes", () => {
  it("GET /farms and /farms/{id}: the default grid's three farms", async () => {
    const farms = await http("GET", `${fx.url}/farms`);
    expect(farms.headers.get("pages")).toBe("1");
    expect(farms.body.map((f: { id: number; name: string }) => [f.id, f.name])).toEqual([
      [12775, "salzburg"],
      [82872, "vienna"],
      [71, "ghent"],
    ]);
    expect((await http("GET", `${fx.url}/farms/82872`)).body.location).toEqual({
      city: "Vienna",
      country: "Austria",
      continent: "Europe",
      latitude: 48.2082,
      longitude: 16.3738,
    });
    expect(await http("GET", `${fx.url}/farms/5`)).toMatchObject({
      status: 404,
      body: { error: "farm 5 not found" },
    });
    expect(await http("GET", `${fx.url}/farms/x`)).toMatchObject({ status: 400 });
  });

  it("GET /nodes filters by farm, country, city, capacity totals and paginates", async () => {
    expect(fx.all).toHaveLength(24);
    expect((await http("GET", `${fx.url}/nodes?farm=12775`)).body).toHaveLength(8);
    expect((await http("GET", `${fx.url}/nodes?country=Austria`)).body).toHaveLength(16);
    expect(
      (await http("GET", `${fx.url}/nodes?city=Ghent`)).body.every(
        (n: { farm_id: number }) => n.farm_id === 71,
      ),
    ).toBe(true);
    expect((await http("GET", `${fx.url}/nodes?sru=1024&cru=16`)).body).toHaveLength(24);
    expect((await http("GET", `${fx.url}/nodes?sru=1025`)).body).toHaveLength(0);
    const page = await http("GET", `${fx.url}/nodes?size=10&page=3`);
    expect(page.headers.get("pages")).toBe("3");
    expect(page.body).toHaveLength(4);
    expect(await http("GET", `${fx.url}/nodes?cru=x`)).toMatchObject({
      status: 400,
      body: { error: 'cru must be an integer, got "x"' },
    });
  });

  it("GET /nodes/{id}: identity, capacity, public config, wg ports, recent update", async () => {
    const n = (await http("GET", `${fx.url}/nodes/${fx.all[0].node_id}`)).body;
    expect(n.public_key_hex).toHaveLength(64);
    expect(n).toMatchObject({
      node_id: fx.all[0].node_id,
      farm_id: 12775,
      total_resources: { cru: 16, mru: 64, hru: 4096, sru: 1024 },
      public_config: {
        ipv4: "185.69.166.10/24",
        ipv6: "2a02:1802:5e:3075::10/64",
        gw4: "185.69.166.1",
        type: 0,
      },
      wg_ports: [6831],
      location: { city: "Salzburg", country: "Austria" },
    });
    expect(Math.abs(n.updated - Date.now() / 1000)).toBeLessThan(5);
    expect(
      (await http("GET", `${fx.url}/nodes/${fx.all[1].node_id}`)).body.public_config,
    ).toBeNull();
    expect(await http("GET", `${fx.url}/nodes/nope`)).toMatchObject({
      status: 404,
      body: { error: "node nope not found" },
    });
  });
});

describe("node-facing workload routes over HTTP (acting as a node that is down for the simulator)", () => {
  it("poll with X-Last-Id, get by gwid, PUT result, DELETE → deleted (6)", async () => {
    const node = fx.all[7];
    fx.grid.setFaults({ downNodes: [node.node_id] });
    const rid = await createReservation(
      fx.url,
      fx.user,
      dataReservation(fx.user, { volumes: [volume(node, 1)] }),
    );
    const poll = await http("GET", `${fx.url}/reservations/workloads/${node.node_id}?from=0`);
    expect(poll.status).toBe(200);
    expect(poll.headers.get("x-last-id")).toBe(String(rid));
    const item = poll.body.find((i: { workload_id: string }) => i.workload_id === `${rid}-1`);
    expect(item).toMatchObject({
      workload_id: `${rid}-1`,
      user: String(fx.user.tid),
      type: 2,
      to_delete: false,
      node_id: node.node_id,
      signature: "",
    });
    expect(Math.abs(item.duration - 24 * 3600)).toBeLessThanOrEqual(2);
    expect(
      (await http("GET", `${fx.url}/reservations/workloads/${node.node_id}?from=${rid + 1}`)).body,
    ).toEqual([]);
    // Without `from` the poll route does not match: the router's plain-text 404
    // (docs/protocol.md#e11-poll-route-first).
    expect(await http("GET", `${fx.url}/reservations/workloads/${node.node_id}`)).toMatchObject({
      status: 404,
      text: "404 page not found\n",
    });

    const g = await http("GET", `${fx.url}/reservations/workloads/${rid}-1`);
    expect(g.body).toMatchObject({ workload_id: `${rid}-1`, type: 2, result: null });
    expect(await http("GET", `${fx.url}/reservations/workloads/${rid}-9`)).toMatchObject({
      status: 404,
      body: { error: `workload ${rid}-9 not found` },
    });

    const result = {
      category: 2,
      workload_id: "ignored",
      data_json: { volume_id: `${rid}-1` },
      signature: "",
      state: 1,
      message: "",
      epoch: 0,
      node_id: "ignored",
    };
    expect(
      await http("PUT", `${fx.url}/reservations/workloads/${rid}-1/${fx.all[6].node_id}`, result),
    ).toMatchObject({
      status: 404,
      body: { error: `workload ${rid}-1 not found on node ${fx.all[6].node_id}` },
    });
    expect(
      (await http("PUT", `${fx.url}/reservations/workloads/${rid}-1/${node.node_id}`, "{")).status,
    ).toBe(400);
    expect(
      await http("PUT", `${fx.url}/reservations/workloads/${rid}-1/${node.node_id}`, result),
    ).toMatchObject({ status: 201, text: "null" });
    const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
    const stored = {
      ...result,
      workload_id: `${rid}-1`,
      node_id: node.node_id,
      epoch: r.results[0].epoch,
    };
    expect(r.results).toEqual([stored]);
    expect(Math.abs(stored.epoch - Date.now() / 1000)).toBeLessThan(5);
    expect(
      (await http("GET", `${fx.url}/reservations/workloads/${rid}-1`)).body.result,
    ).toHaveLength(1);

    expect((await signDelete(fx.url, fx.user, rid)).status).toBe(201);
    const del = await http(
      "GET",
      `${fx.url}/reservations/workloads/${node.node_id}?from=${rid + 1}`,
    );
    expect(del.body).toEqual([
      expect.objectContaining({ workload_id: `${rid}-1`, to_delete: true }),
    ]);
    expect(
      await http("DELETE", `${fx.url}/reservations/workloads/${rid}-1/${node.node_id}`),
    ).toMatchObject({ status: 200, text: "null" });
    const gone = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
    expect(gone.next_action).toBe(6);
    // The ok result is kept whole but for its state
    // (docs/protocol.md#e15-node-delete-keeps-the-result).
    expect(gone.results).toEqual([{ ...stored, state: 2 }]);
    expect(
      await http("DELETE", `${fx.url}/reservations/workloads/99999-1/${node.node_id}`),
    ).toMatchObject({ status: 404, body: { error: "reservation 99999 not found" } });
    fx.grid.setFaults({ downNodes: [] });
  });

  it("unknown routes are the router's plain-text 404 and wrong methods an empty 405 (docs/protocol.md#e10-router-404-and-405)", async () => {
    const nope = await http("GET", `${fx.url}/nope`);
    expect(nope).toMatchObject({ status: 404, text: "404 page not found\n" });
    expect(nope.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const wrong = await http("DELETE", `${fx.url}/reservations`);
    expect(wrong).toMatchObject({ status: 405, text: "" });
    expect(wrong.headers.get("content-type")).toBeNull();
  });
});
