/**
 * The reference scenario through the real `pulumi` CLI against a local grid process (issue #5):
 * preview lists the plan, up deploys, a second run changes nothing, a container change replaces
 * only the container, refresh drops what was cancelled behind the stack's back, no secret reaches
 * the state in plain text, and destroy leaves every reservation deleted.
 */
import * as fs from "fs";
import * as path from "path";
import { Reservation } from "../../provider/client";
import { signDelete } from "../../provider/crypto";
import { identityFromMnemonic } from "../../provider/identity";
import {
  NEXT_ACTION,
  Scenario,
  TEST_SECRET_KEY,
  compareStateWithExplorer,
  endScenario,
  startScenario,
  stateReservations,
  CONVERGED,
  notDeletedReservations,
} from "./harness";

const MINUTES = 60_000;
const dyn = (type: string) => `pulumi-nodejs:dynamic/tfgrid:${type}`;

interface PreviewStep {
  op: string;
  urn: string;
  newState?: { type: string };
  oldState?: { type: string };
  diffReasons?: string[];
  replaceReasons?: string[];
}

function stepType(step: PreviewStep): string {
  return (step.newState ?? step.oldState)!.type;
}

function countByType(steps: PreviewStep[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const step of steps) counts[stepType(step)] = (counts[stepType(step)] ?? 0) + 1;
  return counts;
}

async function previewSteps(s: Scenario): Promise<PreviewStep[]> {
  const result = await s.ws.must(["preview", "--json", "--diff"]);
  return (JSON.parse(result.stdout) as { steps: PreviewStep[] }).steps;
}

async function liveReservations(s: Scenario): Promise<Reservation[]> {
  const all = await s.client.listReservations({ customer_tid: s.identity.tid });
  return all.filter((r) => r.next_action === NEXT_ACTION.deploy);
}

async function openedSecrets(s: Scenario, gwid: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.grid.origin}/__localgrid/secrets/${gwid}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** Cancels a reservation with the customer's own key, as another tool would, and waits for 6. */
async function cancelBehindTheStacksBack(s: Scenario, id: number): Promise<void> {
  const identity = identityFromMnemonic(s.identity.mnemonic, s.identity.tid);
  const reservation = await s.client.getReservation(id);
  await s.client.signDelete(id, {
    tid: identity.tid,
    signature: signDelete(identity, id, reservation.json),
    epoch: Math.floor(Date.now() / 1000),
  });
  const deadline = Date.now() + 30_000;
  while ((await s.client.getReservation(id)).next_action !== NEXT_ACTION.deleted) {
    if (Date.now() > deadline) throw new Error(`reservation ${id} did not reach deleted`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the reference S3 archive stack with the real pulumi CLI", () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({ name: "reference", gridArgs: ["--expose-secrets-for-tests"] });
  }, 30 * MINUTES);

  afterAll(() => endScenario(s));

  test(
    "1. preview --json lists exactly the planned resources and reserves nothing",
    async () => {
      const steps = await previewSteps(s);
      expect(steps.every((step) => step.op === "create")).toBe(true);
      expect(countByType(steps)).toEqual({
        "pulumi:pulumi:Stack": 1,
        "tfgrid:index:S3Archive": 1,
        [dyn("ShardPlacement")]: 1,
        [dyn("StablePassword")]: 1,
        [dyn("ArchiveLayout")]: 1,
        [dyn("Network")]: 1,
        [dyn("ZdbNamespace")]: 6,
        [dyn("Volume")]: 1,
        [dyn("Container")]: 1,
      });
      expect(await s.client.listReservations({ customer_tid: s.identity.tid })).toEqual([]);
    },
    10 * MINUTES,
  );

  test(
    "2. up deploys: one active reservation per resource, every workload ok",
    async () => {
      await s.ws.must(["up", "--yes", "--skip-preview"]);

      const inState = await stateReservations(s.ws);
      expect(countByType(inState.map((r) => ({ op: "same", urn: r.urn, newState: r })))).toEqual({
        [dyn("Network")]: 1,
        [dyn("ZdbNamespace")]: 6,
        [dyn("Volume")]: 1,
        [dyn("Container")]: 1,
      });
      const live = await liveReservations(s);
      expect(live.map((r) => r.id).sort((a, b) => a - b)).toEqual(
        inState.map((r) => r.reservationId).sort((a, b) => a - b),
      );
      for (const r of live) {
        expect(r.results.length).toBeGreaterThan(0);
        expect(r.results.map((res) => res.state)).toEqual(r.results.map(() => 1));
      }
      expect(await compareStateWithExplorer(s)).toEqual(CONVERGED);

      const outputs = await s.ws.outputs(true);
      expect(outputs.endpoint).toBe("http://172.20.15.16:9000");
      const redundancy = outputs.redundancy as { siteLossSurvivable: boolean; shardCount: number };
      expect(redundancy.shardCount).toBe(6);
      expect(redundancy.siteLossSurvivable).toBe(false);
      expect(String(outputs.redundancyReport)).toContain("4+2");
      // …and says plainly that losing Salzburg loses the index (MinIO's only metadata copy).
      expect(String(outputs.redundancyReport)).toMatch(
        /Losing node \S+, or all of Salzburg, Austria, loses the archive's index/,
      );

      // The node opened SHARDS and SECRET_KEY with its own key: six shard URLs, one per namespace.
      const zdbs = live.filter((r) => (r.data_reservation.zdbs ?? []).length === 1);
      const container = live.find((r) => (r.data_reservation.containers ?? []).length === 1)!;
      const opened = (await openedSecrets(s, `${container.id}-1`)) as {
        secret_environment: Record<string, string>;
      };
      expect(opened.secret_environment.SECRET_KEY).toBe(TEST_SECRET_KEY);
      const shardUrls = opened.secret_environment.SHARDS.split(",");
      expect(shardUrls).toHaveLength(6);
      const namespaces = zdbs.map((r) => `${r.id}-1`).sort();
      const parsed = shardUrls.map((url) => {
        const match = /^(\d+-1):([0-9a-f]+)@\[([0-9a-f:]+)\]:9900$/.exec(url);
        expect(match).not.toBeNull();
        return { namespace: match![1], password: match![2], ip: match![3] };
      });
      expect(parsed.map((p) => p.namespace).sort()).toEqual(namespaces);
      for (const zdb of zdbs) {
        const result = zdb.results[0].data_json as { Namespace: string; IP: string; Port: number };
        const shard = parsed.find((p) => p.namespace === result.Namespace)!;
        expect(shard.ip).toBe(result.IP);
        const zdbSecrets = (await openedSecrets(s, `${zdb.id}-1`)) as { password: string };
        expect(shard.password).toBe(zdbSecrets.password);
      }
    },
    15 * MINUTES,
  );

  test(
    "3. a second preview and up report no changes",
    async () => {
      const steps = await previewSteps(s);
      expect(steps.filter((step) => step.op !== "same")).toEqual([]);
      await s.ws.must(["up", "--yes", "--expect-no-changes", "--skip-preview"]);
    },
    10 * MINUTES,
  );

  test(
    "4. changing one container input previews a replacement of the container only",
    async () => {
      await s.ws.setConfig("s3:minioCpu", "1");
      try {
        const changed = (await previewSteps(s)).filter((step) => step.op !== "same");
        expect(changed.map((step) => [step.op, stepType(step)])).toEqual([
          ["replace", dyn("Container")],
        ]);
        expect(changed[0].replaceReasons ?? changed[0].diffReasons).toEqual(["cpu"]);
      } finally {
        await s.ws.setConfig("s3:minioCpu", "2");
      }
    },
    10 * MINUTES,
  );

  test(
    "5. refresh drops a reservation cancelled behind the stack's back; up recreates it",
    async () => {
      const before = await stateReservations(s.ws);
      const victim = before.find((r) => r.type === dyn("Volume"))!;
      await cancelBehindTheStacksBack(s, victim.reservationId);

      await s.ws.must(["refresh", "--yes", "--skip-preview"]);
      const afterRefresh = await stateReservations(s.ws);
      expect(afterRefresh.map((r) => r.urn)).not.toContain(victim.urn);
      expect(afterRefresh).toHaveLength(before.length - 1);

      await s.ws.must(["up", "--yes", "--skip-preview"]);
      const afterUp = await stateReservations(s.ws);
      expect(afterUp.map((r) => r.urn).sort()).toEqual(before.map((r) => r.urn).sort());
      expect(afterUp.find((r) => r.urn === victim.urn)!.reservationId).not.toBe(
        victim.reservationId,
      );
      expect(await compareStateWithExplorer(s)).toEqual(CONVERGED);
    },
    15 * MINUTES,
  );

  test(
    "7. neither pulumi stack export nor the grid's state files hold any secret in plain text",
    async () => {
      const outputs = await s.ws.outputs(true);
      const shards = outputs.shards as string[];
      const passwords = shards.map((url) => /:([0-9a-f]+)@/.exec(url)![1]);
      const live = await liveReservations(s);
      const network = live.find((r) => (r.data_reservation.networks ?? []).length === 1)!;
      const wg = (await openedSecrets(s, `${network.id}-1`)) as { wireguard_private_key: string };
      const secrets = {
        mnemonic: s.identity.mnemonic,
        minioSecretKey: TEST_SECRET_KEY,
        zdbPassword: passwords[0],
        shards: shards.join(","),
        wireguardPrivateKey: wg.wireguard_private_key,
      };
      const state = await s.ws.exportState();
      // The grid keeps only the sealed boxes: its snapshot and log, private to its user.
      const gridDir = path.join(s.dir, "grid");
      const gridFiles = ["state.json", "state.wal"].map((f) => path.join(gridDir, f));
      expect(fs.statSync(gridDir).mode & 0o777).toBe(0o700);
      for (const f of gridFiles)
        expect({ f, mode: fs.statSync(f).mode & 0o777 }).toEqual({ f, mode: 0o600 });
      const gridState = gridFiles.map((f) => fs.readFileSync(f, "utf8")).join("\n");
      expect(gridState).toContain(`"customer_tid":${s.identity.tid}`);
      for (const [what, value] of Object.entries(secrets)) {
        expect(value.length).toBeGreaterThan(8);
        expect({ what, found: state.includes(value) }).toEqual({ what, found: false });
        expect({ what, inGridState: gridState.includes(value) }).toEqual({
          what,
          inGridState: false,
        });
      }
    },
    10 * MINUTES,
  );

  test(
    "8. destroy leaves every reservation of the stack deleted on the explorer",
    async () => {
      const inState = await stateReservations(s.ws);
      expect(inState).toHaveLength(9);
      await s.ws.must(["destroy", "--yes", "--skip-preview"]);
      expect(await stateReservations(s.ws)).toEqual([]);
      expect(await notDeletedReservations(s)).toEqual([]);
      for (const r of inState) {
        expect((await s.client.getReservation(r.reservationId)).next_action).toBe(
          NEXT_ACTION.deleted,
        );
      }
    },
    15 * MINUTES,
  );
});
