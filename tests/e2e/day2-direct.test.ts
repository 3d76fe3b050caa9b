/**
 * Day 2 of a program that uses the four resources directly, without the S3Archive component
 * (issue #11), through the real `pulumi` CLI against a local grid process: deployed once, then a
 * changed 0-db password, a volume size change under a running container, and a container flist
 * and env change. For each: the plain preview names the operations and the property forcing each
 * replacement (a changed secret included), `pulumi up` succeeds, the explorer holds exactly the
 * stack's reservations, all deployed, the replaced ones deleted, the node received the new
 * settings, and a second preview has nothing to do. A destroy ends it.
 */
import { Scenario, endScenario, startScenario, stateReservations } from "./harness";
import {
  ConfigEdit,
  MINUTES,
  PlanRow,
  applyConfig,
  containerSeenByNode,
  destroyLeavesNothing,
  expectConverged,
  log,
  plainPreview,
  replace,
} from "./day2";

const FLIST = "https://hub.grid.tf/tf-official-apps/base:latest.flist";

interface Change extends ConfigEdit {
  name: string;
  plan: Record<string, PlanRow>;
  /** Checks what the node received, given the live reservation ids of the stack. */
  node: (s: Scenario, ids: number[]) => Promise<void>;
}

async function zdbPassword(s: Scenario, ids: number[]): Promise<string> {
  for (const id of ids) {
    const r = await s.client.getReservation(id);
    if ((r.data_reservation.zdbs ?? []).length === 0) continue;
    const res = await fetch(`${s.grid.origin}/__localgrid/secrets/${id}-1`);
    return ((await res.json()) as { password: string }).password;
  }
  throw new Error("no 0-db namespace among the stack's reservations");
}

async function volumeSize(s: Scenario, ids: number[]): Promise<number> {
  for (const id of ids) {
    const v = (await s.client.getReservation(id)).data_reservation.volumes?.[0] as
      { size: number } | undefined;
    if (v) return v.size;
  }
  throw new Error("no volume among the stack's reservations");
}

const CHANGES: Change[] = [
  {
    name: "a changed 0-db password",
    secret: { "direct:zdbPassword": "rotated-zdb-password" },
    // The CLI masks both sides of a secret as [secret]: secretFingerprints shows the change.
    plan: { zdb: replace("~secretFingerprints"), app: replace("~secretEnv,secretFingerprints") },
    node: async (s, ids) => {
      expect(await zdbPassword(s, ids)).toBe("rotated-zdb-password");
      const seen = await containerSeenByNode(s, ids);
      expect(seen.secretEnv.SHARDS).toMatch(/^\d+-1:rotated-zdb-password@\[[0-9a-f:]+\]:9900$/);
    },
  },
  {
    name: "a volume size change under a running container",
    config: { "direct:volumeSizeGiB": "2" },
    plan: { vol: replace("~sizeGiB"), app: replace("~volumes") },
    node: async (s, ids) => {
      expect(await volumeSize(s, ids)).toBe(2);
      expect((await containerSeenByNode(s, ids)).ip).toBe("10.20.3.10");
    },
  },
  {
    name: "a container flist and env change",
    config: {
      "direct:flist": "https://hub.grid.tf/tf-official-apps/redis:latest.flist",
      "direct:env": JSON.stringify({ MODE: "day2" }),
    },
    plan: { app: replace("~env,flist") },
    node: async (s, ids) => {
      const seen = await containerSeenByNode(s, ids);
      expect({ flist: seen.flist, env: seen.env }).toEqual({
        flist: "https://hub.grid.tf/tf-official-apps/redis:latest.flist",
        env: { MODE: "day2" },
      });
    },
  },
];

describe("day 2: the four resources used directly", () => {
  let s: Scenario;
  let ids: number[] = [];
  const started = Date.now();

  beforeAll(async () => {
    s = await startScenario({
      name: "day2-direct",
      gridArgs: ["--expose-secrets-for-tests"],
      program: "direct",
    });
    const nodes = (await s.client.listNodes()).filter((n) => !n.public_config?.ipv4);
    await applyConfig(s.ws, {
      config: {
        "direct:node": nodes[0].node_id,
        "direct:zdbNode": nodes[1].node_id,
        "direct:volumeSizeGiB": "1",
        "direct:flist": FLIST,
        "direct:env": JSON.stringify({ MODE: "day1" }),
      },
      secret: { "direct:zdbPassword": "first-zdb-password" },
    });
    await s.ws.must(["up", "--yes", "--skip-preview"]);
    ids = (await stateReservations(s.ws)).map((r) => r.reservationId);
    expect(ids).toHaveLength(4);
  }, 15 * MINUTES);

  afterAll(async () => {
    console.log(`day2-direct matrix: ${Math.round((Date.now() - started) / 1000)} s`);
    await endScenario(s);
  });

  test.each(CHANGES.map((c) => [c.name, c] as const))(
    "%s: preview names each operation and its reason, up applies it cleanly",
    async (_name, change) => {
      await applyConfig(s.ws, change);
      const preview = await plainPreview(s.ws);
      log(change.name, preview.output);
      expect(preview.rows).toEqual(change.plan);
      expect(preview.output).not.toMatch(/createTag/i);

      const up = await s.ws.must(["up", "--yes", "--skip-preview"]);
      log(`${change.name} (up)`, `${up.stdout}\n${up.stderr}`);
      ids = await expectConverged(s, ids);
      await change.node(s, ids);
      await s.ws.must(["preview", "--expect-no-changes"]);
    },
    10 * MINUTES,
  );

  destroyLeavesNothing(() => s);
});
