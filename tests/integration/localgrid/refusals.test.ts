import {
  container,
  createReservation,
  dataReservation,
  http,
  network,
  registerUser,
  sealFor,
  signDelete,
  volume,
  waitFor,
  waitResults,
  waitState,
  zdb,
  useGrid,
} from "./helpers";
import type { Data, NodeInfo } from "./helpers";

const fx = useGrid();
let A: NodeInfo;
let B: NodeInfo;
let volRid: number;

beforeAll(async () => {
  A = fx.all[3];
  B = fx.all[4];
  const net = await createReservation(
    fx.url,
    fx.user,
    dataReservation(fx.user, {
      networks: [
        network("refnet", 1, [
          { node: A, subnet: "172.20.3.0/24", port: 7100 },
          { node: B, subnet: "172.20.4.0/24", port: 7100 },
        ]),
      ],
    }),
  );
  expect((await waitResults(fx.url, net, 2)).results.map((r) => r.state)).toEqual([1, 1]);
  volRid = await createReservation(
    fx.url,
    fx.user,
    dataReservation(fx.user, { volumes: [volume(B, 1)] }),
  );
  await waitResults(fx.url, volRid, 1);
});

/**
 * Creates a reservation and expects exactly one error result with `message`. As on the real
 * explorer the reservation goes to delete (4) and nothing is queued for the nodes
 * (docs/protocol.md#e16-error-result-queues-nothing).
 */
async function expectError(data: Data, wid: number, message: string): Promise<[number, Data]> {
  const rid = await createReservation(fx.url, fx.user, data);
  const failed = await waitFor("an error result", async () => {
    const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
    return r.results.find((x: { state: number }) => x.state === 0);
  });
  expect(failed).toMatchObject({ workload_id: `${rid}-${wid}`, state: 0, message });
  expect((await http("GET", `${fx.url}/reservations/${rid}`)).body.next_action).toBe(4);
  const st = (await http("GET", `${fx.grid.origin}/__localgrid/state`)).body;
  const queued = Object.values(st.queues as Record<string, { workload_id: string }[]>)
    .flat()
    .filter((i) => i.workload_id.startsWith(`${rid}-`));
  expect(queued).toEqual([]);
  return [rid, failed];
}

/**
 * The customer's sign-delete queues the decommission; the node's DELETE keeps the error result's
 * message, data and epoch and only sets state deleted
 * (docs/protocol.md#e15-node-delete-keeps-the-result); the reservation ends deleted (6).
 */
async function cancelAfterError(
  rid: number,
  failed: Data,
): Promise<Data & { results: Data[]; next_action: number }> {
  expect((await signDelete(fx.url, fx.user, rid)).status).toBe(201);
  const done = await waitState(fx.url, rid, 6);
  expect(done.results.find((x) => x.workload_id === failed.workload_id)).toEqual({
    ...failed,
    state: 2,
  });
  return done;
}

/** An error result with `message`, then the cancel (see expectError and cancelAfterError). */
async function expectRefusal(data: Data, wid: number, message: string): Promise<number> {
  const [rid, failed] = await expectError(data, wid, message);
  await cancelAfterError(rid, failed);
  return rid;
}

const ct = (wid: number, ip: string, extra: Data = {}) => container(A, wid, "refnet", ip, extra);

describe("simulated node refusals (state 0, actionable message, reservation deleted)", () => {
  it("not enough free capacity", async () => {
    const rid = await expectRefusal(
      dataReservation(fx.user, { volumes: [volume(A, 1, { size: 2000 })] }),
      1,
      `not enough free capacity on node ${A.node_id}: requested sru 2000 GiB, free 1024 GiB`,
    );
    const res = (await http("GET", `${fx.url}/reservations/${rid}`)).body.results[0];
    expect(res.data_json).toEqual({ volume_id: "" });
  });

  it("container ip outside the node's /24, .0, .1, .255", async () => {
    const use = `use .2-.254 of 172.20.3.0/24`;
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.4.5")] }),
      1,
      `container RID-1: ip 172.20.4.5 is outside the subnet of network "refnet" on node ${A.node_id}; ${use}`.replace(
        "RID",
        String(await nextRid()),
      ),
    );
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.0")] }),
      1,
      `container ${await nextRid()}-1: ip 172.20.3.0 is the network address of network "refnet" on node ${A.node_id}; ${use}`,
    );
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.1")] }),
      1,
      `container ${await nextRid()}-1: ip 172.20.3.1 is the gateway of network "refnet" on node ${A.node_id}; ${use}`,
    );
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.255")] }),
      1,
      `container ${await nextRid()}-1: ip 172.20.3.255 is the broadcast address of network "refnet" on node ${A.node_id}; ${use}`,
    );
  });

  it("container ip already taken", async () => {
    const first = await createReservation(
      fx.url,
      fx.user,
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.10")] }),
    );
    expect((await waitResults(fx.url, first, 1)).results[0]).toMatchObject({ state: 1 });
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.10")] }),
      1,
      `container ${await nextRid()}-1: ip 172.20.3.10 is already taken by container ${first}-1 in network "refnet" on node ${A.node_id}; pick a free address`,
    );
  });

  it("network not installed on the node for that user", async () => {
    const other = await registerUser(fx.url);
    const data = dataReservation(other, { containers: [container(A, 1, "refnet", "172.20.3.20")] });
    const rid = await createReservation(fx.url, other, data);
    const r = await waitResults(fx.url, rid, 1);
    expect(r.results[0]).toMatchObject({
      state: 0,
      message: `network "refnet" is not installed on node ${A.node_id} for user ${other.tid}; add the node to the network first`,
    });
    await expectRefusal(
      dataReservation(fx.user, { containers: [container(fx.all[5], 1, "refnet", "172.20.5.2")] }),
      1,
      `network "refnet" is not installed on node ${fx.all[5].node_id} for user ${fx.user.tid}; add the node to the network first`,
    );
  });

  it("volume unknown, owned by someone else, or on another node", async () => {
    const mount = (volume_id: string) => ({ volumes: [{ volume_id, mountpoint: "/data" }] });
    let rid = await nextRid();
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.30", mount("9999-1"))] }),
      1,
      `container ${rid}-1: volume 9999-1 is unknown on node ${A.node_id}; deploy the volume on this node first`,
    );
    rid = await nextRid();
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.31", mount(`${volRid}-1`))] }),
      1,
      `container ${rid}-1: volume ${volRid}-1 is on node ${B.node_id}, not on node ${A.node_id}; a container can only mount volumes of its own node`,
    );
    const other = await registerUser(fx.url);
    const theirVol = await createReservation(
      fx.url,
      other,
      dataReservation(other, { volumes: [volume(A, 1)] }),
    );
    await waitResults(fx.url, theirVol, 1);
    rid = await nextRid();
    await expectRefusal(
      dataReservation(fx.user, { containers: [ct(1, "172.20.3.32", mount(`${theirVol}-1`))] }),
      1,
      `container ${rid}-1: volume ${theirVol}-1 belongs to another user; mount only your own volumes`,
    );
  });

  it("wireguard listen port already used on the node", async () => {
    const n0 = fx.all[0];
    await expectRefusal(
      dataReservation(fx.user, {
        networks: [network("portnet", 1, [{ node: n0, subnet: "172.20.1.0/24", port: 6831 }])],
      }),
      1,
      `wireguard listen port 6831 already in use on node ${n0.node_id}, pick another one (in use: 6831)`,
    );
  });

  it("zdb mode not seq/user", async () => {
    const rid = await nextRid();
    await expectRefusal(
      dataReservation(fx.user, { zdbs: [zdb(A, 1, { mode: 2 })] }),
      1,
      `zdb ${rid}-1: mode 2 is not supported; use 0 (seq) or 1 (user)`,
    );
    const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body.results[0];
    expect(r.data_json).toEqual({ Namespace: "", IP: "", Port: 0 });
  });

  it("a secret that does not open with the node's key fails the workload", async () => {
    const wrong = sealFor(B.public_key_hex, "x");
    await expectRefusal(
      dataReservation(fx.user, {
        containers: [ct(1, "172.20.3.40", { secret_environment: { SHARDS: wrong } })],
      }),
      1,
      `cannot decrypt secret_environment SHARDS: sealed box does not open with this node's key (seal to public_key_hex of node ${A.node_id})`,
    );
    await expectRefusal(
      dataReservation(fx.user, { zdbs: [zdb(A, 1, { password: "abcd" })] }),
      1,
      `cannot decrypt password of zdb ${await nextRid()}-1: sealed box does not open with this node's key (seal to public_key_hex of node ${A.node_id})`,
    );
  });

  it("an error deletes the whole reservation but decommissions nothing until the customer signs delete (docs/protocol.md#e16-error-result-queues-nothing)", async () => {
    const before = (await http("GET", `${fx.url}/nodes/${A.node_id}`)).body.reserved_resources;
    const [rid, failed] = await expectError(
      // The node takes volumes before containers: the volume is provisioned when the container
      // fails.
      dataReservation(fx.user, {
        volumes: [volume(A, 1, { size: 100 })],
        containers: [ct(2, "172.20.3.1")],
      }),
      2,
      `container ${await nextRid()}-2: ip 172.20.3.1 is the gateway of network "refnet" on node ${A.node_id}; use .2-.254 of 172.20.3.0/24`,
    );
    // The volume that did provision stays on the node, holding its capacity.
    const held = await waitFor("the volume's ok result", async () => {
      const r = (await http("GET", `${fx.url}/reservations/${rid}`)).body;
      return r.results.find((x: { workload_id: string }) => x.workload_id === `${rid}-1`);
    });
    expect(held).toMatchObject({ state: 1 });
    expect((await http("GET", `${fx.url}/nodes/${A.node_id}`)).body.reserved_resources).toEqual({
      ...before,
      sru: before.sru + 100,
    });
    const done = await cancelAfterError(rid, failed);
    expect(done.results.find((x) => x.workload_id === `${rid}-1`)).toEqual({
      ...held,
      state: 2,
    });
    expect((await http("GET", `${fx.url}/nodes/${A.node_id}`)).body.reserved_resources).toEqual(
      before,
    );
  });
});

/** The id the next reservation will get (ids are sequential). */
async function nextRid(): Promise<number> {
  const st = (await http("GET", `${fx.grid.origin}/__localgrid/state`)).body;
  return Math.max(0, ...st.reservations.map((r: { id: number }) => r.id)) + 1;
}
