import {
  checkPlacement,
  explorerUrlFrom,
  selectShardNodes,
  type PlacementCandidate,
  type PlacementRequest,
} from "../../provider/archive/placement";
import { stablePasswordProvider } from "../../provider/archive/password-provider";
import { shardPlacementProvider } from "../../provider/archive/placement-provider";

const NOW = 1_700_000_000;

function node(
  id: string,
  farm: number,
  city: string,
  country = "Austria",
  extra: { sru?: number; reserved?: number; updated?: number } = {},
): PlacementCandidate {
  return {
    node_id: id,
    farm_id: farm,
    location: { city, country },
    total_resources: { cru: 8, mru: 32, hru: 0, sru: extra.sru ?? 100 },
    reserved_resources: { cru: 0, mru: 0, hru: 0, sru: extra.reserved ?? 0 },
    updated: extra.updated ?? NOW - 60,
  };
}

const GRID: PlacementCandidate[] = [
  node("s3", 12775, "Salzburg"),
  node("s1", 12775, "Salzburg"),
  node("s2", 12775, "Salzburg"),
  node("s4", 12775, "Salzburg"),
  node("v1", 82872, "Vienna"),
  node("v2", 82872, "Vienna"),
  node("v3", 82872, "Vienna"),
  node("w1", 82873, "Vienna"),
  node("g1", 71, "Ghent", "Belgium"),
  node("g2", 71, "Ghent", "Belgium"),
];

const req = (r: Partial<PlacementRequest>): PlacementRequest => ({
  count: 6,
  minFreeSsdGiB: 10,
  ...r,
});

const ids = (r: ReturnType<typeof selectShardNodes>): string[] =>
  "nodes" in r ? r.nodes.map((n) => n.nodeId) : [r.problem];

describe("selectShardNodes", () => {
  it.each([
    {
      name: "reference: two farms give 3 Salzburg + 3 Vienna, Salzburg first",
      request: req({ farms: [12775, 82872] }),
      expected: ["s1", "v1", "s2", "v2", "s3", "v3"],
    },
    {
      name: "any farm: cities round-robin (Ghent, Salzburg, Vienna), farms interleaved in Vienna",
      request: req({ count: 8 }),
      expected: ["g1", "s1", "v1", "g2", "s2", "w1", "s3", "v2"],
    },
    {
      name: "a country filter",
      request: req({ count: 2, countries: ["Belgium"] }),
      expected: ["g1", "g2"],
    },
    {
      name: "a city filter and excluded nodes",
      request: req({ count: 3, cities: ["Vienna"], excludeNodes: ["v1"] }),
      expected: ["v2", "w1", "v3"],
    },
  ])("$name", ({ request, expected }) => {
    expect(ids(selectShardNodes(GRID, request, NOW))).toEqual(expected);
  });

  it("skips nodes without enough free SSD (total − reserved) and nodes silent for over 10 minutes", () => {
    const grid = [
      node("a", 1, "A", "X", { sru: 100, reserved: 95 }),
      node("b", 1, "A", "X", { sru: 100, reserved: 90 }),
      node("c", 1, "A", "X", { updated: NOW - 601 }),
      node("d", 1, "A", "X", { updated: NOW - 600, reserved: -5 }),
    ];
    expect(ids(selectShardNodes(grid, req({ count: 2 }), NOW))).toEqual(["b", "d"]);
  });

  it("names the filters when there are too few nodes", () => {
    expect(ids(selectShardNodes(GRID, req({ count: 8, farms: [12775, 82872] }), NOW))).toEqual([
      "only 7 node(s) match (farms 12775, 82872; ≥ 10 GiB free SSD; reported within 10 minutes) but 8 shards need one node each",
    ]);
    expect(ids(selectShardNodes(GRID, req({ count: 3, farms: [71] }), NOW))).toEqual([
      "only 2 node(s) match (farms 71; ≥ 10 GiB free SSD; reported within 10 minutes) but 3 shards need one node each",
    ]);
  });

  it("is deterministic whatever the order of the node list", () => {
    const reversed = [...GRID].reverse();
    expect(ids(selectShardNodes(reversed, req({ count: 8 }), NOW))).toEqual(
      ids(selectShardNodes(GRID, req({ count: 8 }), NOW)),
    );
  });
});

describe("checkPlacement (sticky)", () => {
  const request = req({ farms: [82872, 12775] });

  it("normalizes the request and places fresh when there is no previous placement", async () => {
    const r = await checkPlacement({}, { request }, async () => GRID, NOW);
    expect(r.failures).toBeUndefined();
    expect(r.inputs).toEqual({
      request: {
        count: 6,
        farms: [12775, 82872],
        cities: [],
        countries: [],
        minFreeSsdGiB: 10,
        excludeNodes: [],
      },
      nodes: [
        { nodeId: "s1", farmId: 12775, city: "Salzburg", country: "Austria" },
        { nodeId: "v1", farmId: 82872, city: "Vienna", country: "Austria" },
        { nodeId: "s2", farmId: 12775, city: "Salzburg", country: "Austria" },
        { nodeId: "v2", farmId: 82872, city: "Vienna", country: "Austria" },
        { nodeId: "s3", farmId: 12775, city: "Salzburg", country: "Austria" },
        { nodeId: "v3", farmId: 82872, city: "Vienna", country: "Austria" },
      ],
    });
  });

  it("keeps the previous nodes while the request is unchanged, without asking the explorer", async () => {
    const first = await checkPlacement({}, { request }, async () => GRID, NOW);
    const lister = jest.fn(async () => [node("a0", 12775, "Salzburg"), ...GRID]);
    const again = await checkPlacement(first.inputs, { request }, lister, NOW + 3600);
    expect(again.inputs).toEqual(first.inputs);
    expect(lister).not.toHaveBeenCalled();
  });

  it("places again when the request changes", async () => {
    const first = await checkPlacement({}, { request }, async () => GRID, NOW);
    const changed = await checkPlacement(
      first.inputs,
      { request: { ...request, count: 4 } },
      async () => GRID,
      NOW,
    );
    expect((changed.inputs.nodes as { nodeId: string }[]).map((n) => n.nodeId)).toEqual([
      "s1",
      "v1",
      "s2",
      "v2",
    ]);
  });

  it("fails on the request property with the fix when too few nodes match", async () => {
    const r = await checkPlacement(
      {},
      { request: { ...request, count: 9 } },
      async () => GRID,
      NOW,
    );
    expect(r.failures).toEqual([
      {
        property: "request",
        reason:
          "placement: only 7 node(s) match (farms 12775, 82872; ≥ 10 GiB free SSD; reported within 10 minutes) but 9 shards need one node each; lower the shard count, allow more farms/cities/countries, or lower minFreeSsdGiB",
      },
    ]);
  });

  it("names a farm id without any node (a typo) instead of placing on the other farms", async () => {
    const r = await checkPlacement(
      {},
      { request: { ...request, farms: [12775, 82827] } },
      async () => GRID,
      NOW,
    );
    expect(r.failures).toEqual([
      {
        property: "request",
        reason:
          "placement.farms: 82827 has no node on the explorer (farms with nodes: 71, 12775, 82872, 82873); check the farm ids (GET /farms, or npx tfgrid nodes)",
      },
    ]);
  });

  it("fails with the explorer problem when the node list cannot be read", async () => {
    const r = await checkPlacement(
      {},
      { request },
      async () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:8080");
      },
      NOW,
    );
    expect(r.failures).toEqual([
      {
        property: "tfgrid:explorerUrl",
        reason:
          "cannot list nodes on the explorer to place shards: connect ECONNREFUSED 127.0.0.1:8080; start that explorer (npm run localgrid serves the local grid on 127.0.0.1:8080) or point tfgrid:explorerUrl (TFGRID_EXPLORER_URL) at a reachable one, or list the nodes yourself with shardNodes",
      },
    ]);
  });

  it("passes unknown requests through during preview", async () => {
    const news = { request: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" };
    expect(await checkPlacement({}, news, async () => GRID, NOW)).toEqual({ inputs: news });
  });

  it("diff replaces only when the request or the nodes differ", async () => {
    const first = await checkPlacement({}, { request }, async () => GRID, NOW);
    expect(await shardPlacementProvider.diff!("id", first.inputs, first.inputs)).toEqual({
      changes: false,
      replaces: [],
    });
    const changed = await checkPlacement(
      {},
      { request: { ...request, count: 4 } },
      async () => GRID,
      NOW,
    );
    expect(await shardPlacementProvider.diff!("id", first.inputs, changed.inputs)).toEqual({
      changes: true,
      replaces: ["request", "nodes"],
    });
  });
});

describe("explorerUrlFrom", () => {
  it("prefers stack config, then TFGRID_EXPLORER_URL, then the local grid", () => {
    const cfg = (v?: string) => ({
      get: (k: string) => (k === "tfgrid:explorerUrl" ? v : undefined),
    });
    expect(explorerUrlFrom(cfg("https://explorer.grid.tf/explorer/"), {})).toBe(
      "https://explorer.grid.tf/explorer",
    );
    expect(
      explorerUrlFrom(cfg(undefined), { TFGRID_EXPLORER_URL: "http://127.0.0.1:9/explorer" }),
    ).toBe("http://127.0.0.1:9/explorer");
    expect(explorerUrlFrom(undefined, {})).toBe("http://127.0.0.1:8080/explorer");
  });
});

describe("StablePassword provider", () => {
  it("creates a 32-character hex password once and replaces it only when the length changes", async () => {
    const created = await stablePasswordProvider.create!({ length: 32 });
    expect(created.outs.value).toMatch(/^[0-9a-f]{32}$/);
    expect(await stablePasswordProvider.diff!(created.id, created.outs, { length: 32 })).toEqual({
      changes: false,
      replaces: [],
    });
    expect(await stablePasswordProvider.diff!(created.id, created.outs, { length: 40 })).toEqual({
      changes: true,
      replaces: ["length"],
    });
  });
});
