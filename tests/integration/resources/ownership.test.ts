// Issue 13 (provider part) against an in-process local grid over real HTTP: read and delete never
// adopt a reservation that is not the resource's (another identity's, another tag, a legacy state
// whose expiry does not match); delete fails naming the reservation when the explorer does not
// show it deleted or in delete with our signature; a same-name network of the identity on a shared
// node is refused at check and at create; the local grid's bad-answer and odd-result knobs.
import { startLocalGrid, type LocalGrid } from "../../../localgrid";
import { ExplorerClient } from "../../../provider/client/explorer";
import { identityFromMnemonic, type Identity } from "../../../provider/identity";
import { registerIdentity } from "../../../provider/cli/identity";
import { clearConfig } from "../../../provider/resources/common";
import { networkProvider } from "../../../provider/resources/network-provider";
import { volumeProvider } from "../../../provider/resources/volume-provider";
import { registerIdempotent, reservationData, TAG_PREFIX } from "../../../provider/reservation";

type Props = Record<string, unknown>;

let lg: LocalGrid;
let client: ExplorerClient;
let me: Identity;
let other: Identity;
const saved = { ...process.env };

beforeAll(async () => {
  lg = await startLocalGrid({ port: 0, pollIntervalMs: 20, provisionDelayMs: 0, seed: 3 });
  const mine = await registerIdentity({ explorerUrl: lg.url, name: "owner-me" });
  const theirs = await registerIdentity({ explorerUrl: lg.url, name: "owner-other" });
  me = identityFromMnemonic(mine.mnemonic, mine.tid);
  other = identityFromMnemonic(theirs.mnemonic, theirs.tid);
  client = new ExplorerClient({ baseUrl: lg.url });
  Object.assign(process.env, {
    TFGRID_EXPLORER_URL: lg.url,
    TFGRID_MNEMONIC: mine.mnemonic,
    TFGRID_TID: String(mine.tid),
    TFGRID_POLL_INTERVAL_MS: "20",
    TFGRID_DEPLOY_TIMEOUT_SECONDS: "3",
  });
  clearConfig();
});

afterAll(async () => {
  process.env = saved;
  await lg.close();
});

afterEach(() => lg.setFaults({ badAnswerRate: 0, oddResultNodes: [] }));

async function deployVolume(node: string): Promise<{ id: string; outs: Props }> {
  const r = await volumeProvider.check!({}, { nodeId: node, sizeGiB: 1 });
  expect(r.failures).toEqual([]);
  const c = await volumeProvider.create(r.inputs as Props);
  return { id: c.id, outs: c.outs as Props };
}

/** A volume reservation registered directly (not through a resource), as another user would. */
async function rawVolume(who: Identity, node: string, deleteSigners = [who.tid], quorum = 1) {
  const data = reservationData(
    who.tid,
    { volumes: [{ workload_id: 1, node_id: node, size: 1, type: 1, stats_aggregator: [] }] },
    { now: Math.floor(Date.now() / 1000), durationHours: 1, deployTimeoutSeconds: 60 },
  );
  data.signing_request_delete = { signers: deleteSigners, quorum_min: quorum };
  return registerIdempotent(
    client,
    who,
    data,
    () => undefined,
    `${TAG_PREFIX}raw-${Math.random()}`,
  );
}

describe("read and delete never adopt a reservation that is not the resource's", () => {
  it("another identity's reservation under the id: refresh reports the resource gone, destroy signs nothing", async () => {
    const { id, outs } = await deployVolume(lg.nodeIds[2]);
    expect(await volumeProvider.read!(id, outs)).toEqual({ id, props: outs });
    // The id now names another identity's reservation (an explorer that lost data reuses ids).
    const theirs = await rawVolume(other, lg.nodeIds[3]);
    expect(await volumeProvider.read!(String(theirs), outs)).toEqual({ id: "", props: {} });
    await volumeProvider.delete!(String(theirs), outs);
    const after = await client.getReservation(theirs);
    expect({ next_action: after.next_action, signatures: after.signatures_delete }).toEqual({
      next_action: 3,
      signatures: [],
    });
    await volumeProvider.delete!(id, outs);
  });

  it("our identity's reservation with another create tag is not adopted either", async () => {
    const a = await deployVolume(lg.nodeIds[2]);
    const b = await deployVolume(lg.nodeIds[2]);
    expect(await volumeProvider.read!(b.id, a.outs)).toEqual({ id: "", props: {} });
    await volumeProvider.delete!(b.id, a.outs);
    expect((await client.getReservation(Number(b.id))).next_action).toBe(3);
    await volumeProvider.delete!(a.id, a.outs);
    await volumeProvider.delete!(b.id, b.outs);
    expect((await client.getReservation(Number(b.id))).next_action).toBe(6);
  });

  it("state without createTag (older provider): the pulumi-tfgrid tag and the exact expiry decide", async () => {
    const a = await deployVolume(lg.nodeIds[4]);
    const b = await deployVolume(lg.nodeIds[4]);
    const legacy = (outs: Props): Props => {
      const copy = { ...outs };
      delete copy.createTag;
      return copy;
    };
    // Its own reservation: adopted (the expiry create computed matches to the second).
    expect(await volumeProvider.read!(a.id, legacy(a.outs))).toEqual({
      id: a.id,
      props: legacy(a.outs),
    });
    // Another of ours with another expiry: not adopted.
    const shifted = { ...legacy(a.outs), expiresAt: new Date(Date.now() + 7200_000).toISOString() };
    expect(await volumeProvider.read!(b.id, shifted)).toEqual({ id: "", props: {} });
    // A reservation without any pulumi-tfgrid tag (made by hand): not adopted.
    const data = reservationData(
      me.tid,
      { volumes: [{ workload_id: 1, node_id: lg.nodeIds[4], size: 1, type: 1 }] },
      { now: Math.floor(Date.now() / 1000), durationHours: 1, deployTimeoutSeconds: 60 },
    );
    const byHand = await registerIdempotent(client, me, data, () => undefined, "by hand");
    expect(await volumeProvider.read!(String(byHand), legacy(a.outs))).toEqual({
      id: "",
      props: {},
    });
    for (const x of [a, b]) await volumeProvider.delete!(x.id, x.outs);
  });
});

describe("delete succeeds only when the explorer shows the reservation deleted or in delete with our signature", () => {
  it("a delete quorum our signature cannot meet: delete fails at the deadline naming the reservation", async () => {
    // Two signatures needed, ours recorded: the reservation stays deployed (next_action 3).
    const rid = await rawVolume(me, lg.nodeIds[5], [me.tid, other.tid], 2);
    const r = await client.getReservation(rid);
    const props = { createTag: r.metadata.slice(TAG_PREFIX.length), customerTid: me.tid };
    await expect(volumeProvider.delete!(String(rid), props)).rejects.toThrow(
      `Volume ${rid}: reservation ${rid} was not cancelled within 3 s: the explorer shows next_action 3; it stays in the stack: run \`pulumi destroy\` again`,
    );
    expect((await client.getReservation(rid)).signatures_delete.map((s) => s.tid)).toEqual([
      me.tid,
    ]);
  });

  it("a signature the explorer refuses: delete fails at once naming the reservation", async () => {
    const rid = await rawVolume(me, lg.nodeIds[5], [other.tid], 1);
    const r = await client.getReservation(rid);
    const props = { createTag: r.metadata.slice(TAG_PREFIX.length) };
    await expect(volumeProvider.delete!(String(rid), props)).rejects.toThrow(
      new RegExp(
        `^Volume ${rid}: cancelling reservation ${rid} failed: explorer POST /reservations/${rid}/sign/delete answered 401: .*; it stays in the stack: run \`pulumi destroy\` again$`,
      ),
    );
  });

  it("a router 404 (plain text) is not taken for a deleted reservation, and fails at once; the explorer's JSON 404 is", async () => {
    const { id, outs } = await deployVolume(lg.nodeIds[6]);
    lg.setFaults({ badAnswerRate: 1, badAnswer: "text-404" });
    const noRoute = `explorer GET /reservations/${id} answered 404: 404 page not found; no such route on this server; check that tfgrid:explorerUrl is the explorer's API base`;
    await expect(volumeProvider.read!(id, outs)).rejects.toThrow(noRoute);
    // Waiting does not fix a wrong URL: delete fails at once, naming the reservation.
    await expect(volumeProvider.delete!(id, outs)).rejects.toThrow(
      `Volume ${id}: cancelling reservation ${id} failed: ${noRoute}`,
    );
    lg.setFaults({ badAnswerRate: 0 });
    expect((await client.getReservation(Number(id))).next_action).toBe(3);
    await volumeProvider.delete!(id, outs);
    expect((await client.getReservation(Number(id))).next_action).toBe(6);
    expect(await volumeProvider.read!("999999", outs)).toEqual({ id: "", props: {} });
  });

  it("garbage answers while waiting are retried until the deadline: the delete completes", async () => {
    const { id, outs } = await deployVolume(lg.nodeIds[6]);
    lg.setFaults({ badAnswerRate: 0.5, badAnswer: "garbage-json", seed: 5 });
    await volumeProvider.delete!(id, outs);
    lg.setFaults({ badAnswerRate: 0 });
    expect((await client.getReservation(Number(id))).next_action).toBe(6);
  });
});

describe("registering under unreadable answers", () => {
  it("a failed search for the tag is repeated, never replaced by a second POST", async () => {
    const tag = `${TAG_PREFIX}garbled-${Date.now()}`;
    const data = reservationData(
      me.tid,
      { volumes: [{ workload_id: 1, node_id: lg.nodeIds[5], size: 1, type: 1 }] },
      { now: Math.floor(Date.now() / 1000), durationHours: 1, deployTimeoutSeconds: 60 },
    );
    // The POST takes effect but its answer is garbage; so is the first search for the tag.
    lg.setFaults({ badAnswerRate: 1, badAnswer: "garbage-json" });
    const searches = () => lg.counters()["GET /explorer/reservations"] ?? 0;
    const before = searches();
    const registering = registerIdempotent(client, me, data, () => undefined, tag);
    while (searches() < before + 1) await new Promise((r) => setTimeout(r, 5));
    lg.setFaults({ badAnswerRate: 0 });
    const rid = await registering;
    const tagged = (await client.listReservations({ customer_tid: me.tid })).filter(
      (r) => r.metadata === tag,
    );
    expect(tagged.map((r) => r.id)).toEqual([rid]);
  });
});

describe("a node result of unexpected shape", () => {
  it("fails the create naming the node, and cancels the reservation", async () => {
    const node = lg.nodeIds[7];
    lg.setFaults({ oddResultNodes: [node] });
    const before = (await client.listReservations({ customer_tid: me.tid })).length;
    await expect(deployVolume(node)).rejects.toThrow(
      new RegExp(
        `^Volume create failed: node ${node} reported volume (\\d+)-1 with a result of unexpected shape \\(volume result of \\1-1 from node ${node}: data_json: Expected object, received array\\); reservation \\1 was cancelled$`,
      ),
    );
    const all = await client.listReservations({ customer_tid: me.tid });
    expect(all.slice(before).map((r) => r.next_action)).toEqual([6]);
  });
});

describe("a network name already used by the same identity on a node", () => {
  const args = (nodes: string[]): Props => ({
    name: "shared-name",
    ipRange: "172.21.0.0/16",
    nodes,
  });

  it("is refused at check on `name` and at create, unless it is the resource's own network", async () => {
    const [n1, n2, n3] = [lg.nodeIds[0], lg.nodeIds[1], lg.nodeIds[8]];
    const first = await networkProvider.check!({}, args([n1, n2]));
    expect(first.failures).toEqual([]);
    const net = await networkProvider.create(first.inputs as Props);
    const rid = Number(net.id);

    // Its own state (same name, same nodes): allowed.
    expect((await networkProvider.check!(first.inputs as Props, args([n1, n2]))).failures).toEqual(
      [],
    );
    // Another resource (no state) with the name on a shared node: refused, on `name`.
    const second = await networkProvider.check!({}, args([n2, n3]));
    expect(second.failures).toEqual([
      {
        property: "name",
        reason: `network name "shared-name" is already used by tid ${me.tid} on node ${n2} (reservation ${rid}), which this stack does not own: two networks of one identity with one name on one node replace each other; pick another name (Network name, S3Archive network.name, or s3:networkName in the example stack) or destroy the stack that owns it`,
      },
    ]);
    // On a node the name is not used on: allowed.
    expect((await networkProvider.check!({}, args([n3]))).failures).toEqual([]);
    // create checks again just before registering (another stack may have deployed since preview).
    const count = (await client.listReservations({ customer_tid: me.tid })).length;
    await expect(networkProvider.create(first.inputs as Props)).rejects.toThrow(
      `network name "shared-name" is already used by tid ${me.tid} on node ${n1} (reservation ${rid})`,
    );
    expect((await client.listReservations({ customer_tid: me.tid })).length).toBe(count);
    expect((await client.getReservation(rid)).next_action).toBe(3);
    await networkProvider.delete!(net.id, net.outs);
    // Deleted: the name is free again.
    expect((await networkProvider.check!({}, args([n2, n3]))).failures).toEqual([]);
  });
});

describe("another explorer than the stack's", () => {
  it("refresh and destroy keep the resource, naming the setting, instead of reporting it gone", async () => {
    const { id, outs } = await deployVolume(lg.nodeIds[4]);
    // tfgrid:explorerUrl now points at a fresh grid: every id is unknown there, the identity too.
    const fresh = await startLocalGrid({ port: 0 });
    try {
      process.env.TFGRID_EXPLORER_URL = fresh.url;
      clearConfig();
      const kept = `Volume ${id}: the explorer at ${fresh.url} does not have its reservation, and it is not the explorer this stack was deployed on (tfgrid:tid ${me.tid} is not registered on the explorer at ${fresh.url}`;
      await expect(volumeProvider.read!(id, outs)).rejects.toThrow(kept);
      await expect(volumeProvider.delete!(id, outs)).rejects.toThrow(kept);
    } finally {
      process.env.TFGRID_EXPLORER_URL = lg.url;
      clearConfig();
      await fresh.close();
    }
    // Where it was made, it still runs; back there, destroy cancels it.
    expect((await client.getReservation(Number(id))).next_action).toBe(3);
    await volumeProvider.delete!(id, outs);
    expect((await client.getReservation(Number(id))).next_action).toBe(6);
  });
});
