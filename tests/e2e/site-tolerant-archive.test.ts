/**
 * An archive that survives a site loss, through the real `pulumi` CLI on a local grid process
 * (issue #17): 4+2 over Salzburg, Vienna and Ghent with a TLOG namespace outside MinIO's city and a
 * standby MinIO in Vienna (docs/protocol.md#tlog-and-master). The report says "yes" because it is
 * true; the nodes open SHARDS, TLOG and MASTER, which name the right namespaces; destroy leaves
 * nothing.
 */
import { Reservation } from "../../provider/client";
import {
  CONVERGED,
  NEXT_ACTION,
  Scenario,
  TEST_SECRET_KEY,
  compareStateWithExplorer,
  endScenario,
  notDeletedReservations,
  startScenario,
  stateReservations,
} from "./harness";

const MINUTES = 60_000;
const dyn = (type: string) => `pulumi-nodejs:dynamic/tfgrid:${type}`;

interface PreviewStep {
  op: string;
  urn: string;
}

interface Opened {
  secret_environment: Record<string, string>;
}

async function openedSecrets(s: Scenario, gwid: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${s.grid.origin}/__localgrid/secrets/${gwid}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** `ns:password@[ip]:port` of a deployed zdb reservation, from its result and opened password. */
async function zdbAddress(s: Scenario, r: Reservation): Promise<string> {
  const result = r.results[0].data_json as { Namespace: string; IP: string; Port: number };
  const { password } = (await openedSecrets(s, `${r.id}-1`)) as { password: string };
  return `${result.Namespace}:${password}@[${result.IP}]:${result.Port}`;
}

describe("a site-tolerant archive (TLOG + standby over three cities) with the real pulumi CLI", () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({
      name: "site-tolerant",
      program: "site-tolerant",
      gridArgs: ["--expose-secrets-for-tests"],
      secretConfig: { secretKey: TEST_SECRET_KEY },
    });
  }, 30 * MINUTES);

  afterAll(() => endScenario(s));

  test(
    "up deploys 7 namespaces, 2 volumes, 2 containers; the report says a site loss is survivable",
    async () => {
      await s.ws.must(["up", "--yes"]);
      const inState = await stateReservations(s.ws);
      const types: Record<string, number> = {};
      for (const r of inState) types[r.type] = (types[r.type] ?? 0) + 1;
      expect(types).toEqual({
        [dyn("Network")]: 1,
        [dyn("ZdbNamespace")]: 7,
        [dyn("Volume")]: 2,
        [dyn("Container")]: 2,
      });
      expect(await compareStateWithExplorer(s)).toEqual(CONVERGED);

      const outputs = await s.ws.outputs(true);
      const report = outputs.redundancy as {
        siteLossSurvivable: boolean;
        domains: { city: { counts: Record<string, number> } };
        metadata: { minio: { city: string }; tlog: { city: string }; standby: { city: string } };
      };
      expect(report.domains.city.counts).toEqual({
        "Ghent, Belgium": 2,
        "Salzburg, Austria": 2,
        "Vienna, Austria": 2,
      });
      const { minio, tlog, standby } = report.metadata;
      expect(tlog.city).not.toBe(minio.city);
      expect(standby.city).toBe("Vienna");
      expect(report.siteLossSurvivable).toBe(true);
      expect(String(outputs.redundancyReport)).toContain("Site (city) loss survivable: yes\n");
      expect(outputs.endpoint).toBe("http://172.20.15.16:9000");
      expect(outputs.standbyEndpoint).toBe("http://172.20.16.16:9000");
    },
    20 * MINUTES,
  );

  test(
    "the nodes opened SHARDS, TLOG and MASTER: well-formed and naming the right namespaces",
    async () => {
      const inState = await stateReservations(s.ws);
      const byName = (suffix: string) => {
        const found = inState.filter((r) => r.urn.endsWith(`::${suffix}`));
        expect(found).toHaveLength(1);
        return s.client.getReservation(found[0].reservationId);
      };
      const tlogAddress = await zdbAddress(s, await byName("archive-tlog"));
      const shardAddresses = await Promise.all(
        [0, 1, 2, 3, 4, 5].map(async (k) => zdbAddress(s, await byName(`archive-zdb-${k}`))),
      );
      for (const a of [tlogAddress, ...shardAddresses]) {
        expect(a).toMatch(/^\d+-1:[0-9a-f]{32}@\[[0-9a-f:]+\]:9900$/);
      }
      const primary = (await openedSecrets(
        s,
        `${(await byName("archive-minio")).id}-1`,
      )) as unknown as Opened;
      const secondary = (await openedSecrets(
        s,
        `${(await byName("archive-standby")).id}-1`,
      )) as unknown as Opened;
      expect(primary.secret_environment).toEqual({
        SHARDS: shardAddresses.join(","),
        SECRET_KEY: TEST_SECRET_KEY,
        TLOG: tlogAddress,
      });
      expect(secondary.secret_environment).toEqual({
        SHARDS: shardAddresses.join(","),
        SECRET_KEY: TEST_SECRET_KEY,
        MASTER: tlogAddress,
      });
      // Nothing of it in clear text on the explorer.
      for (const name of ["archive-minio", "archive-standby"]) {
        const c = (await byName(name)).data_reservation.containers![0];
        expect(Object.keys(c.environment ?? {}).sort()).toEqual([
          "ACCESS_KEY",
          "DATA",
          "MINIO_ZEROSTOR_META_DIR",
          "PARITY",
        ]);
      }
    },
    10 * MINUTES,
  );

  test(
    "day 2: dropping the standby keeps the archive; moving the TLOG renews it, and preview says so",
    async () => {
      const changes = async (): Promise<Record<string, string>> => {
        const result = await s.ws.must(["preview", "--json", "--diff"]);
        const steps = (JSON.parse(result.stdout) as { steps: PreviewStep[] }).steps;
        return Object.fromEntries(
          steps.filter((st) => st.op !== "same").map((st) => [st.urn.split("::").pop()!, st.op]),
        );
      };
      const metaBefore = (await stateReservations(s.ws)).find((r) =>
        r.urn.endsWith("::archive-meta"),
      )!.reservationId;
      await s.ws.setConfig("standby", "false");
      const dropped = await changes();
      expect(dropped).toMatchObject({
        "archive-standby-placement": "delete",
        "archive-standby-meta": "delete",
        "archive-net": "replace", // the standby's node leaves the network
      });
      // Not a new archive: the layout record, the TLOG and MinIO's metadata volume stay.
      for (const kept of ["archive-layout", "archive-tlog", "archive-meta"]) {
        expect(dropped[kept]).toBeUndefined();
      }
      await s.ws.must(["up", "--yes", "--skip-preview"]);
      const after = await stateReservations(s.ws);
      expect(after.filter((r) => r.urn.includes("::archive-standby"))).toEqual([]);
      expect(after.find((r) => r.urn.endsWith("::archive-meta"))!.reservationId).toBe(metaBefore);
      expect(await compareStateWithExplorer(s)).toEqual(CONVERGED);
      // the one city holding neither MinIO nor the TLOG
      const { metadata } = (await s.ws.outputs(true)).redundancy as {
        metadata: { minio: { city: string }; tlog: { city: string } };
      };
      const third = ["Ghent", "Salzburg", "Vienna"].filter(
        (c) => c !== metadata.minio.city && c !== metadata.tlog.city,
      );
      expect(third).toHaveLength(1);
      await s.ws.setConfig("tlogCities", JSON.stringify(third));
      const moved = await changes();
      // A new TLOG placement, so a new TLOG namespace and layout: the layout record is updated
      // (the archive warns that it starts EMPTY), and MinIO's volume and container are replaced.
      expect(moved).toMatchObject({
        "archive-tlog-placement": "replace",
        "archive-layout": "update",
        "archive-meta": "replace",
        "archive-minio": "replace",
      });
      await s.ws.must(["config", "rm", "tlogCities"]);
      expect(await changes()).toEqual({});
    },
    15 * MINUTES,
  );

  test(
    "destroy leaves every reservation of the stack deleted",
    async () => {
      const inState = await stateReservations(s.ws);
      expect(inState).toHaveLength(10); // the standby's volume and container went on day 2
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
