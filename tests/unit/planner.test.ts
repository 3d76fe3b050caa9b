import {
  RedundancyError,
  ShardLocation,
  type MetadataLayout,
  type NodePlace,
  describeProblem,
  formatRedundancyReport,
  planRedundancy,
} from "../../provider/archive/planner";

/** `count` shards per site, one node each: sites are [farmId, city, country, count]. */
function layout(sites: [number, string, string, number][], sizeGiB = 10): ShardLocation[] {
  const shards: ShardLocation[] = [];
  for (const [farmId, city, country, count] of sites) {
    for (let i = 0; i < count; i++) {
      shards.push({ nodeId: `${city.toLowerCase()}-${i}`, farmId, city, country, sizeGiB });
    }
  }
  return shards;
}

/** Node `i` of a site as {@link layout} names it, without a size: a metadata location. */
function node(site: [number, string, string], i: number): NodePlace {
  const [farmId, city, country] = site;
  return { nodeId: `${city.toLowerCase()}-${i}`, farmId, city, country };
}

const SALZBURG: [number, string, string] = [12775, "Salzburg", "Austria"];
const VIENNA: [number, string, string] = [82872, "Vienna", "Austria"];
const GRAZ: [number, string, string] = [90210, "Graz", "Austria"];

const NO_SPARE_4_2 =
  "No spare shard: all 6 shards are needed for every write, so a single unreachable or full shard blocks writes (reads survive 2 lost shards). List more shards than dataShards + parityShards to keep writing through an outage.";
const INDEX_ON_SALZBURG_0 =
  "Losing node salzburg-0, or all of Salzburg, Austria, loses the archive's index: it holds MinIO and its metadata volume, the only copy of the index (no TLOG). The shards would survive, but no object could be found again, whatever the parity. Add a TLOG namespace on another site (S3Archive tlog) so a redeployed MinIO can rebuild the index, and a standby to keep reads going.";
const NO_INDEX_COPY =
  "none for the index: MinIO's metadata volume was its only copy (no TLOG), so no object can be found again";
const REDEPLOY =
  "redeploy MinIO on a node outside it (S3Archive: change minioNode) with the same SHARDS and TLOG: it rebuilds the index from the TLOG";
const TLOG_GONE =
  "MinIO keeps the index and serves reads; writes resume when the TLOG's node returns (a new, empty TLOG would not hold the earlier metadata)";
const WRITES_RESUME = "writes resume when its shards return";

describe("planRedundancy figures", () => {
  const cases: {
    name: string;
    shards: ShardLocation[];
    d: number;
    p: number;
    rawGiB: number;
    usableGiB: number;
    paritySharePercent: number;
    expansionFactor: number;
    write: number;
    nodeOk: boolean;
    farmOk: boolean;
    cityOk: boolean;
    cityWritesOk: boolean;
    cityCounts: Record<string, number>;
    worstCity: { domain: string; count: number };
  }[] = [
    {
      name: "reference: 4+2 on 3 Salzburg + 3 Vienna",
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 3],
      ]),
      d: 4,
      p: 2,
      rawGiB: 60,
      usableGiB: 40,
      paritySharePercent: 33.3,
      expansionFactor: 1.5,
      write: 0,
      nodeOk: true,
      farmOk: false,
      cityOk: false,
      cityWritesOk: false,
      cityCounts: { "Salzburg, Austria": 3, "Vienna, Austria": 3 },
      worstCity: { domain: "Salzburg, Austria", count: 3 },
    },
    {
      name: "4+2 on 2+2+2 over three cities",
      shards: layout([
        [...SALZBURG, 2],
        [...VIENNA, 2],
        [...GRAZ, 2],
      ]),
      d: 4,
      p: 2,
      rawGiB: 60,
      usableGiB: 40,
      paritySharePercent: 33.3,
      expansionFactor: 1.5,
      write: 0,
      nodeOk: true,
      farmOk: true,
      cityOk: true,
      cityWritesOk: false,
      cityCounts: { "Salzburg, Austria": 2, "Vienna, Austria": 2, "Graz, Austria": 2 },
      worstCity: { domain: "Salzburg, Austria", count: 2 },
    },
    {
      name: "3+3 on 3 Salzburg + 3 Vienna",
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 3],
      ]),
      d: 3,
      p: 3,
      rawGiB: 60,
      usableGiB: 30,
      paritySharePercent: 50,
      expansionFactor: 2,
      write: 0,
      nodeOk: true,
      farmOk: true,
      cityOk: true,
      cityWritesOk: false,
      cityCounts: { "Salzburg, Austria": 3, "Vienna, Austria": 3 },
      worstCity: { domain: "Salzburg, Austria", count: 3 },
    },
    {
      name: "16+4 over 20 nodes as 7/7/6 in three cities",
      shards: layout([
        [...SALZBURG, 7],
        [...VIENNA, 7],
        [...GRAZ, 6],
      ]),
      d: 16,
      p: 4,
      rawGiB: 200,
      usableGiB: 160,
      paritySharePercent: 20,
      expansionFactor: 1.25,
      write: 0,
      nodeOk: true,
      farmOk: false,
      cityOk: false,
      cityWritesOk: false,
      cityCounts: { "Salzburg, Austria": 7, "Vienna, Austria": 7, "Graz, Austria": 6 },
      worstCity: { domain: "Salzburg, Austria", count: 7 },
    },
    {
      name: "16+4 with 4 spares: 24 shards as 4 per city over six cities",
      shards: layout([
        [1, "A", "X", 4],
        [2, "B", "X", 4],
        [3, "C", "X", 4],
        [4, "D", "Y", 4],
        [5, "E", "Y", 4],
        [6, "F", "Y", 4],
      ]),
      d: 16,
      p: 4,
      rawGiB: 240,
      usableGiB: 192,
      paritySharePercent: 20,
      expansionFactor: 1.25,
      write: 4,
      nodeOk: true,
      farmOk: true,
      cityOk: true,
      // the shards alone would keep writing, but losing city A stops MinIO
      cityWritesOk: false,
      cityCounts: { "A, X": 4, "B, X": 4, "C, X": 4, "D, Y": 4, "E, Y": 4, "F, Y": 4 },
      worstCity: { domain: "A, X", count: 4 },
    },
    {
      name: "4+2 with one spare: usable N·S·D/(D+P) rounded to 0.01",
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 2],
        [...GRAZ, 2],
      ]),
      d: 4,
      p: 2,
      rawGiB: 70,
      usableGiB: 46.67,
      paritySharePercent: 33.3,
      expansionFactor: 1.5,
      write: 1,
      nodeOk: true,
      farmOk: false,
      cityOk: false,
      cityWritesOk: false,
      cityCounts: { "Salzburg, Austria": 3, "Vienna, Austria": 2, "Graz, Austria": 2 },
      worstCity: { domain: "Salzburg, Austria", count: 3 },
    },
    {
      name: "replication 1+0 on one node",
      shards: layout([[...SALZBURG, 1]]),
      d: 1,
      p: 0,
      rawGiB: 10,
      usableGiB: 10,
      paritySharePercent: 0,
      expansionFactor: 1,
      write: 0,
      nodeOk: false,
      farmOk: false,
      cityOk: false,
      cityWritesOk: false,
      cityCounts: { "Salzburg, Austria": 1 },
      worstCity: { domain: "Salzburg, Austria", count: 1 },
    },
  ];

  it.each(cases)("$name", (c) => {
    const r = planRedundancy({ shards: c.shards, dataShards: c.d, parityShards: c.p });
    expect({
      shardCount: r.shardCount,
      spareShards: r.spareShards,
      rawGiB: r.rawGiB,
      usableGiB: r.usableGiB,
      paritySharePercent: r.paritySharePercent,
      expansionFactor: r.expansionFactor,
      readLossTolerance: r.readLossTolerance,
      writeLossTolerance: r.writeLossTolerance,
      nodeOk: r.domains.node.shardsSurviveLossOfAny,
      farmOk: r.domains.farm.shardsSurviveLossOfAny,
      cityOk: r.domains.city.shardsSurviveLossOfAny,
      cityWritesOk: r.domains.city.writesSurviveLossOfAny,
      siteLossSurvivable: r.siteLossSurvivable,
      cityCounts: r.domains.city.counts,
      worstCity: r.domains.city.worst,
    }).toEqual({
      shardCount: c.shards.length,
      spareShards: c.write,
      rawGiB: c.rawGiB,
      usableGiB: c.usableGiB,
      paritySharePercent: c.paritySharePercent,
      expansionFactor: c.expansionFactor,
      readLossTolerance: c.p,
      writeLossTolerance: c.write,
      nodeOk: c.nodeOk,
      farmOk: c.farmOk,
      cityOk: c.cityOk,
      cityWritesOk: c.cityWritesOk,
      // Without a TLOG, losing the MinIO's city loses the index: never survivable.
      siteLossSurvivable: false,
      cityCounts: c.cityCounts,
      worstCity: c.worstCity,
    });
  });

  it("reports every level of the reference layout exactly: losing Salzburg loses the index", () => {
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 3],
      ]),
      dataShards: 4,
      parityShards: 2,
    });
    const shardOnly = (shards: number, readable: boolean) => ({
      shards,
      metadata: [],
      index: "minio",
      readable,
      writable: false,
      recovery: readable
        ? WRITES_RESUME
        : `objects stay unreadable until it returns (${shards} > parity 2); if its disks are gone they are lost`,
    });
    const withMinio = (shards: number, readable: boolean) => ({
      shards,
      metadata: ["MinIO"],
      index: "lost",
      readable: false,
      writable: false,
      recovery: readable
        ? `${NO_INDEX_COPY}; ${WRITES_RESUME}`
        : `objects stay unreadable until it returns (${shards} > parity 2); if its disks are gone they are lost; ${NO_INDEX_COPY}`,
    });
    expect(r.metadata).toEqual({ minio: node(SALZBURG, 0) });
    expect(r.domains).toEqual({
      node: {
        counts: {
          "salzburg-0": 1,
          "salzburg-1": 1,
          "salzburg-2": 1,
          "vienna-0": 1,
          "vienna-1": 1,
          "vienna-2": 1,
        },
        losses: {
          "salzburg-0": withMinio(1, true),
          "salzburg-1": shardOnly(1, true),
          "salzburg-2": shardOnly(1, true),
          "vienna-0": shardOnly(1, true),
          "vienna-1": shardOnly(1, true),
          "vienna-2": shardOnly(1, true),
        },
        shardsSurviveLossOfAny: true,
        survivesLossOfAny: false,
        writesSurviveLossOfAny: false,
        worst: { domain: "salzburg-0", count: 1 },
      },
      farm: {
        counts: { "12775": 3, "82872": 3 },
        losses: { "12775": withMinio(3, false), "82872": shardOnly(3, false) },
        shardsSurviveLossOfAny: false,
        survivesLossOfAny: false,
        writesSurviveLossOfAny: false,
        worst: { domain: "12775", count: 3 },
      },
      city: {
        counts: { "Salzburg, Austria": 3, "Vienna, Austria": 3 },
        losses: {
          "Salzburg, Austria": withMinio(3, false),
          "Vienna, Austria": shardOnly(3, false),
        },
        shardsSurviveLossOfAny: false,
        survivesLossOfAny: false,
        writesSurviveLossOfAny: false,
        worst: { domain: "Salzburg, Austria", count: 3 },
      },
      country: {
        counts: { Austria: 6 },
        losses: { Austria: withMinio(6, false) },
        shardsSurviveLossOfAny: false,
        survivesLossOfAny: false,
        writesSurviveLossOfAny: false,
        worst: { domain: "Austria", count: 6 },
      },
    });
    expect(r.siteLossSurvivable).toBe(false);
    expect(r.warnings).toEqual([
      NO_SPARE_4_2,
      "A site loss is not survivable: losing Salzburg, Austria (3 shards) leaves objects unreadable, because a city may hold at most 2 (parityShards). To survive it: use 3+3 with this layout, or spread the 6 shards over at least 3 cities with at most 2 each.",
      INDEX_ON_SALZBURG_0,
    ]);
  });

  it("uses min(n_g, D+P) ≤ P: a domain holding more than D+P shards is judged by D+P", () => {
    // 1+1 with 3 shards in one city and 1 elsewhere: losing the city removes at most 2 parts.
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 1],
      ]),
      dataShards: 1,
      parityShards: 1,
    });
    expect(r.domains.city.shardsSurviveLossOfAny).toBe(false);
    const r2 = planRedundancy({
      shards: layout([
        [...SALZBURG, 1],
        [...VIENNA, 1],
      ]),
      dataShards: 1,
      parityShards: 1,
    });
    expect(r2.domains.city.shardsSurviveLossOfAny).toBe(true);
    expect(r2.usableGiB).toBe(10);
    expect(r2.paritySharePercent).toBe(50);
  });
});

describe("planRedundancy warnings", () => {
  it("warns about shared nodes when they are allowed", () => {
    const shards = layout([[...SALZBURG, 2]]);
    shards.push({ ...shards[0] });
    shards.push({
      nodeId: "vienna-0",
      farmId: 82872,
      city: "Vienna",
      country: "Austria",
      sizeGiB: 10,
    });
    shards.push({
      nodeId: "vienna-1",
      farmId: 82872,
      city: "Vienna",
      country: "Austria",
      sizeGiB: 10,
    });
    shards.push({
      nodeId: "vienna-2",
      farmId: 82872,
      city: "Vienna",
      country: "Austria",
      sizeGiB: 10,
    });
    const r = planRedundancy({ shards, dataShards: 4, parityShards: 2, allowSharedNodes: true });
    expect(r.domains.node.counts["salzburg-0"]).toBe(2);
    expect(r.warnings).toContain(
      "Node salzburg-0 holds 2 shards: losing that one node loses 2 shards at once.",
    );
  });

  it("warns about unequal sizes and unknown locations, and not about the index when a TLOG is elsewhere", () => {
    const shards: ShardLocation[] = [
      { nodeId: "a", farmId: 1, city: "A", country: "X", sizeGiB: 10 },
      { nodeId: "b", farmId: 2, city: "B", country: "X", sizeGiB: 20 },
      { nodeId: "c", sizeGiB: 10 },
    ];
    const r = planRedundancy({
      shards,
      dataShards: 2,
      parityShards: 1,
      metadata: {
        minio: { nodeId: "a", farmId: 1, city: "A", country: "X" },
        tlog: { nodeId: "b" },
      },
    });
    expect(r.usableGiB).toBe(20);
    expect(r.rawGiB).toBe(40);
    expect(r.domains.city.counts).toEqual({ "A, X": 1, "B, X": 1, unknown: 1 });
    expect(r.warnings).toEqual([
      "No spare shard: all 3 shards are needed for every write, so a single unreachable or full shard blocks writes (reads survive 1 lost shard). List more shards than dataShards + parityShards to keep writing through an outage.",
      "Shard sizes differ (10–20 GiB): usable capacity counts every shard at the smallest size, 10 GiB.",
      'The farm of shard 2 is unknown: the report counts it as one farm named "unknown".',
      'The city of shard 2 is unknown: the report counts it as one city named "unknown".',
      'The country of shard 2 is unknown: the report counts it as one country named "unknown".',
    ]);
  });

  it("has only the index warning for a spare-rich layout whose shards survive a site loss", () => {
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 2],
        [...VIENNA, 2],
        [...GRAZ, 2],
      ]).concat([{ nodeId: "linz-0", farmId: 4, city: "Linz", country: "Austria", sizeGiB: 10 }]),
      dataShards: 3,
      parityShards: 2,
    });
    expect(r.spareShards).toBe(2);
    expect(r.domains.city.shardsSurviveLossOfAny).toBe(true);
    expect(r.domains.city.losses["Vienna, Austria"].writable).toBe(true);
    expect(r.domains.city.writesSurviveLossOfAny).toBe(false);
    expect(r.siteLossSurvivable).toBe(false);
    expect(r.warnings).toEqual([INDEX_ON_SALZBURG_0]);
  });
});

describe("planRedundancy hard errors", () => {
  const six = layout([
    [...SALZBURG, 3],
    [...VIENNA, 3],
  ]);
  const cases: {
    name: string;
    input: Parameters<typeof planRedundancy>[0];
    problems: { property: string; value: unknown; reason: string; fix: string }[];
  }[] = [
    {
      name: "data < 1",
      input: { shards: six, dataShards: 0, parityShards: 2 },
      problems: [
        {
          property: "dataShards",
          value: 0,
          reason: "MinIO needs at least one data part per block",
          fix: "set dataShards to a whole number of at least 1 (4 is the default)",
        },
      ],
    },
    {
      name: "parity < 0 and a fractional data count, both reported",
      input: { shards: six, dataShards: 2.5, parityShards: -1 },
      problems: [
        {
          property: "dataShards",
          value: 2.5,
          reason: "MinIO needs at least one data part per block",
          fix: "set dataShards to a whole number of at least 1 (4 is the default)",
        },
        {
          property: "parityShards",
          value: -1,
          reason: "parity must be a whole number of at least 0",
          fix: "set parityShards to 0 or more (2 is the default)",
        },
      ],
    },
    {
      name: "shards < data + parity",
      input: { shards: six, dataShards: 5, parityShards: 2 },
      problems: [
        {
          property: "shards",
          value: 6,
          reason: "5+2 needs at least 7 shards, MinIO refuses to start with 6",
          fix: "add 1 more shard, or lower dataShards/parityShards so that dataShards + parityShards ≤ 6",
        },
      ],
    },
    {
      name: "the same node twice, plus a zero size",
      input: {
        shards: [
          { nodeId: "n1", farmId: 1, city: "A", sizeGiB: 10 },
          { nodeId: "n1", farmId: 1, city: "A", sizeGiB: 0 },
          { nodeId: "n2", farmId: 2, city: "B", sizeGiB: 10 },
        ],
        dataShards: 2,
        parityShards: 1,
      },
      problems: [
        {
          property: "shards[1].sizeGiB",
          value: 0,
          reason: "a 0-db namespace needs a positive size",
          fix: "give every shard a size of at least 1 GiB",
        },
        {
          property: "shards",
          value: "n1",
          reason: "node n1 holds 2 shards, so one node failure loses 2 shards at once",
          fix: "put every shard on a different node, or set allowSharedNodes to accept the shared failure domain",
        },
      ],
    },
    {
      name: "requireSiteFailureTolerance on the reference layout: the shards and the index",
      input: { shards: six, dataShards: 4, parityShards: 2, requireSiteFailureTolerance: true },
      problems: [
        {
          property: "parityShards",
          value: 2,
          reason:
            "requireSiteFailureTolerance is set, but losing Salzburg, Austria (3 shards) loses data: a city may hold at most parityShards = 2 shards",
          fix: "use 3+3 with this layout, or spread the 6 shards over at least 3 cities with at most 2 each",
        },
        {
          property: "metadata.tlog",
          value: "(none)",
          reason:
            "requireSiteFailureTolerance is set, but losing Salzburg, Austria loses the archive's index: it holds MinIO and its metadata volume, the only copy of the index (no TLOG)",
          fix: "add a TLOG namespace on a node outside Salzburg, Austria, so a redeployed MinIO can rebuild the index; a standby in a third city also keeps reads going",
        },
      ],
    },
    {
      name: "requireSiteFailureTolerance with the TLOG in MinIO's city",
      input: {
        shards: six,
        dataShards: 3,
        parityShards: 3,
        requireSiteFailureTolerance: true,
        metadata: { minio: node(SALZBURG, 0), tlog: node(SALZBURG, 1) },
      },
      problems: [
        {
          property: "metadata.tlog",
          value: "salzburg-1",
          reason:
            "requireSiteFailureTolerance is set, but losing Salzburg, Austria loses the archive's index: it holds MinIO and its metadata volume and the TLOG, every copy of the index",
          fix: "add a TLOG namespace on a node outside Salzburg, Austria (move the TLOG), so a redeployed MinIO can rebuild the index; a standby in a third city also keeps reads going",
        },
      ],
    },
    {
      name: "a standby without a TLOG, on the MinIO node",
      input: {
        shards: six,
        dataShards: 4,
        parityShards: 2,
        metadata: { minio: node(SALZBURG, 0), standby: node(SALZBURG, 0) },
      },
      problems: [
        {
          property: "metadata.standby",
          value: "salzburg-0",
          reason: "a standby MinIO replays the TLOG (MASTER = the TLOG), so it needs one",
          fix: "add a TLOG namespace (tlog) on another site, or drop the standby",
        },
        {
          property: "metadata.standby",
          value: "salzburg-0",
          reason: "the standby is on the MinIO node, so it is lost together with MinIO",
          fix: "put the standby on a node in another city than the MinIO node",
        },
      ],
    },
    {
      name: "requireSiteFailureTolerance with parity 0",
      input: {
        shards: six,
        dataShards: 6,
        parityShards: 0,
        requireSiteFailureTolerance: true,
        metadata: { minio: node(SALZBURG, 0), tlog: node(VIENNA, 0) },
      },
      problems: [
        {
          property: "parityShards",
          value: 0,
          reason:
            "requireSiteFailureTolerance is set, but losing Salzburg, Austria (3 shards) loses data: a city may hold at most parityShards = 0 shards",
          fix: "use 3+3 with this layout, or set parityShards to at least 1 and spread the shards so no city holds more",
        },
      ],
    },
    {
      name: "requireSiteFailureTolerance on 16+4 as 7/7/6",
      input: {
        shards: layout([
          [...SALZBURG, 7],
          [...VIENNA, 7],
          [...GRAZ, 6],
        ]),
        dataShards: 16,
        parityShards: 4,
        requireSiteFailureTolerance: true,
        metadata: { minio: node(SALZBURG, 0), tlog: node(GRAZ, 0) },
      },
      problems: [
        {
          property: "parityShards",
          value: 4,
          reason:
            "requireSiteFailureTolerance is set, but losing Salzburg, Austria (7 shards) loses data: a city may hold at most parityShards = 4 shards",
          fix: "use 13+7 with this layout, or spread the 20 shards over at least 5 cities with at most 4 each",
        },
      ],
    },
  ];

  it.each(cases)("$name", ({ input, problems }) => {
    let caught: unknown;
    try {
      planRedundancy(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RedundancyError);
    const err = caught as RedundancyError;
    expect(err.problems).toEqual(problems);
    expect(err.code).toBe("planner.invalid_layout");
    expect(err.message).toBe(
      `The shard layout is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${describeProblem(p)}`).join("\n"),
    );
  });

  it("formats one problem as property = value: reason. Fix: fix", () => {
    expect(
      describeProblem({ property: "dataShards", value: 0, reason: "too small", fix: "raise it" }),
    ).toBe("dataShards = 0: too small. Fix: raise it");
  });
});

describe("site loss with the metadata counted (docs/protocol.md#tlog-and-master, docs/protocol.md#failure-domains)", () => {
  const GHENT: [number, string, string] = [71, "Ghent", "Belgium"];
  // examples/archive-three-sites: 8+4 over 12 nodes, four per city.
  const threeSites = layout([
    [...SALZBURG, 4],
    [...VIENNA, 4],
    [...GHENT, 4],
  ]);
  const reference = layout([
    [...SALZBURG, 3],
    [...VIENNA, 3],
  ]);
  const cases: {
    name: string;
    shards: ShardLocation[];
    d: number;
    p: number;
    metadata?: MetadataLayout;
    survivable: boolean;
    /** What losing each city does: [index source, readable, writable]. */
    cities: Record<string, [string, boolean, boolean]>;
  }[] = [
    {
      name: "three sites, 8+4, no TLOG: NO (losing Salzburg loses the index)",
      shards: threeSites,
      d: 8,
      p: 4,
      survivable: false,
      cities: {
        "Salzburg, Austria": ["lost", false, false],
        "Vienna, Austria": ["minio", true, false],
        "Ghent, Belgium": ["minio", true, false],
      },
    },
    {
      name: "three sites, 8+4, TLOG in Vienna: yes",
      shards: threeSites,
      d: 8,
      p: 4,
      metadata: { minio: node(SALZBURG, 0), tlog: node(VIENNA, 0) },
      survivable: true,
      cities: {
        "Salzburg, Austria": ["tlog", true, false],
        "Vienna, Austria": ["minio", true, false],
        "Ghent, Belgium": ["minio", true, false],
      },
    },
    {
      name: "three sites, 8+4, TLOG in Vienna, standby in Ghent: yes, reads go on",
      shards: threeSites,
      d: 8,
      p: 4,
      metadata: { minio: node(SALZBURG, 0), tlog: node(VIENNA, 0), standby: node(GHENT, 0) },
      survivable: true,
      cities: {
        "Salzburg, Austria": ["standby", true, false],
        "Vienna, Austria": ["minio", true, false],
        "Ghent, Belgium": ["minio", true, false],
      },
    },
    {
      name: "three sites, 8+4, TLOG in MinIO's city: NO",
      shards: threeSites,
      d: 8,
      p: 4,
      metadata: { minio: node(SALZBURG, 0), tlog: node(SALZBURG, 1) },
      survivable: false,
      cities: {
        "Salzburg, Austria": ["lost", false, false],
        "Vienna, Austria": ["minio", true, false],
        "Ghent, Belgium": ["minio", true, false],
      },
    },
    {
      name: "three sites, MinIO and TLOG on nodes without shards in a fourth city: yes",
      shards: threeSites,
      d: 8,
      p: 4,
      metadata: {
        minio: { nodeId: "graz-0", farmId: 90210, city: "Graz", country: "Austria" },
        tlog: node(GHENT, 1),
      },
      survivable: true,
      cities: {
        "Salzburg, Austria": ["minio", true, false],
        "Vienna, Austria": ["minio", true, false],
        "Ghent, Belgium": ["minio", true, false],
        "Graz, Austria": ["tlog", true, false],
      },
    },
    {
      name: "reference 4+2 with a TLOG in Vienna: still NO (3 shards > parity 2)",
      shards: reference,
      d: 4,
      p: 2,
      metadata: { minio: node(SALZBURG, 0), tlog: node(VIENNA, 0) },
      survivable: false,
      cities: {
        "Salzburg, Austria": ["tlog", false, false],
        "Vienna, Austria": ["minio", false, false],
      },
    },
    {
      name: "reference nodes as 3+3 with a TLOG in Vienna: yes",
      shards: reference,
      d: 3,
      p: 3,
      metadata: { minio: node(SALZBURG, 0), tlog: node(VIENNA, 0) },
      survivable: true,
      cities: {
        "Salzburg, Austria": ["tlog", true, false],
        "Vienna, Austria": ["minio", true, false],
      },
    },
  ];

  it.each(cases)("$name", (c) => {
    const input = { shards: c.shards, dataShards: c.d, parityShards: c.p, metadata: c.metadata };
    const r = planRedundancy(input);
    expect(r.siteLossSurvivable).toBe(c.survivable);
    expect(r.domains.city.survivesLossOfAny).toBe(c.survivable);
    expect(
      Object.fromEntries(
        Object.entries(r.domains.city.losses).map(([city, l]) => [
          city,
          [l.index, l.readable, l.writable],
        ]),
      ),
    ).toEqual(c.cities);
    expect(formatRedundancyReport(r)).toContain(
      `Site (city) loss survivable: ${c.survivable ? "yes" : "NO"}\n`,
    );
    // requireSiteFailureTolerance refuses exactly the layouts that are not survivable
    let refused: unknown;
    try {
      planRedundancy({ ...input, requireSiteFailureTolerance: true });
    } catch (e) {
      refused = e;
    }
    expect(refused instanceof RedundancyError).toBe(!c.survivable);
  });

  it("says how to recover from losing MinIO's city with a TLOG and a standby", () => {
    const r = planRedundancy({
      shards: threeSites,
      dataShards: 8,
      parityShards: 4,
      metadata: { minio: node(SALZBURG, 0), tlog: node(VIENNA, 0), standby: node(GHENT, 0) },
    });
    expect(r.domains.city.losses["Salzburg, Austria"].recovery).toBe(
      `the standby keeps serving reads; ${REDEPLOY}; ${WRITES_RESUME}`,
    );
    expect(r.domains.node.losses["vienna-0"]).toEqual({
      shards: 1,
      metadata: ["TLOG"],
      index: "minio",
      readable: true,
      writable: false,
      recovery: `${TLOG_GONE}; ${WRITES_RESUME}`,
    });
    expect(r.domains.node.losses["ghent-0"].recovery).toBe(
      `redeploy the standby: it replays the TLOG; ${WRITES_RESUME}`,
    );
    expect(r.warnings).toEqual([
      "No spare shard: all 12 shards are needed for every write, so a single unreachable or full shard blocks writes (reads survive 4 lost shards). List more shards than dataShards + parityShards to keep writing through an outage.",
    ]);
  });

  it("counts a TLOG on a node without shards as a domain of its own", () => {
    const r = planRedundancy({
      shards: threeSites,
      dataShards: 8,
      parityShards: 4,
      metadata: { minio: node(SALZBURG, 0), tlog: { nodeId: "linz-0", city: "Linz" } },
    });
    expect(r.domains.node.counts["linz-0"]).toBeUndefined();
    expect(r.domains.node.losses["linz-0"]).toMatchObject({ shards: 0, metadata: ["TLOG"] });
    expect(Object.keys(r.domains.city.losses).at(-1)).toBe("Linz");
  });
});

describe("formatRedundancyReport", () => {
  it("renders a table of domains, their metadata and what each loss does", () => {
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 1],
        [...VIENNA, 1],
        [...GRAZ, 1],
      ]),
      dataShards: 1,
      parityShards: 1,
      metadata: { minio: node(SALZBURG, 0), tlog: node(VIENNA, 0), standby: node(GRAZ, 0) },
    });
    expect(formatRedundancyReport(r)).toBe(
      [
        "Erasure coding 1+1 on 3 shards (1 spare)",
        "Capacity: raw 30 GiB, usable 15 GiB; parity 50 % of raw, expansion 2x",
        "Shard losses tolerated: 1 for reads, 1 for writes",
        "Site (city) loss survivable: yes",
        "Metadata: MinIO on salzburg-0 (Salzburg, Austria); TLOG on vienna-0 (Vienna, Austria); standby on graz-0 (Graz, Austria)",
        "",
        "  level    domain             shards  metadata            if lost",
        "  node     salzburg-0              1  MinIO               reads OK on the standby, writes blocked",
        "  node     vienna-0                1  TLOG                reads OK, writes blocked",
        "  node     graz-0                  1  standby             reads and writes OK",
        "  farm     12775                   1  MinIO               reads OK on the standby, writes blocked",
        "  farm     82872                   1  TLOG                reads OK, writes blocked",
        "  farm     90210                   1  standby             reads and writes OK",
        "  city     Salzburg, Austria       1  MinIO               reads OK on the standby, writes blocked",
        "  city     Vienna, Austria         1  TLOG                reads OK, writes blocked",
        "  city     Graz, Austria           1  standby             reads and writes OK",
        "  country  Austria                 3  MinIO+TLOG+standby  DATA UNREADABLE (3 > parity 1), INDEX LOST",
        "",
        "Losing a domain with metadata:",
        `  - node salzburg-0, farm 12775, city Salzburg, Austria: the standby keeps serving reads; ${REDEPLOY}`,
        `  - node vienna-0, farm 82872, city Vienna, Austria: ${TLOG_GONE}`,
        "  - node graz-0, farm 90210, city Graz, Austria: redeploy the standby: it replays the TLOG",
        "  - country Austria: objects stay unreadable until it returns (3 > parity 1); if its disks are gone they are lost; none for the index: MinIO and every copy of it (TLOG and standby) are lost with it, so no object can be found again",
      ].join("\n"),
    );
  });

  it("lists blocked writes, the index loss and the warnings of the reference nodes as 3+3", () => {
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 3],
      ]),
      dataShards: 3,
      parityShards: 3,
    });
    const text = formatRedundancyReport(r);
    expect(text).toContain(
      "  city     Vienna, Austria         3  -         reads OK, writes blocked\n",
    );
    expect(text).toContain("  city     Salzburg, Austria       3  MinIO     INDEX LOST\n");
    expect(text).toContain(
      `  - node salzburg-0, farm 12775, city Salzburg, Austria: ${NO_INDEX_COPY}; ${WRITES_RESUME}\n`,
    );
    expect(text.split("\n").slice(-3)).toEqual([
      "Warnings:",
      "  - No spare shard: all 6 shards are needed for every write, so a single unreachable or full shard blocks writes (reads survive 3 lost shards). List more shards than dataShards + parityShards to keep writing through an outage.",
      `  - ${INDEX_ON_SALZBURG_0}`,
    ]);
  });
});
