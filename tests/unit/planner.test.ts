import {
  RedundancyError,
  ShardLocation,
  describeProblem,
  formatRedundancyReport,
  planRedundancy,
} from "../../provider/planner";

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

const SALZBURG: [number, string, string] = [12775, "Salzburg", "Austria"];
const VIENNA: [number, string, string] = [82872, "Vienna", "Austria"];
const GRAZ: [number, string, string] = [90210, "Graz", "Austria"];

const NO_SPARE_4_2 =
  "No spare shard: all 6 shards are needed for every write, so a single unreachable or full shard blocks writes (reads survive 2 lost shards). List more shards than dataShards + parityShards to keep writing through an outage.";
const METADATA_SPOF =
  "The metadata volume on the MinIO node is a single point of failure: if it is lost, no object can be found again, whatever the parity. Keep a backup of it.";

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
      cityWritesOk: true,
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
      nodeOk: r.domains.node.survivesLossOfAny,
      farmOk: r.domains.farm.survivesLossOfAny,
      cityOk: r.domains.city.survivesLossOfAny,
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
      siteLossSurvivable: c.cityOk,
      cityCounts: c.cityCounts,
      worstCity: c.worstCity,
    });
  });

  it("reports every level of the reference layout exactly", () => {
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 3],
      ]),
      dataShards: 4,
      parityShards: 2,
    });
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
        survivesLossOfAny: true,
        writesSurviveLossOfAny: false,
        worst: { domain: "salzburg-0", count: 1 },
      },
      farm: {
        counts: { "12775": 3, "82872": 3 },
        survivesLossOfAny: false,
        writesSurviveLossOfAny: false,
        worst: { domain: "12775", count: 3 },
      },
      city: {
        counts: { "Salzburg, Austria": 3, "Vienna, Austria": 3 },
        survivesLossOfAny: false,
        writesSurviveLossOfAny: false,
        worst: { domain: "Salzburg, Austria", count: 3 },
      },
      country: {
        counts: { Austria: 6 },
        survivesLossOfAny: false,
        writesSurviveLossOfAny: false,
        worst: { domain: "Austria", count: 6 },
      },
    });
    expect(r.warnings).toEqual([
      NO_SPARE_4_2,
      "A site loss is not survivable: losing Salzburg, Austria (3 shards) leaves objects unreadable, because a city may hold at most 2 (parityShards). To survive it: use 3+3 with this layout, or spread the 6 shards over at least 3 cities with at most 2 each.",
      METADATA_SPOF,
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
    expect(r.domains.city.survivesLossOfAny).toBe(false);
    const r2 = planRedundancy({
      shards: layout([
        [...SALZBURG, 1],
        [...VIENNA, 1],
      ]),
      dataShards: 1,
      parityShards: 1,
    });
    expect(r2.domains.city.survivesLossOfAny).toBe(true);
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

  it("warns about unequal sizes and unknown locations, and not about metadata when replicated", () => {
    const shards: ShardLocation[] = [
      { nodeId: "a", farmId: 1, city: "A", country: "X", sizeGiB: 10 },
      { nodeId: "b", farmId: 2, city: "B", country: "X", sizeGiB: 20 },
      { nodeId: "c", sizeGiB: 10 },
    ];
    const r = planRedundancy({
      shards,
      dataShards: 2,
      parityShards: 1,
      metadataReplicated: true,
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

  it("has only the metadata warning for a spare-rich layout that survives a site loss", () => {
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
    expect(r.domains.city.writesSurviveLossOfAny).toBe(true);
    expect(r.warnings).toEqual([METADATA_SPOF]);
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
      name: "requireSiteFailureTolerance on the reference layout",
      input: { shards: six, dataShards: 4, parityShards: 2, requireSiteFailureTolerance: true },
      problems: [
        {
          property: "parityShards",
          value: 2,
          reason:
            "requireSiteFailureTolerance is set, but losing Salzburg, Austria (3 shards) loses data: a city may hold at most parityShards = 2 shards",
          fix: "use 3+3 with this layout, or spread the 6 shards over at least 3 cities with at most 2 each",
        },
      ],
    },
    {
      name: "requireSiteFailureTolerance with parity 0",
      input: { shards: six, dataShards: 6, parityShards: 0, requireSiteFailureTolerance: true },
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

  it("accepts the site-tolerant layouts when requireSiteFailureTolerance is set", () => {
    expect(
      planRedundancy({
        shards: layout([
          [...SALZBURG, 2],
          [...VIENNA, 2],
          [...GRAZ, 2],
        ]),
        dataShards: 4,
        parityShards: 2,
        requireSiteFailureTolerance: true,
      }).siteLossSurvivable,
    ).toBe(true);
    expect(
      planRedundancy({
        shards: six,
        dataShards: 3,
        parityShards: 3,
        requireSiteFailureTolerance: true,
      }).siteLossSurvivable,
    ).toBe(true);
  });

  it("formats one problem as property = value: reason. Fix: fix", () => {
    expect(
      describeProblem({ property: "dataShards", value: 0, reason: "too small", fix: "raise it" }),
    ).toBe("dataShards = 0: too small. Fix: raise it");
  });
});

describe("formatRedundancyReport", () => {
  it("renders a table of domains and what each loss does", () => {
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 1],
        [...VIENNA, 1],
        [...GRAZ, 1],
      ]),
      dataShards: 1,
      parityShards: 1,
      metadataReplicated: true,
    });
    expect(formatRedundancyReport(r)).toBe(
      [
        "Erasure coding 1+1 on 3 shards (1 spare)",
        "Capacity: raw 30 GiB, usable 15 GiB; parity 50 % of raw, expansion 2x",
        "Shard losses tolerated: 1 for reads, 1 for writes",
        "Site (city) loss survivable: yes",
        "",
        "  level    domain             shards  if lost",
        "  node     salzburg-0              1  reads and writes OK",
        "  node     vienna-0                1  reads and writes OK",
        "  node     graz-0                  1  reads and writes OK",
        "  farm     12775                   1  reads and writes OK",
        "  farm     82872                   1  reads and writes OK",
        "  farm     90210                   1  reads and writes OK",
        "  city     Salzburg, Austria       1  reads and writes OK",
        "  city     Vienna, Austria         1  reads and writes OK",
        "  city     Graz, Austria           1  reads and writes OK",
        "  country  Austria                 3  DATA UNREADABLE (3 > parity 1)",
      ].join("\n"),
    );
  });

  it("lists blocked writes and the warnings", () => {
    const r = planRedundancy({
      shards: layout([
        [...SALZBURG, 3],
        [...VIENNA, 3],
      ]),
      dataShards: 3,
      parityShards: 3,
    });
    const text = formatRedundancyReport(r);
    expect(text).toContain("  city     Salzburg, Austria       3  reads OK, writes blocked");
    expect(text.split("\n").slice(-3)).toEqual([
      "Warnings:",
      "  - No spare shard: all 6 shards are needed for every write, so a single unreachable or full shard blocks writes (reads survive 3 lost shards). List more shards than dataShards + parityShards to keep writing through an outage.",
      `  - ${METADATA_SPOF}`,
    ]);
  });
});
