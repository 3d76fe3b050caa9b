// The archive's placement starts the identity check that every resource's check awaits, while its
// node listing is in flight (issue 15: one round trip less before the first 0-db is reserved):
// by the time the first 0-db is checked, GET /users/{tid} has been asked once, and that check does
// not ask again. Against an in-process local grid over real HTTP.
import { startLocalGrid, type LocalGrid } from "../../../localgrid";
import { shardPlacementProvider } from "../../../provider/archive/placement-provider";
import { registerIdentity } from "../../../provider/cli/identity";
import { clearIdentityChecks } from "../../../provider/identity-check";
import { clearConfig } from "../../../provider/resources/common";
import { zdbNamespaceProvider } from "../../../provider/resources/zdb-provider";

const USER_ROUTE = "GET /explorer/users/{tid}";

let lg: LocalGrid;
let settings: Record<string, string>;

beforeAll(async () => {
  lg = await startLocalGrid({ port: 0, pollIntervalMs: 20, provisionDelayMs: 0, seed: 5 });
  const me = await registerIdentity({ explorerUrl: lg.url, name: "prefetch" });
  settings = {
    "tfgrid:explorerUrl": lg.url,
    "tfgrid:tid": String(me.tid),
    "tfgrid:mnemonic": me.mnemonic,
  };
});

afterAll(async () => {
  clearConfig();
  clearIdentityChecks();
  await lg.close();
});

const userLookups = () => lg.counters()[USER_ROUTE] ?? 0;

async function lookupsReach(n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (userLookups() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(userLookups()).toBe(n);
}

it("placement's check asks for the identity once; the first 0-db's check reuses the answer", async () => {
  clearConfig();
  clearIdentityChecks();
  const config = { get: (key: string) => settings[key] };
  await shardPlacementProvider.configure!({ config } as never);
  const before = userLookups();

  const placed = await shardPlacementProvider.check!(
    {},
    { request: { count: 3, minFreeSsdGiB: 1 } },
  );
  expect(placed.failures ?? []).toEqual([]);
  const nodes = (placed.inputs as { nodes: Array<{ nodeId: string }> }).nodes;
  expect(nodes).toHaveLength(3);
  // Asked by placement alone (nothing else has run); it may still be in flight.
  await lookupsReach(before + 1);

  await zdbNamespaceProvider.configure!({ config } as never);
  const zdb = await zdbNamespaceProvider.check!(
    {},
    { nodeId: nodes[0].nodeId, sizeGiB: 1, password: "prefetch-secret" },
  );
  expect(zdb.failures ?? []).toEqual([]);
  expect(userLookups() - before).toBe(1);
});
