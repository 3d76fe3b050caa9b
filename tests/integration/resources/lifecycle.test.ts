// The four providers' hooks against an in-process local grid over real HTTP: check → create →
// read → diff → delete, asserting explorer state; node refusals; a dropped create response;
// refresh after a cancel behind the provider's back.
import axios from "axios";
import { startLocalGrid, type LocalGrid } from "../../../localgrid";
import { ExplorerClient } from "../../../provider/client/explorer";
import { signDelete } from "../../../provider/crypto";
import { identityFromMnemonic, type Identity } from "../../../provider/identity";
import { registerIdentity } from "../../../provider/cli/identity";
import { clearConfig } from "../../../provider/resources/common";
import { containerProvider } from "../../../provider/resources/container-provider";
import { networkProvider } from "../../../provider/resources/network-provider";
import { volumeProvider } from "../../../provider/resources/volume-provider";
import { zdbNamespaceProvider } from "../../../provider/resources/zdb-provider";
import { registerIdempotent, reservationData, TAG_PREFIX } from "../../../provider/reservation";

type Props = Record<string, unknown>;

let lg: LocalGrid;
let client: ExplorerClient;
let identity: Identity;
const saved = { ...process.env };

beforeAll(async () => {
  lg = await startLocalGrid({
    port: 0,
    pollIntervalMs: 20,
    provisionDelayMs: 0,
    exposeSecretsForTests: true,
  });
  const reg = await registerIdentity({ explorerUrl: lg.url, name: "resources" });
  identity = identityFromMnemonic(reg.mnemonic, reg.tid);
  client = new ExplorerClient({ baseUrl: lg.url });
  Object.assign(process.env, {
    TFGRID_EXPLORER_URL: lg.url,
    TFGRID_MNEMONIC: reg.mnemonic,
    TFGRID_TID: String(reg.tid),
    TFGRID_POLL_INTERVAL_MS: "20",
    TFGRID_DEPLOY_TIMEOUT_SECONDS: "15",
  });
  clearConfig();
});

afterAll(async () => {
  process.env = saved;
  await lg.close();
});

async function checked(p: typeof zdbNamespaceProvider, news: Props, olds: Props = {}) {
  const r = await p.check!(olds, news);
  expect(r.failures).toEqual([]);
  return r.inputs as Props;
}

async function secrets(gwid: string): Promise<string> {
  const r = await axios.get(`${lg.origin}/__localgrid/secrets/${gwid}`);
  return JSON.stringify(r.data);
}

describe("ZdbNamespace", () => {
  it("check → create → read → diff → delete", async () => {
    const node = lg.nodeIds[1];
    const inputs = await checked(zdbNamespaceProvider, {
      nodeId: node,
      sizeGiB: 10,
      password: "s3cret",
    });
    expect(inputs).toEqual({
      nodeId: node,
      sizeGiB: 10,
      mode: "seq",
      password: "s3cret",
      diskType: "SSD",
      public: false,
      durationHours: 24,
      __createTag: expect.stringMatching(/^[0-9a-f-]{36}$/),
      secretFingerprints: { password: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
    const { id, outs } = await zdbNamespaceProvider.create(inputs);
    const rid = Number(id);
    // check's createTag is the reservation's idempotency tag (what `tfgrid recover` looks for).
    expect((await client.getReservation(rid)).metadata).toBe(
      `pulumi-tfgrid:${String(inputs.__createTag)}`,
    );
    expect(outs).toMatchObject({
      reservationId: rid,
      workloadId: `${rid}-1`,
      namespace: `${rid}-1`,
      port: 9900,
      customerTid: identity.tid,
    });
    expect(outs.endpoint).toBe(`${rid}-1:s3cret@[${outs.ip}]:9900`);
    const r = await client.getReservation(rid);
    expect(r.next_action).toBe(3);
    expect(r.results.map((x) => x.state)).toEqual([1]);
    expect(await secrets(`${rid}-1`)).toContain("s3cret");

    const read = await zdbNamespaceProvider.read!(id, outs);
    expect(read.id).toBe(id);
    expect(read.props).toEqual(outs);
    expect(await zdbNamespaceProvider.diff!(id, outs, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const bigger = await checked(zdbNamespaceProvider, { ...inputs, sizeGiB: 20 }, outs);
    expect(await zdbNamespaceProvider.diff!(id, outs, bigger)).toEqual({
      changes: true,
      replaces: ["sizeGiB"],
      deleteBeforeReplace: false,
    });

    await zdbNamespaceProvider.delete!(id, outs);
    expect((await client.getReservation(rid)).next_action).toBe(6);
    expect(await zdbNamespaceProvider.read!(id, outs)).toEqual({ id: "", props: {} });
    // deleting what is already gone succeeds
    await zdbNamespaceProvider.delete!(id, outs);
  });
});

describe("Network + Volume + Container", () => {
  it("deploys a container on a network with a volume, then removes all three", async () => {
    const [access, other] = [lg.nodeIds[0], lg.nodeIds[8]];
    const netIn = await checked(networkProvider, {
      name: "archive",
      ipRange: "172.20.0.0/16",
      nodes: [access, other],
      nodeSubnets: { [access]: "172.20.15.0/24" },
      addAccess: { nodeId: access },
    });
    expect(netIn.nodeSubnets).toEqual({ [access]: "172.20.15.0/24", [other]: "172.20.1.0/24" });
    expect(netIn.addAccess).toEqual({ nodeId: access, ipv4: true, subnet: "172.20.254.0/24" });
    const ports = netIn.listenPorts as Record<string, number>;
    expect(ports[access]).not.toBe(6831);
    const net = await networkProvider.create(netIn);
    const cfg = String(net.outs.wireguardConfig);
    expect(cfg).toContain("Address = 100.64.20.254/32\n");
    expect(cfg).toContain("AllowedIPs = 172.20.0.0/16, 100.64.20.0/32\n");
    const pub = (await client.getNode(access)).public_config?.ipv4.split("/")[0];
    expect(cfg).toContain(`Endpoint = ${pub}:${ports[access]}\n`);
    const nr = await client.getReservation(Number(net.id));
    expect(nr.next_action).toBe(3);
    expect(
      nr.results
        .filter((x) => x.state === 1)
        .map((x) => x.node_id)
        .sort(),
    ).toEqual([access, other].sort());

    // Re-check with the deployed state: nothing moves, so no diff.
    const again = await checked(
      networkProvider,
      {
        name: "archive",
        ipRange: "172.20.0.0/16",
        nodes: [access, other],
        nodeSubnets: { [access]: "172.20.15.0/24" },
        addAccess: { nodeId: access },
      },
      net.outs,
    );
    expect(await networkProvider.diff!(net.id, net.outs, again)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });

    const volIn = await checked(volumeProvider, { nodeId: access, sizeGiB: 10 });
    const vol = await volumeProvider.create(volIn);
    expect(vol.outs.volumeId).toBe(`${vol.id}-1`);

    const ctIn = await checked(containerProvider, {
      nodeId: access,
      flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
      entrypoint: "/bin/entrypoint",
      env: { DATA: "4", PARITY: "2" },
      secretEnv: { SECRET_KEY: "minio-secret" },
      cpu: 2,
      memoryMiB: 2048,
      network: { name: "archive", ip: "172.20.15.16" },
      volumes: [{ volumeId: vol.outs.volumeId, mountpoint: "/data" }],
    });
    const ct = await containerProvider.create(ctIn);
    expect(ct.outs.ipv4).toBe("172.20.15.16");
    expect(await secrets(`${ct.id}-1`)).toContain("minio-secret");

    for (const [p, r] of [
      [containerProvider, ct],
      [volumeProvider, vol],
      [networkProvider, net],
    ] as const) {
      await p.delete!(r.id, r.outs);
      expect((await client.getReservation(Number(r.id))).next_action).toBe(6);
    }
  });
});

describe("failures", () => {
  it("a node refusal fails create with the node's message and leaves nothing active", async () => {
    const node = lg.nodeIds[2];
    lg.setFaults({ failingNodes: { [node]: "not enough free capacity" } });
    try {
      const inputs = await checked(volumeProvider, { nodeId: node, sizeGiB: 1 });
      await expect(volumeProvider.create(inputs)).rejects.toThrow(
        new RegExp(
          `^Volume create failed: node ${node} refused volume (\\d+)-1: not enough free capacity; reservation \\1 was cancelled$`,
        ),
      );
    } finally {
      lg.setFaults({ failingNodes: {} });
    }
    const mine = await client.listReservations({ customer_tid: identity.tid });
    const onNode = mine.filter((r) => JSON.stringify(r.data_reservation).includes(node));
    expect(onNode.length).toBe(1);
    expect(onNode[0].next_action).toBe(6);
  });

  it("a dropped create response adopts the stored reservation instead of posting twice", async () => {
    const node = lg.nodeIds[3];
    const data = reservationData(
      identity.tid,
      {
        volumes: [
          { workload_id: 1, node_id: node, size: 1, type: 1, stats_aggregator: [], farmer_tid: 0 },
        ],
      },
      {
        now: Math.floor(Date.now() / 1000),
        durationHours: 2,
        deployTimeoutSeconds: 60,
      },
    );
    const dropping = new ExplorerClient({ baseUrl: lg.url });
    const real = dropping.createReservation.bind(dropping);
    let posts = 0;
    dropping.createReservation = async (body) => {
      posts++;
      lg.setFaults({ dropAfterProcessRate: 1 });
      try {
        return await real(body);
      } finally {
        lg.setFaults({ dropAfterProcessRate: 0 });
      }
    };
    const tag = `${TAG_PREFIX}dropped-test`;
    const rid = await registerIdempotent(dropping, identity, data, () => undefined, tag);
    expect(posts).toBe(1);
    const tagged = (await client.listReservations({ customer_tid: identity.tid })).filter(
      (r) => r.metadata === tag,
    );
    expect(tagged.map((r) => r.id)).toEqual([rid]);
  });

  it("read returns an empty id after a cancel behind the provider's back", async () => {
    const inputs = await checked(volumeProvider, { nodeId: lg.nodeIds[4], sizeGiB: 1 });
    const { id, outs } = await volumeProvider.create(inputs);
    const r = await client.getReservation(Number(id));
    await client.signDelete(r.id, {
      tid: identity.tid,
      signature: signDelete(identity, r.id, r.json),
      epoch: 0,
    });
    expect(await volumeProvider.read!(id, outs)).toEqual({ id: "", props: {} });
  });
});
