import { startLocalGrid, type LocalGrid } from "../../../localgrid";
import {
  ExplorerBadRequestError,
  ExplorerClient,
  ExplorerConflictError,
  ExplorerNotFoundError,
  ExplorerRouteNotFoundError,
  NextAction,
  ResultState,
  type Reservation,
} from "../../../provider/client";
import { sealForNode, signCreate, signDelete } from "../../../provider/crypto";
import { cancelReservation } from "../../../provider/reservation";
import { generateMnemonic, identityFromMnemonic, publicKeyHex } from "../../../provider/identity";

jest.setTimeout(60_000);

let grid: LocalGrid;
let client: ExplorerClient;

beforeAll(async () => {
  grid = await startLocalGrid({ pollIntervalMs: 50 });
  client = new ExplorerClient({ baseUrl: grid.url, minBackoffMs: 10 });
});

afterAll(async () => {
  await grid.close();
});

async function until(id: number, done: (r: Reservation) => boolean): Promise<Reservation> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await client.getReservation(id);
    if (done(r)) return r;
    if (Date.now() > deadline)
      throw new Error(`reservation ${id} stuck: ${JSON.stringify(r.results)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe("explorer client against the local grid", () => {
  it("lists farms and nodes across the default grid, with filters", async () => {
    const farms = await client.listFarms();
    expect(farms.map((f) => f.id)).toEqual(expect.arrayContaining([12775, 82872]));
    expect((await client.getFarm(12775)).name).toBe("salzburg");

    const all = await client.listNodes();
    expect(all.map((n) => n.node_id).sort()).toEqual([...grid.nodeIds].sort());
    const salzburg = await client.listNodes({ farm: 12775 });
    expect(salzburg.length).toBeGreaterThan(0);
    expect(new Set(salzburg.map((n) => n.farm_id))).toEqual(new Set([12775]));
    expect(new Set(salzburg.map((n) => n.location.city))).toEqual(new Set(["Salzburg"]));
    expect(await client.listNodes({ city: "Atlantis" })).toEqual([]);

    const one = await client.getNode(salzburg[0].node_id);
    expect(one.node_id).toBe(salzburg[0].node_id);
    expect(one.public_key_hex).toMatch(/^[0-9a-f]{64}$/);
    expect(Array.isArray(one.wg_ports)).toBe(true);

    const e = await client.getNode("doesnotexist").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ExplorerNotFoundError);
  });

  it("registers a user, finds it, and refuses a duplicate name", async () => {
    const id = identityFromMnemonic(generateMnemonic(), 1);
    const name = `it${Date.now()}.3bot`;
    const user = await client.registerUser({
      name,
      email: `${name}@example.com`,
      pubkey: publicKeyHex(id),
    });
    expect(user.name).toBe(name);
    expect(user.pubkey).toBe(publicKeyHex(id));
    expect(user.id).toBeGreaterThan(0);
    expect((await client.getUser(user.id)).pubkey).toBe(publicKeyHex(id));
    expect((await client.findUserByName(name))?.id).toBe(user.id);
    expect(await client.findUserByName(`none${Date.now()}.3bot`)).toBeUndefined();
    const dup = await client
      .registerUser({ name, email: `other${name}@example.com`, pubkey: publicKeyHex(id) })
      .catch((err: unknown) => err);
    expect(dup).toBeInstanceOf(ExplorerConflictError);
  });

  it("creates a signed reservation with a sealed secret, sees it deploy, lists it, and deletes it", async () => {
    const mnemonic = generateMnemonic();
    const name = `res${Date.now()}.3bot`;
    const pub = publicKeyHex(identityFromMnemonic(mnemonic, 1));
    const user = await client.registerUser({ name, email: `${name}@example.com`, pubkey: pub });
    const me = identityFromMnemonic(mnemonic, user.id);
    const node = (await client.listNodes({ farm: 82872 }))[0];
    const now = Math.floor(Date.now() / 1000);
    const data = {
      description: "",
      currencies: ["TFT"],
      signing_request_provision: { signers: [], quorum_min: 0 },
      signing_request_delete: { signers: [me.tid], quorum_min: 1 },
      containers: [],
      volumes: [
        {
          workload_id: 2,
          node_id: node.node_id,
          size: 1,
          type: 1,
          stats_aggregator: [],
          farmer_tid: 0,
        },
      ],
      zdbs: [
        {
          workload_id: 1,
          node_id: node.node_id,
          size: 1,
          mode: 0,
          password: sealForNode(node.public_key_hex, "zdb-pässword"),
          disk_type: 1,
          public: false,
          stats_aggregator: [],
          farmer_tid: 0,
        },
      ],
      networks: [],
      kubernetes: [],
      proxies: [],
      reverse_proxies: [],
      subdomains: [],
      domain_delegates: [],
      gateway4to6: [],
      expiration_provisioning: now + 900,
      expiration_reservation: now + 7200,
    };
    const json = JSON.stringify(data);
    const body = {
      json,
      data_reservation: data,
      customer_tid: me.tid,
      customer_signature: signCreate(me, json),
      next_action: 0,
      signatures_provision: [],
      signatures_farmer: [],
      signatures_delete: [],
      epoch: 0,
      metadata: "pulumi-tfgrid:it-1",
      results: [],
    };

    const bad = await client
      .createReservation({ ...body, customer_signature: "00".repeat(64) })
      .catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(ExplorerBadRequestError);
    expect((bad as Error).message).toMatch(
      /^explorer POST \/reservations answered 400: .*signature/,
    );

    const { reservation_id: rid } = await client.createReservation(body);
    const deployed = await until(
      rid,
      (r) => r.results.length === 2 && r.results.every((x) => x.state !== undefined),
    );
    expect(deployed.results.map((x) => [x.workload_id, x.state]).sort()).toEqual([
      [`${rid}-1`, ResultState.ok],
      [`${rid}-2`, ResultState.ok],
    ]);
    expect(deployed.json).toBe(json);
    const zdb = deployed.results.find((x) => x.workload_id === `${rid}-1`);
    expect(zdb?.data_json).toMatchObject({ Namespace: `${rid}-1`, Port: 9900 });

    const mine = await client.listReservations({ customer_tid: me.tid });
    expect(mine.map((r) => [r.id, r.metadata])).toEqual([[rid, "pulumi-tfgrid:it-1"]]);

    await client.signDelete(rid, { tid: me.tid, signature: signDelete(me, rid, json), epoch: now });
    const gone = await until(rid, (r) => r.next_action === NextAction.deleted);
    expect(gone.results.every((x) => x.state === ResultState.deleted)).toBe(true);
    // The node's DELETE keeps each result's data
    // (docs/protocol.md#e15-node-delete-keeps-the-result); the client reads it as it is.
    expect(gone.results.find((x) => x.workload_id === `${rid}-1`)).toEqual({
      ...zdb,
      state: ResultState.deleted,
    });
  });

  it("a wrong base URL gets the router's plain-text 404: a route error, never 'gone'", async () => {
    const wrong = new ExplorerClient({ baseUrl: `${grid.origin}/api/v1`, minBackoffMs: 10 });
    const e = await wrong.getReservation(1).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ExplorerRouteNotFoundError);
    expect((e as ExplorerRouteNotFoundError).body).toBe("404 page not found\n");
    // cancel must not take the router's 404 for "already deleted" (it would drop live state).
    const me = identityFromMnemonic(generateMnemonic(), 1);
    const cancel = cancelReservation(wrong, me, 1, {
      deadlineMs: Date.now() + 1000,
      pollIntervalMs: 50,
      log: () => undefined,
    });
    await expect(cancel).rejects.toThrow(
      /^cancelling reservation 1 failed: explorer GET \/reservations\/1 answered 404: 404 page not found; no such route/,
    );
  });
});
