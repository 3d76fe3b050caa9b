import { containerProvider, containerWorkload } from "../../provider/resources/container-provider";
import { networkProvider } from "../../provider/resources/network-provider";
import { volumeProvider, volumeWorkload } from "../../provider/resources/volume-provider";
import {
  zdbAddress,
  zdbNamespaceProvider,
  zdbWorkload,
} from "../../provider/resources/zdb-provider";
import { UNKNOWN } from "../../provider/resources/validation";
import { NODE, useFreshIdentityEnv } from "./provider-env";

useFreshIdentityEnv();

describe("check", () => {
  it("reports every ZdbNamespace problem at once", async () => {
    const r = await zdbNamespaceProvider.check!(
      {},
      { nodeId: "abc", sizeGiB: 10.5, mode: "fast", durationHours: 0.5 },
    );
    expect(r.failures).toEqual([
      {
        property: "nodeId",
        reason:
          '"abc" is not a node id; use the base58 node_id of a 32-byte key as listed by GET /nodes',
      },
      {
        property: "sizeGiB",
        reason: "10.5 is not a valid sizeGiB (GiB); use a whole number between 1 and 100000",
      },
      { property: "mode", reason: '"fast" is not a known 0-db mode; use one of "seq", "user"' },
      {
        property: "durationHours",
        reason:
          "0.5 is not a valid durationHours; use a number of hours from 1 to 87600 (the explorer refuses reservations under 1 hour)",
      },
    ]);
  });

  it("refuses a 0-db password that would break its endpoint, without printing it", async () => {
    const r = await zdbNamespaceProvider.check!(
      {},
      { nodeId: NODE, sizeGiB: 1, password: "p@ss:w" },
    );
    expect(r.failures).toEqual([
      {
        property: "password",
        reason:
          "the password holds one of , @ : / ? #, which would end it inside the endpoint MinIO reads (ns:password@[ip]:port); choose a password without them",
      },
    ]);
    const ok = await zdbNamespaceProvider.check!(
      {},
      { nodeId: NODE, sizeGiB: 1, password: "p-ss_w.~" },
    );
    expect(ok.failures).toEqual([]);
  });

  it("applies defaults and lets preview's unknown values through", async () => {
    const r = await zdbNamespaceProvider.check!(
      {},
      { nodeId: UNKNOWN, sizeGiB: 10, password: UNKNOWN },
    );
    expect(r).toEqual({
      inputs: {
        nodeId: UNKNOWN,
        sizeGiB: 10,
        mode: "seq",
        password: UNKNOWN,
        diskType: "SSD",
        public: false,
        durationHours: 24,
        __createTag: expect.stringMatching(/^[0-9a-f-]{36}$/),
        // Unknown while the password is: the preview shows it as changing.
        secretFingerprints: { password: UNKNOWN },
      },
      failures: [],
    });
  });

  it("turns missing identity config into failures on the tfgrid keys", async () => {
    delete process.env.TFGRID_MNEMONIC;
    delete process.env.TFGRID_TID;
    const r = await volumeProvider.check!({}, { nodeId: NODE, sizeGiB: 1 });
    expect(r.failures?.map((f) => f.property)).toEqual(["tfgrid:mnemonic", "tfgrid:tid"]);
  });

  it("refuses HDD volumes with the reason", async () => {
    const r = await volumeProvider.check!({}, { nodeId: NODE, sizeGiB: 0, diskType: "HDD" });
    expect(r.failures).toEqual([
      {
        property: "sizeGiB",
        reason: "0 is not a valid sizeGiB (GiB); use a whole number between 1 and 100000",
      },
      {
        property: "diskType",
        reason: '"HDD" volumes are refused by the explorer since 2020-06-23; use "SSD"',
      },
    ]);
  });

  it("checks container IPs, mountpoints, ranges and secrets in env", async () => {
    const r = await containerProvider.check!(
      {},
      {
        nodeId: NODE,
        flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
        cpu: 0,
        memoryMiB: 64,
        env: { SECRET_KEY: "x" },
        network: { name: "net", ip: "172.20.15.1" },
        volumes: [{ volumeId: "12-1", mountpoint: "data" }],
      },
    );
    expect(r.failures).toEqual([
      {
        property: "cpu",
        reason: "0 is not a valid cpu (vCPU); use a whole number between 1 and 32",
      },
      {
        property: "memoryMiB",
        reason: "64 is not a valid memoryMiB (MiB); use a whole number between 128 and 262144",
      },
      {
        property: "network.ip",
        reason: '"172.20.15.1" is the node gateway; use a host address .2–.254 of the node\'s /24',
      },
      {
        property: "volumes.0.mountpoint",
        reason: '"data" is not an absolute mountpoint; use e.g. "/data"',
      },
      {
        property: "env.SECRET_KEY",
        reason:
          "SECRET_KEY holds a credential and would be stored in plain text on the grid; move it to secretEnv",
      },
    ]);
  });

  it("checks the network range and duplicate nodes without calling the explorer", async () => {
    const r = await networkProvider.check!(
      {},
      { name: "net", ipRange: "100.64.0.0/16", nodes: [NODE, NODE] },
    );
    expect(r.failures).toEqual([
      {
        property: "ipRange",
        reason:
          '"100.64.0.0/16" overlaps 100.64.0.0/10, which zos uses for routing; use a private /16 such as "172.20.0.0/16"',
      },
      { property: "nodes.1", reason: `node ${NODE} is listed twice; list each node once` },
    ]);
  });
});

describe("diff", () => {
  const zdb = {
    nodeId: NODE,
    sizeGiB: 10,
    mode: "seq",
    password: "p",
    diskType: "SSD",
    public: false,
    durationHours: 24,
  };
  const outs = {
    ...zdb,
    reservationId: 4,
    workloadId: "4-1",
    expiresAt: "2030-01-01T00:00:00.000Z",
  };

  it("no diff for the same inputs; every changed property forces a replacement", async () => {
    expect(await zdbNamespaceProvider.diff!("4", outs, zdb)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(
      await zdbNamespaceProvider.diff!("4", outs, { ...zdb, password: "q", durationHours: 48 }),
    ).toEqual({
      changes: true,
      replaces: ["password", "durationHours"],
      deleteBeforeReplace: false,
    });
    expect(await zdbNamespaceProvider.diff!("4", outs, { ...zdb, nodeId: UNKNOWN })).toEqual({
      changes: true,
      replaces: ["nodeId"],
      deleteBeforeReplace: false,
    });
  });

  it("deletes a container first when the new one takes the same IP on the same node", async () => {
    const ct = {
      nodeId: NODE,
      flist: "https://h/x.flist",
      network: { name: "n", ip: "172.20.1.5" },
      cpu: 1,
    };
    expect(await containerProvider.diff!("1", ct, { ...ct, cpu: 2 })).toEqual({
      changes: true,
      replaces: ["cpu"],
      deleteBeforeReplace: true,
    });
    expect(
      await containerProvider.diff!("1", ct, { ...ct, network: { name: "n", ip: "172.20.1.6" } }),
    ).toEqual({
      changes: true,
      replaces: ["network"],
      deleteBeforeReplace: false,
    });
  });
});

describe("wire mapping", () => {
  it("maps a ZDB, sealing the password", () => {
    const w = zdbWorkload({
      nodeId: NODE,
      sizeGiB: 10,
      mode: "seq",
      password: "pw",
      diskType: "SSD",
      public: false,
    }) as Record<string, unknown>;
    expect({ ...w, password: (w.password as string).length }).toEqual({
      workload_id: 1,
      node_id: NODE,
      size: 10,
      mode: 0,
      password: (2 + 48) * 2,
      disk_type: 1,
      public: false,
      stats_aggregator: [],
      farmer_tid: 0,
    });
    expect(zdbAddress({ IPs: ["300:1::2", "2a02::5"] })).toBe("2a02::5");
    expect(zdbAddress({ IP: "2a02::6" })).toBe("2a02::6");
  });

  it("maps a volume", () => {
    expect(volumeWorkload({ nodeId: NODE, sizeGiB: 10, diskType: "SSD" })).toEqual({
      workload_id: 1,
      node_id: NODE,
      size: 10,
      type: 1,
      stats_aggregator: [],
      farmer_tid: 0,
    });
  });

  it("maps a container", () => {
    const w = containerWorkload({
      nodeId: NODE,
      flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
      entrypoint: "/bin/entrypoint",
      env: { DATA: "4" },
      secretEnv: { SECRET_KEY: "k" },
      cpu: 2,
      memoryMiB: 2048,
      diskSizeMiB: 256,
      network: { name: "net", ip: "172.20.15.16" },
      volumes: [{ volumeId: "12-1", mountpoint: "/data" }],
      publicIp6: false,
      interactive: false,
    }) as Record<string, unknown>;
    expect({ ...w, secret_environment: Object.keys(w.secret_environment as object) }).toEqual({
      workload_id: 1,
      node_id: NODE,
      flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
      hub_url: "",
      environment: { DATA: "4" },
      secret_environment: ["SECRET_KEY"],
      entrypoint: "/bin/entrypoint",
      interactive: false,
      volumes: [{ volume_id: "12-1", mountpoint: "/data" }],
      network_connection: [{ network_id: "net", ipaddress: "172.20.15.16", public_ip6: false }],
      stats_aggregator: [],
      logs: [],
      farmer_tid: 0,
      capacity: { cpu: 2, memory: 2048, disk_size: 256, disk_type: 1 },
    });
  });
});
