import sodium from "libsodium-wrappers";
import bs58 from "bs58";
import {
  container,
  createReservation,
  dataReservation,
  http,
  network,
  nodes,
  registerUser,
  signDelete,
  volume,
  waitResults,
  waitState,
  zdb,
  useGrid,
} from "./helpers";

const fx = useGrid(undefined, { exposeSecretsForTests: true });

describe("reference scenario lifecycle, hand-built", () => {
  it("network → zdb + volume + container: create, deploy, results, sign-delete, deleted, capacity released", async () => {
    const node = fx.all[0];
    const zdbNode = fx.all[9];
    const netRid = await createReservation(
      fx.url,
      fx.user,
      dataReservation(fx.user, {
        networks: [network("demo", 1, [{ node, subnet: "172.20.15.0/24", port: 7000 }])],
      }),
    );
    const net = await waitResults(fx.url, netRid, 1);
    expect(net.next_action).toBe(3);
    expect(net.results).toEqual([
      expect.objectContaining({
        category: 3,
        workload_id: `${netRid}-1`,
        data_json: null,
        state: 1,
        message: "",
        node_id: node.node_id,
      }),
    ]);

    const rid = await createReservation(
      fx.url,
      fx.user,
      dataReservation(fx.user, {
        zdbs: [zdb(zdbNode, 1)],
        volumes: [volume(node, 2)],
        containers: [
          container(node, 3, "demo", "172.20.15.16", {
            volumes: [{ volume_id: "-2", mountpoint: "/data" }],
          }),
        ],
      }),
    );
    const done = await waitResults(fx.url, rid, 3);
    expect(done.next_action).toBe(3);
    const byWid = Object.fromEntries(done.results.map((r) => [r.workload_id, r]));
    const z = byWid[`${rid}-1`];
    expect(z).toMatchObject({ category: 0, state: 1, message: "", node_id: zdbNode.node_id });
    expect(Object.keys(z.data_json as object)).toEqual(["Namespace", "IP", "Port"]);
    expect((z.data_json as { Namespace: string }).Namespace).toBe(`${rid}-1`);
    expect((z.data_json as { Port: number }).Port).toBe(9900);
    expect((z.data_json as { IP: string }).IP).toMatch(/^2a04:7700:1003:82(:[0-9a-f]{1,4}){4}$/);
    expect(byWid[`${rid}-2`]).toMatchObject({
      category: 2,
      state: 1,
      data_json: { volume_id: `${rid}-2` },
    });
    expect(byWid[`${rid}-3`]).toMatchObject({
      category: 1,
      state: 1,
      data_json: { id: `${rid}-3`, ipv6: "", ipv4: "172.20.15.16" },
    });

    // Result signatures (docs/protocol.md#result-signatures): state byte ‖ message ‖ data_json, by
    // the node's key.
    await sodium.ready;
    for (const r of done.results) {
      const bytes = Buffer.concat([
        Buffer.from([r.state as number]),
        Buffer.from(r.message as string),
        Buffer.from(JSON.stringify(r.data_json)),
      ]);
      const pk = bs58.decode(r.node_id as string);
      expect(
        sodium.crypto_sign_verify_detached(sodium.from_hex(r.signature as string), bytes, pk),
      ).toBe(true);
    }

    // The node opened every secret with libsodium.
    expect((await http("GET", `${fx.grid.origin}/__localgrid/secrets/${rid}-1`)).body).toEqual({
      password: "zdb-secret",
    });
    expect((await http("GET", `${fx.grid.origin}/__localgrid/secrets/${rid}-3`)).body).toEqual({
      secret_environment: { SHARDS: "ns:pw@[::1]:9900" },
    });
    const wg = await http("GET", `${fx.grid.origin}/__localgrid/secrets/${netRid}-1`);
    expect(Buffer.from(wg.body.wireguard_private_key, "base64")).toHaveLength(32);
    expect(await http("GET", `${fx.grid.origin}/__localgrid/secrets/999-1`)).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining("no secrets opened for workload 999-1") },
    });

    // Capacity shows in GET /nodes and /nodes/{id}.
    const n0 = (await http("GET", `${fx.url}/nodes/${node.node_id}`)).body;
    expect(n0.reserved_resources).toEqual({ cru: 2, mru: 2, hru: 0, sru: 10.25 });
    expect(n0.wg_ports).toEqual([6831, 7000]);
    expect(n0.workloads).toMatchObject({ network: 1, volume: 1, container: 1 });
    const zn = (await nodes(fx.url)).find((n) => n.node_id === zdbNode.node_id)!;
    expect(zn.reserved_resources).toEqual({ cru: 0, mru: 0, hru: 0, sru: 10 });

    // Listing by customer and state.
    const list = await http(
      "GET",
      `${fx.url}/reservations?customer_tid=${fx.user.tid}&next_action=3`,
    );
    expect(list.status).toBe(200);
    expect(list.headers.get("pages")).toBe("1");
    expect(list.body.map((r: { id: number }) => r.id)).toEqual([netRid, rid]);

    // Cancel: sign-delete → delete (4) → every workload deleted → deleted (6).
    const sd = await signDelete(fx.url, fx.user, rid);
    expect(sd.status).toBe(201);
    expect(sd.body).toBeNull();
    const gone = await waitState(fx.url, rid, 6);
    expect(gone.results.map((r) => r.state)).toEqual([2, 2, 2]);
    expect(gone.signatures_delete).toEqual([expect.objectContaining({ tid: fx.user.tid })]);
    const after = (await http("GET", `${fx.url}/nodes/${node.node_id}`)).body;
    expect(after.reserved_resources).toEqual({ cru: 0, mru: 0, hru: 0, sru: 0 });
    expect(after.wg_ports).toEqual([6831, 7000]);
    expect((await signDelete(fx.url, fx.user, netRid)).status).toBe(201);
    await waitState(fx.url, netRid, 6);
    expect((await http("GET", `${fx.url}/nodes/${node.node_id}`)).body.wg_ports).toEqual([6831]);
  });

  it("sign/provision: a provision quorum holds the reservation in sign (1); once met it is pay (2) for good under the free escrow (docs/protocol.md#e9-free-escrow-at-create-only)", async () => {
    const other = await registerUser(fx.url);
    const data = dataReservation(fx.user, {
      signing_request_provision: { signers: [other.tid], quorum_min: 1 },
      volumes: [volume(fx.all[2], 1)],
    });
    const rid = await createReservation(fx.url, fx.user, data);
    const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
    expect(r.next_action).toBe(1);
    const { signHex } = await import("./helpers");
    const wrongSigner = await http("POST", `${fx.url}/reservations/${rid}/sign/provision`, {
      tid: fx.user.tid,
      signature: signHex(`${rid}${r.json}`, fx.user),
      epoch: 0,
    });
    expect(wrongSigner.status).toBe(401);
    expect(wrongSigner.body).toEqual({
      error: `tid ${fx.user.tid} is not in signing_request_provision.signers of reservation ${rid}`,
    });
    const badSig = await http("POST", `${fx.url}/reservations/${rid}/sign/provision`, {
      tid: other.tid,
      signature: signHex(`${rid}x`, other),
      epoch: 0,
    });
    expect(badSig.status).toBe(401);
    expect(badSig.body).toEqual({
      error: `failed to verify provision signature of tid ${other.tid}: expected ed25519 over str(id)+json`,
    });
    const okSig = await http("POST", `${fx.url}/reservations/${rid}/sign/provision`, {
      tid: other.tid,
      signature: signHex(`${rid}${r.json}`, other),
      epoch: 0,
    });
    expect(okSig.status).toBe(201);
    // The free escrow acts at create only: nodes never get the reservation (it is not deploy).
    expect((await http("GET", `${fx.url}/reservations/${rid}`)).body).toMatchObject({
      next_action: 2,
      results: [],
    });
    const polled = await http(
      "GET",
      `${fx.url}/reservations/workloads/${fx.all[2].node_id}?from=0`,
    );
    expect(
      polled.body.filter((i: { workload_id: string }) => i.workload_id === `${rid}-1`),
    ).toEqual([]);
    const again = await http("POST", `${fx.url}/reservations/${rid}/sign/provision`, {
      tid: other.tid,
      signature: signHex(`${rid}${r.json}`, other),
      epoch: 0,
    });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({
      error: `reservation not expecting signatures: reservation ${rid} is in next_action 2 (pay), provision signatures are taken in 1 (sign) only`,
    });
    expect(
      (
        await http("POST", `${fx.url}/reservations/999999/sign/delete`, {
          tid: fx.user.tid,
          signature: "00",
          epoch: 0,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await http("POST", `${fx.url}/reservations/${rid}/sign/delete`, {
          tid: 99999,
          signature: "00",
          epoch: 0,
        })
      ).body,
    ).toEqual({ error: "user 99999 not found" });
    expect(
      (
        await http("POST", `${fx.url}/reservations/${rid}/sign/delete`, {
          tid: fx.user.tid,
          signature: "zz",
          epoch: 0,
        })
      ).body,
    ).toEqual({ error: "signature is not valid hex" });
    await signDelete(fx.url, fx.user, rid);
    await waitState(fx.url, rid, 6);
  });
});
