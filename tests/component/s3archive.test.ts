import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  parentName?: string;
}

const registered: Registered[] = [];

/** Pulumi's wire marker of a secret value. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Replaces wire secrets by `{ secret: value }`, so tests can assert both value and secrecy. */
function markSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(markSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o["4dabf18193072939515e22adb298388d"] === SECRET_SIG)
      return { secret: markSecrets(o.value) };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, markSecrets(x)]));
  }
  return v;
}
const options = new Map<string, pulumi.CustomResourceOptions>();

// Fake grid outputs: what the providers would return after deploy.
pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs): {
      id: string;
      state: Record<string, unknown>;
    } {
      const i = { ...(args.inputs as Record<string, unknown>) };
      delete i.__provider; // the serialized provider, not an input
      registered.push({
        type: args.type,
        name: args.name,
        inputs: markSecrets(i) as Record<string, unknown>,
      });
      const id = `${args.name}-id`;
      switch (args.type) {
        case "pulumi-nodejs:dynamic/tfgrid:StablePassword":
          return { id, state: { ...i, value: "0123456789abcdef0123456789abcdef" } };
        case "pulumi-nodejs:dynamic/tfgrid:ShardPlacement": {
          const req = i.request as { count: number; excludeCities?: string[] };
          if (req.excludeCities) {
            // A metadata placement: the first city of three that is not excluded.
            const sites: [string, number, string][] = [
              ["Salzburg", 12775, "Austria"],
              ["Vienna", 82872, "Austria"],
              ["Ghent", 71, "Belgium"],
            ];
            const [city, farmId, country] = sites.find(([c]) => !req.excludeCities!.includes(c))!;
            const nodeId = `${args.name}-${city.toLowerCase()}`;
            return { id, state: { ...i, nodes: [{ nodeId, farmId, city, country }] } };
          }
          const nodes = Array.from({ length: req.count }, (_, k) => ({
            nodeId: `placed-${k}`,
            farmId: k % 2 === 0 ? 12775 : 82872,
            city: k % 2 === 0 ? "Salzburg" : "Vienna",
            country: "Austria",
          }));
          return { id, state: { ...i, nodes } };
        }
        case "pulumi-nodejs:dynamic/tfgrid:ZdbNamespace": {
          const k = args.name.endsWith("-tlog") ? 9 : Number(args.name.split("-").pop());
          const ns = `${100 + k}-1`;
          const ip = `2a02:1802:5e::${k + 1}`;
          return {
            id: String(100 + k),
            state: {
              ...i,
              reservationId: 100 + k,
              workloadId: ns,
              namespace: ns,
              ip,
              port: 9900,
              endpoint: `${ns}:${String((markSecrets(i.password) as { secret: string }).secret)}@[${ip}]:9900`,
            },
          };
        }
        case "pulumi-nodejs:dynamic/tfgrid:Volume":
          return { id: "200", state: { ...i, reservationId: 200, volumeId: "200-1" } };
        case "pulumi-nodejs:dynamic/tfgrid:Container": {
          const net = i.network as { ip: string };
          return {
            id: "300",
            state: { ...i, reservationId: 300, workloadId: "300-1", ipv4: net.ip, ipv6: "" },
          };
        }
        case "pulumi-nodejs:dynamic/tfgrid:Network": {
          const nodes = i.nodes as string[];
          return {
            id: "400",
            state: {
              ...i,
              nodeSubnets: {
                ...(i.nodeSubnets as Record<string, string>),
                ...Object.fromEntries(nodes.slice(1).map((n, k) => [n, `172.20.${k + 2}.0/24`])),
              },
              wireguardConfig: i.addAccess ? "[Interface]\nPrivateKey = x\n" : undefined,
            },
          };
        }
        default:
          return { id, state: i };
      }
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
  },
  "tfgrid-s3-archive",
  "test",
  true,
);

import type { S3ArchiveArgs } from "../../provider/archive/args";
import { S3Archive } from "../../provider/archive/component";
import { MINIO_TLOG_FLIST } from "../../provider/archive/metadata-replication";
import { checkArchivePlan } from "../../provider/archive/plan";
import { S3ArchiveArgsError } from "../../provider/archive/problems";
import { locateShards } from "../../provider/archive/shards";

const warnings: string[] = [];
jest.spyOn(pulumi.log, "warn").mockImplementation(async (msg: string) => {
  warnings.push(msg);
});

const value = <T>(o: pulumi.Output<T>): Promise<T> =>
  (o as unknown as { promise(): Promise<T> }).promise();
const isSecret = (o: pulumi.Output<unknown>): Promise<boolean> =>
  (o as unknown as { isSecret: Promise<boolean> }).isSecret;

/** The reference scenario: 3 Salzburg + 3 Vienna nodes, given with their locations. */
const REFERENCE_NODES = [
  ...["s1", "s2", "s3"].map((nodeId) => ({
    nodeId,
    farmId: 12775,
    city: "Salzburg",
    country: "Austria",
  })),
  ...["v1", "v2", "v3"].map((nodeId) => ({
    nodeId,
    farmId: 82872,
    city: "Vienna",
    country: "Austria",
  })),
];

const reference = (over: Partial<S3ArchiveArgs> = {}): S3ArchiveArgs => ({
  shardNodes: REFERENCE_NODES,
  dataShards: 4,
  parityShards: 2,
  zdbSizeGiB: 10,
  minioCpu: 2,
  minioMemoryMiB: 2048,
  metadataVolumeSizeGiB: 10,
  accessKey: "tfgrid-demo",
  secretKey: pulumi.secret("s3cr3t-key-123"),
  durationHours: 24,
  ...over,
});

/** Builds an archive and waits until its children are registered; returns them by name. */
async function build(
  name: string,
  args: S3ArchiveArgs,
  opts: pulumi.ComponentResourceOptions = {},
) {
  const archive = new S3Archive(name, args, {
    ...opts,
    transformations: [
      (t) => {
        options.set(t.name, t.opts as pulumi.CustomResourceOptions);
        return undefined;
      },
    ],
  });
  await value(archive.endpoint);
  await value(archive.redundancy);
  const children = registered.filter((r) => r.name.startsWith(`${name}-`));
  const byName = (n: string) => {
    const found = children.find((c) => c.name === n);
    if (!found) throw new Error(`no child ${n}`);
    return found;
  };
  return { archive, children, byName };
}

describe("S3Archive (reference scenario)", () => {
  let built: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    built = await build("ref", reference());
  });

  it("creates exactly these children", () => {
    const sorted = built.children
      .map((c) => [c.type, c.name])
      .sort((a, b) => (a[1] < b[1] ? -1 : 1));
    expect(sorted).toEqual([
      ["pulumi-nodejs:dynamic/tfgrid:ArchiveLayout", "ref-layout"],
      ["pulumi-nodejs:dynamic/tfgrid:Volume", "ref-meta"],
      ["pulumi-nodejs:dynamic/tfgrid:Container", "ref-minio"],
      ["pulumi-nodejs:dynamic/tfgrid:Network", "ref-net"],
      ["pulumi-nodejs:dynamic/tfgrid:StablePassword", "ref-password"],
      ["pulumi-nodejs:dynamic/tfgrid:ZdbNamespace", "ref-zdb-0"],
      ["pulumi-nodejs:dynamic/tfgrid:ZdbNamespace", "ref-zdb-1"],
      ["pulumi-nodejs:dynamic/tfgrid:ZdbNamespace", "ref-zdb-2"],
      ["pulumi-nodejs:dynamic/tfgrid:ZdbNamespace", "ref-zdb-3"],
      ["pulumi-nodejs:dynamic/tfgrid:ZdbNamespace", "ref-zdb-4"],
      ["pulumi-nodejs:dynamic/tfgrid:ZdbNamespace", "ref-zdb-5"],
    ]);
  });

  it("parents every child to the component", () => {
    for (const c of built.children) {
      expect(options.get(c.name)?.parent).toBe(built.archive);
    }
  });

  it("gives every zdb its node, seq mode, the shared password, no public access", () => {
    const zdbs = built.children.filter((c) => c.name.startsWith("ref-zdb-"));
    expect(zdbs.map((z) => z.inputs)).toEqual(
      REFERENCE_NODES.map((n) => ({
        nodeId: n.nodeId,
        sizeGiB: 10,
        mode: "seq",
        password: { secret: "0123456789abcdef0123456789abcdef" },
        diskType: "SSD",
        public: false,
        durationHours: 24,
      })),
    );
  });

  it("creates the network on the MinIO node with its /24 pinned from minioIp", () => {
    expect(built.byName("ref-net").inputs).toEqual({
      name: "ref-net",
      ipRange: "172.20.0.0/16",
      nodes: ["s1"],
      nodeSubnets: { s1: "172.20.15.0/24" },
      durationHours: 24,
    });
  });

  it("puts the metadata volume on the MinIO node", () => {
    expect(built.byName("ref-meta").inputs).toEqual({
      nodeId: "s1",
      sizeGiB: 10,
      diskType: "SSD",
      durationHours: 24,
      layout: "4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3",
    });
  });

  it("runs MinIO exactly as docs/protocol.md#minio-environment says, secrets only in secretEnv, SHARDS in shard order", () => {
    const shards = REFERENCE_NODES.map(
      (_, k) => `${100 + k}-1:0123456789abcdef0123456789abcdef@[2a02:1802:5e::${k + 1}]:9900`,
    ).join(",");
    expect(built.byName("ref-minio").inputs).toEqual({
      nodeId: "s1",
      flist: "https://hub.grid.tf/azmy.3bot/minio.flist",
      entrypoint: "/bin/entrypoint",
      interactive: false,
      env: {
        DATA: "4",
        PARITY: "2",
        ACCESS_KEY: "tfgrid-demo",
        MINIO_ZEROSTOR_META_DIR: "/data",
      },
      secretEnv: { secret: { SHARDS: shards, SECRET_KEY: "s3cr3t-key-123" } },
      cpu: 2,
      memoryMiB: 2048,
      diskSizeMiB: 256,
      network: { name: "ref-net", ip: "172.20.15.16" },
      volumes: [{ volumeId: "200-1", mountpoint: "/data" }],
      publicIp6: false,
      durationHours: 24,
    });
  });

  it("shows the planner's warnings at preview", () => {
    expect(warnings).toEqual(
      expect.arrayContaining([
        "A site loss is not survivable: losing Salzburg, Austria (3 shards) leaves objects unreadable, because a city may hold at most 2 (parityShards). To survive it: use 3+3 with this layout, or spread the 6 shards over at least 3 cities with at most 2 each.",
        "Losing node s1, or all of Salzburg, Austria, loses the archive's index: it holds MinIO and its metadata volume, the only copy of the index (no TLOG). The shards would survive, but no object could be found again, whatever the parity. Add a TLOG namespace on another site (S3Archive tlog) so a redeployed MinIO can rebuild the index, and a standby to keep reads going.",
      ]),
    );
  });

  it("records what the archive's data lives on, and its layout string for diffs", () => {
    expect(built.byName("ref-layout").inputs).toEqual({
      dataShards: 4,
      parityShards: 2,
      zdbSizeGiB: 10,
      diskType: "SSD",
      shardNodes: ["s1", "s2", "s3", "v1", "v2", "v3"],
      minioNode: "s1",
      metadataVolumeSizeGiB: 10,
      durationHours: 24,
      __layout: "4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3",
    });
  });

  it("exposes the endpoint, the secret shard list and the redundancy report", async () => {
    const a = built.archive;
    expect(await value(a.endpoint)).toBe("http://172.20.15.16:9000");
    expect(await isSecret(a.endpoint)).toBe(false);
    expect(await value(a.shards)).toEqual(
      REFERENCE_NODES.map(
        (_, k) => `${100 + k}-1:0123456789abcdef0123456789abcdef@[2a02:1802:5e::${k + 1}]:9900`,
      ),
    );
    expect(await isSecret(a.shards)).toBe(true);
    const report = await value(a.redundancy);
    expect(await isSecret(a.redundancy)).toBe(false);
    expect({
      usableGiB: report.usableGiB,
      rawGiB: report.rawGiB,
      siteLossSurvivable: report.siteLossSurvivable,
      cities: report.domains.city.counts,
    }).toEqual({
      usableGiB: 40,
      rawGiB: 60,
      siteLossSurvivable: false,
      cities: { "Salzburg, Austria": 3, "Vienna, Austria": 3 },
    });
    expect(await value(a.redundancyReport)).toContain("Site (city) loss survivable: NO");
    expect(await value(a.layout)).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3");
    expect(await value(a.wireguardConfig)).toBeUndefined();
    expect(await value(a.networkName)).toBe("ref-net");
  });

  it("gives only the volume the layout as replacement trigger: the container's diff decides", async () => {
    const trigger = options.get("ref-meta")?.replacementTrigger as pulumi.Output<string>;
    expect(await value(trigger)).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3");
    // The engine replaces a resource whose trigger changed without asking the provider's diff,
    // and so without its delete-before-replace answer: the container must never carry one.
    for (const child of ["ref-minio", "ref-zdb-0", "ref-net", "ref-password"]) {
      expect(options.get(child)?.replacementTrigger).toBeUndefined();
    }
    expect(built.byName("ref-meta").inputs.layout).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3");
  });
});

describe("S3Archive layout changes", () => {
  it("replaces the volume when shards, data or parity change, and only then", async () => {
    const trigger = (name: string) =>
      value(options.get(`${name}-meta`)?.replacementTrigger as pulumi.Output<string>);
    await build("l0", reference());
    await build("l1", reference({ dataShards: 3, parityShards: 3 }));
    await build(
      "l2",
      reference({
        shardNodes: [...REFERENCE_NODES.slice(0, 5), { ...REFERENCE_NODES[5], nodeId: "v4" }],
      }),
    );
    await build("l3", reference({ minioCpu: 4, metadataVolumeSizeGiB: 20 }));
    expect(await trigger("l0")).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3");
    expect(await trigger("l1")).toBe("3+3 seq SSD 10GiB: s1,s2,s3,v1,v2,v3");
    expect(await trigger("l2")).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v4");
    // Not a layout change: same trigger, so no forced replacement of the volume.
    expect(await trigger("l3")).toBe(await trigger("l0"));
  });
});

describe("S3Archive placement and networks", () => {
  it("places shards with a sticky ShardPlacement and runs MinIO on the first placed node", async () => {
    const { children, byName, archive } = await build("pl", {
      placement: { count: 6, farms: [12775, 82872] },
      accessKey: "tfgrid-demo",
      secretKey: "s3cr3t-key-123",
      network: { name: "archive", ipRange: "10.20.0.0/16", accessNodeId: "access-node" },
      minioIp: "10.20.3.7",
    });
    expect(children.map((c) => c.name).sort()).toEqual([
      "pl-layout",
      "pl-meta",
      "pl-minio",
      "pl-net",
      "pl-password",
      "pl-placement",
      "pl-zdb-0",
      "pl-zdb-1",
      "pl-zdb-2",
      "pl-zdb-3",
      "pl-zdb-4",
      "pl-zdb-5",
    ]);
    expect(byName("pl-placement").inputs).toEqual({
      request: { count: 6, farms: [12775, 82872], minFreeSsdGiB: 10 },
    });
    expect(byName("pl-net").inputs).toEqual({
      name: "archive",
      ipRange: "10.20.0.0/16",
      nodes: ["placed-0", "access-node"],
      nodeSubnets: { "placed-0": "10.20.3.0/24" },
      addAccess: { nodeId: "access-node" },
    });
    expect(byName("pl-minio").inputs.nodeId).toBe("placed-0");
    expect(byName("pl-minio").inputs.network).toEqual({ name: "archive", ip: "10.20.3.7" });
    expect(await value(archive.wireguardConfig)).toBe("[Interface]\nPrivateKey = x\n");
    expect(await isSecret(archive.wireguardConfig)).toBe(true);
    expect(await value(archive.layout)).toBe(
      "4+2 seq SSD 10GiB: placed-0,placed-1,placed-2,placed-3,placed-4,placed-5",
    );
  });

  it("joins an existing network without creating one", async () => {
    const { children, byName } = await build(
      "join",
      reference({ existingNetwork: { name: "shared", nodeSubnet: "172.20.15.0/24" } }),
    );
    expect(children.some((c) => c.type.endsWith("tfgrid:Network"))).toBe(false);
    expect(byName("join-minio").inputs.network).toEqual({ name: "shared", ip: "172.20.15.16" });
  });

  it("looks shard node ids up through the node lookup", async () => {
    const lookups: string[] = [];
    const { archive } = await build(
      "ids",
      reference({ shardNodes: ["s1", "s2", "s3", "v1", "v2", "v3"] }),
      {
        nodeLookup: async (id: string) => {
          lookups.push(id);
          const n = REFERENCE_NODES.find((x) => x.nodeId === id);
          return n && { farmId: n.farmId, city: n.city, country: n.country };
        },
      } as pulumi.ComponentResourceOptions,
    );
    expect(lookups).toEqual(["s1", "s2", "s3", "v1", "v2", "v3"]);
    expect(await value(archive.shardNodes)).toEqual(
      REFERENCE_NODES.map((n) => ({ ...n, sizeGiB: 10 })),
    );
  });
});

describe("S3Archive bad arguments", () => {
  const construct = (args: S3ArchiveArgs) => () => new S3Archive("bad", args);

  it("reports every problem at once, before any child exists", () => {
    const before = registered.length;
    let caught: unknown;
    try {
      construct(
        reference({
          dataShards: 5,
          parityShards: 0,
          requireSiteFailureTolerance: true,
          minioIp: "172.21.0.9",
          accessKey: "ab",
          secretKey: "short",
        }),
      )();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(S3ArchiveArgsError);
    expect((caught as Error).message).toBe(
      [
        'S3Archive "bad": 4 problems in its settings:',
        "  - parityShards = 0: requireSiteFailureTolerance is set, but with no parity losing any city (any shard) loses data. Fix: set parityShards to at least 1 and keep at most parityShards shards per city (e.g. 3+2 over 3 cities), or unset requireSiteFailureTolerance",
        '  - accessKey = "ab": MinIO needs an access key of at least 3 characters, without spaces or commas. Fix: set accessKey, e.g. "archive-admin"',
        '  - secretKey = "(secret)": MinIO needs a secret key of at least 8 characters. Fix: set a longer secretKey (in a stack: pulumi config set --secret <project>:secretKey <value>)',
        '  - minioIp = "172.21.0.9": the address is outside the network range 172.20.0.0/16. Fix: pick an address from .2 to .254 of one /24 inside 172.20.0.0/16 (e.g. 172.20.15.16); that /24 becomes the MinIO node\'s subnet',
      ].join("\n"),
    );
    expect(registered.length).toBe(before);
  });

  it.each([
    {
      name: "data + parity > shards",
      args: reference({ dataShards: 5, parityShards: 2 }),
      problem:
        "shardCount = 6: dataShards + parityShards = 7 is more than the 6 shards listed; MinIO refuses to start. Fix: list more shardNodes to 7, or lower dataShards/parityShards so they add up to at most 6",
    },
    {
      name: "a MinIO IP outside its node's subnet in an existing network",
      args: reference({
        existingNetwork: { name: "shared", nodeSubnet: "172.20.15.0/24" },
        minioIp: "172.20.16.5",
      }),
      problem:
        'minioIp = "172.20.16.5": the address is outside the MinIO node\'s subnet in "shared", 172.20.15.0/24. Fix: pick an address from .2 to .254 of 172.20.15.0/24, the MinIO node\'s subnet in "shared"',
    },
    {
      name: "the node gateway address",
      args: reference({ minioIp: "172.20.15.1" }),
      problem:
        'minioIp = "172.20.15.1": the address is .1 of its /24, which zos reserves (.0 network, .1 node gateway, .255 broadcast). Fix: pick an address from .2 to .254 of one /24 inside 172.20.0.0/16 (e.g. 172.20.15.16); that /24 becomes the MinIO node\'s subnet',
    },
    {
      name: "neither shard nodes nor placement",
      args: reference({ shardNodes: undefined }),
      problem:
        'shardNodes = "(unset)": neither shardNodes nor placement is set. Fix: give either shardNodes (node ids) or placement ({ count, farms, … }), not both',
    },
  ])("$name", ({ args, problem }) => {
    expect(construct(args)).toThrow(`S3Archive "bad": 1 problem in its settings:\n  - ${problem}`);
  });

  it("reports a shard node that does not exist and a site-intolerant layout together (the check every reservation waits for)", async () => {
    const lookup = async (id: string) => {
      const n = REFERENCE_NODES.find((x) => x.nodeId === id);
      return n && { farmId: n.farmId, city: n.city, country: n.country };
    };
    const located = await locateShards(
      ["s1", "s2", "nope", "v1", "v2", "v3"].map((nodeId) => ({ nodeId })),
      10,
      lookup,
    );
    expect(() =>
      checkArchivePlan("ghost", located.shards, located.problems, {
        dataShards: 4,
        parityShards: 2,
        allowSharedNodes: false,
        requireSiteFailureTolerance: true,
        shardProperty: "shardNodes",
      }),
    ).toThrow(
      [
        'S3Archive "ghost": 3 problems in its settings:',
        '  - shardNodes[2] = "nope": no such node on the explorer. Fix: use a node id listed by GET /nodes (check tfgrid:explorerUrl points at the right grid), or use placement to let the archive choose',
        "  - parityShards = 2: requireSiteFailureTolerance is set, but losing Vienna, Austria (3 shards) loses data: a city may hold at most parityShards = 2 shards. Fix: use 3+3 with this layout, or spread the 6 shards over at least 3 cities with at most 2 each",
        '  - tlog = "(none)": requireSiteFailureTolerance is set, but losing Salzburg, Austria loses the archive\'s index: it holds MinIO and its metadata volume, the only copy of the index (no TLOG). Fix: add a TLOG namespace on a node outside Salzburg, Austria, so a redeployed MinIO can rebuild the index; a standby in a third city also keeps reads going',
      ].join("\n"),
    );
  });

  it("renames the planner's shards property to the setting used (placement.count)", () => {
    const shards = [
      { nodeId: "a", farmId: 1, city: "A", country: "X", sizeGiB: 10 },
      { nodeId: "a", farmId: 1, city: "A", country: "X", sizeGiB: 10 },
    ];
    expect(() =>
      checkArchivePlan("dup", shards, [], {
        dataShards: 1,
        parityShards: 1,
        allowSharedNodes: false,
        requireSiteFailureTolerance: false,
        shardProperty: "placement.count",
      }),
    ).toThrow(
      'S3Archive "dup": 1 problem in its settings:\n  - placement.count = "a": node a holds 2 shards, so one node failure loses 2 shards at once. Fix: put every shard on a different node, or set allowSharedNodes to accept the shared failure domain',
    );
  });

  it("marks its error as a Pulumi RunError, so the CLI prints the message without a stack", () => {
    expect(pulumi.RunError.isInstance(new S3ArchiveArgsError("x", []))).toBe(true);
  });
});

describe("S3Archive metadata replication (TLOG and standby, docs/protocol.md#tlog-and-master)", () => {
  const GHENT = { nodeId: "g1", farmId: 71, city: "Ghent", country: "Belgium" };
  const lookup = async (id: string) => (id === "g1" ? GHENT : undefined);
  let built: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    built = await build("rep", reference({ tlog: { nodeId: "v1" }, standby: { nodeId: "g1" } }), {
      nodeLookup: lookup,
    } as pulumi.ComponentResourceOptions);
  });
  const TLOG = "109-1:0123456789abcdef0123456789abcdef@[2a02:1802:5e::10]:9900";

  it("adds exactly the TLOG namespace, the standby's volume and the standby container", () => {
    const sorted = built.children
      .map((c) => [c.type, c.name])
      .sort((a, b) => (a[1] < b[1] ? -1 : 1));
    expect(sorted).toEqual([
      ["pulumi-nodejs:dynamic/tfgrid:ArchiveLayout", "rep-layout"],
      ["pulumi-nodejs:dynamic/tfgrid:Volume", "rep-meta"],
      ["pulumi-nodejs:dynamic/tfgrid:Container", "rep-minio"],
      ["pulumi-nodejs:dynamic/tfgrid:Network", "rep-net"],
      ["pulumi-nodejs:dynamic/tfgrid:StablePassword", "rep-password"],
      ["pulumi-nodejs:dynamic/tfgrid:Container", "rep-standby"],
      ["pulumi-nodejs:dynamic/tfgrid:Volume", "rep-standby-meta"],
      ["pulumi-nodejs:dynamic/tfgrid:ZdbNamespace", "rep-tlog"],
      ...[0, 1, 2, 3, 4, 5].map((k) => [
        "pulumi-nodejs:dynamic/tfgrid:ZdbNamespace",
        `rep-zdb-${k}`,
      ]),
    ]);
    for (const c of built.children) expect(options.get(c.name)?.parent).toBe(built.archive);
  });

  it("makes the TLOG a seq, SSD, private namespace with the shards' password on its node", () => {
    expect(built.byName("rep-tlog").inputs).toEqual({
      nodeId: "v1",
      sizeGiB: 10,
      mode: "seq",
      password: { secret: "0123456789abcdef0123456789abcdef" },
      diskType: "SSD",
      public: false,
      durationHours: 24,
    });
  });

  it("gives the primary TLOG and the standby MASTER (the same address), as sealed secrets, on the TLOG-capable build", () => {
    const shards = {
      secret: REFERENCE_NODES.map(
        (_, k) => `${100 + k}-1:0123456789abcdef0123456789abcdef@[2a02:1802:5e::${k + 1}]:9900`,
      ).join(","),
    };
    const env = {
      DATA: "4",
      PARITY: "2",
      ACCESS_KEY: "tfgrid-demo",
      MINIO_ZEROSTOR_META_DIR: "/data",
    };
    const common = {
      flist: MINIO_TLOG_FLIST,
      entrypoint: "",
      interactive: false,
      env,
      cpu: 2,
      memoryMiB: 2048,
      diskSizeMiB: 256,
      publicIp6: false,
      durationHours: 24,
    };
    expect(built.byName("rep-minio").inputs).toEqual({
      ...common,
      nodeId: "s1",
      secretEnv: {
        secret: { SHARDS: shards.secret, SECRET_KEY: "s3cr3t-key-123", TLOG },
      },
      network: { name: "rep-net", ip: "172.20.15.16" },
      volumes: [{ volumeId: "200-1", mountpoint: "/data" }],
    });
    expect(built.byName("rep-standby").inputs).toEqual({
      ...common,
      nodeId: "g1",
      secretEnv: {
        secret: { SHARDS: shards.secret, SECRET_KEY: "s3cr3t-key-123", MASTER: TLOG },
      },
      network: { name: "rep-net", ip: "172.20.16.16" },
      volumes: [{ volumeId: "200-1", mountpoint: "/data" }],
    });
    expect(built.byName("rep-standby-meta").inputs).toEqual({
      nodeId: "g1",
      sizeGiB: 10,
      diskType: "SSD",
      durationHours: 24,
    });
  });

  it("adds the standby's node to the network with its own /24", () => {
    expect(built.byName("rep-net").inputs).toMatchObject({
      nodes: ["s1", "g1"],
      nodeSubnets: { s1: "172.20.15.0/24", g1: "172.20.16.0/24" },
    });
  });

  it("reports where the metadata is and exposes the standby endpoint", async () => {
    const a = built.archive;
    expect(await value(a.standbyEndpoint)).toBe("http://172.20.16.16:9000");
    const report = await value(a.redundancy);
    expect(report.siteLossSurvivable).toBe(false); // 3 shards per city > parity 2
    expect(report.metadata).toEqual({
      minio: REFERENCE_NODES[0],
      tlog: REFERENCE_NODES[3],
      standby: GHENT,
    });
    expect(report.domains.city.losses["Salzburg, Austria"].index).toBe("standby");
    expect(await value(a.redundancyReport)).toContain(
      "Metadata: MinIO on s1 (Salzburg, Austria); TLOG on v1 (Vienna, Austria); standby on g1 (Ghent, Belgium)",
    );
    // the reference scenario has no standby
    expect(await value((await build("nostandby", reference())).archive.standbyEndpoint)).toBe(
      undefined,
    );
  });

  it("3+3 with a TLOG in Vienna passes requireSiteFailureTolerance; without it the archive refuses", async () => {
    const ok = await build(
      "tol",
      reference({
        dataShards: 3,
        parityShards: 3,
        requireSiteFailureTolerance: true,
        tlog: { nodeId: "v2" },
      }),
    );
    expect((await value(ok.archive.redundancy)).siteLossSurvivable).toBe(true);
    // Without the TLOG the gate every reservation waits for refuses it (checked directly: a
    // failing gate in a mocked program rejects outside any test).
    const shards = REFERENCE_NODES.map((n) => ({ ...n, sizeGiB: 10 }));
    const gate = (metadata?: { minio: (typeof shards)[0]; tlog?: (typeof shards)[0] }) =>
      checkArchivePlan("notol", shards, [], {
        dataShards: 3,
        parityShards: 3,
        allowSharedNodes: false,
        requireSiteFailureTolerance: true,
        shardProperty: "shardNodes",
        metadata,
      });
    expect(() => gate()).toThrow(
      'tlog = "(none)": requireSiteFailureTolerance is set, but losing Salzburg, Austria loses the archive\'s index',
    );
    expect(gate({ minio: shards[0], tlog: shards[4] }).report.siteLossSurvivable).toBe(true);
  });

  it("places the TLOG and the standby outside MinIO's city when asked to choose", async () => {
    const placed = await build("auto", reference({ tlog: {}, standby: {} }));
    expect(
      placed.children
        .filter((c) => c.type === "pulumi-nodejs:dynamic/tfgrid:ShardPlacement")
        .map((c) => [c.name, (c.inputs.request as { excludeCities?: string[] }).excludeCities]),
    ).toEqual([
      ["auto-tlog-placement", ["Salzburg"]],
      ["auto-standby-placement", ["Salzburg"]],
    ]);
    expect(placed.byName("auto-tlog").inputs.nodeId).toBe("auto-tlog-placement-vienna");
    expect(placed.byName("auto-standby").inputs.nodeId).toBe("auto-standby-placement-vienna");
    expect((await value(placed.archive.redundancy)).metadata.tlog?.city).toBe("Vienna");
  });

  it("adding or moving a TLOG renews the archive (new layout); a standby does not", async () => {
    const trigger = async (name: string) =>
      value(options.get(`${name}-meta`)?.replacementTrigger as pulumi.Output<string>);
    await build("day0", reference());
    await build("day1", reference({ tlog: { nodeId: "v1" } }));
    await build("day2", reference({ tlog: { nodeId: "v2" } }));
    await build("day3", reference({ tlog: { nodeId: "v1" }, standby: { nodeId: "g1" } }), {
      nodeLookup: lookup,
    } as pulumi.ComponentResourceOptions);
    expect(await trigger("day0")).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3");
    expect(await trigger("day1")).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3 tlog v1");
    expect(await trigger("day2")).toBe("4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3 tlog v2");
    expect(await trigger("day3")).toBe(await trigger("day1"));
    // the layout record (updated, and the archive warns, when it changes) follows it
    expect(registered.find((r) => r.name === "day1-layout")?.inputs).toMatchObject({
      tlogNode: "v1",
      __layout: "4+2 seq SSD 10GiB: s1,s2,s3,v1,v2,v3 tlog v1",
    });
    expect(registered.find((r) => r.name === "day0-layout")?.inputs.tlogNode).toBeUndefined();
  });

  it("reports bad replication settings with the fix, before any child exists", () => {
    expect(
      () =>
        new S3Archive(
          "badrep",
          reference({
            tlog: { nodeId: "v1", placement: {}, sizeGiB: 0 },
            standby: { ip: "172.20.15.40" },
            existingNetwork: { name: "other", nodeSubnet: "172.20.15.0/24" },
          }),
        ),
    ).toThrow(
      [
        'S3Archive "badrep": 4 problems in its settings:',
        '  - tlog.nodeId = "v1": both nodeId and placement are set. Fix: give either tlog.nodeId or tlog.placement, not both',
        "  - tlog.sizeGiB = 0: a 0-db namespace size is a whole number of GiB. Fix: set tlog.sizeGiB between 1 and 100000, or leave it unset (the metadata volume's size)",
        '  - standby = "(set)": the standby needs its node added to the overlay network, which the archive only does for a network it creates. Fix: let the archive create the network (drop existingNetwork), or run the standby yourself',
        "  - standby.ip = \"172.20.15.40\": the address is in MinIO's /24 (172.20.15.0/24), but every node has its own /24. Fix: pick .2–.254 of another /24 inside 172.20.0.0/16 than MinIO's (e.g. 172.20.16.16)",
      ].join("\n"),
    );
  });
});

describe("S3Archive builds its children without the SDK's per-promise stacks (promise-stacks.ts)", () => {
  // The SDK keeps every promise it makes while registering in this set until it settles, stamped
  // with `new Error().stack` for its leak report (runtime/debuggable.js).
  type Stamped = { _debugStackTrace?: string };
  const pending = (): Set<Stamped> =>
    require("@pulumi/pulumi/runtime/state").getStore().leakCandidates;
  const hasFrames = (p: Stamped) => /\n\s+at /.test(p._debugStackTrace ?? "");
  const madeBy = (build: () => S3Archive): { archive: S3Archive; made: Stamped[] } => {
    const before = new Set(pending());
    const archive = build();
    return { archive, made: [...pending()].filter((p) => !before.has(p)) };
  };

  it("stamps them without frames and restores the limit; PULUMI_DEBUG_PROMISE_LEAKS keeps the frames", async () => {
    const limit = Error.stackTraceLimit;
    const quiet = madeBy(() => new S3Archive("stacks", reference()));
    expect(quiet.made.length).toBeGreaterThan(20);
    // Only the component's own registration, before its build, keeps frames.
    const ownRegistration = (p: Stamped) => /new ComponentResource/.test(p._debugStackTrace ?? "");
    const framed = quiet.made.filter(hasFrames);
    expect(framed.filter((p) => !ownRegistration(p))).toEqual([]);
    expect(quiet.made.length - framed.length).toBeGreaterThan(20);
    expect(Error.stackTraceLimit).toBe(limit);
    await value(quiet.archive.endpoint);

    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    try {
      const debug = madeBy(() => new S3Archive("stacks-debug", reference()));
      expect(debug.made.length).toBeGreaterThan(20);
      expect(debug.made.every(hasFrames)).toBe(true);
      await value(debug.archive.endpoint);
    } finally {
      delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    }
  });

  it("restores the limit when the build throws", () => {
    const limit = Error.stackTraceLimit;
    // The first child fails to construct (a transformation refusing it), before anything of the
    // build could still log once this test is over.
    const refusePlacement: pulumi.ResourceTransformation = (t) => {
      if (t.type.endsWith(":ShardPlacement")) throw new Error("no placement here");
      return undefined;
    };
    const placed = reference({ shardNodes: undefined, placement: { count: 6 } });
    expect(
      () => new S3Archive("stacks-throw", placed, { transformations: [refusePlacement] }),
    ).toThrow("no placement here");
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
