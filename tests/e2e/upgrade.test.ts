/**
 * Upgrading the package on a deployed stack (issue #12): the reference stack was deployed by
 * pulumi-tfgrid 0.1.0, which put each provider's packed code into state; the fixture holds that
 * stack's export, its stack file and the local grid's data as they were left
 * (fixtures/upgrade-from-0.1.0/README.md says how they were made). With the current package the
 * preview plans no change at all, a day-2 change replaces what it must, and destroy cancels every
 * reservation.
 */
import * as fs from "fs";
import * as path from "path";
import { ExplorerClient } from "../../provider/client";
import { GridProcess } from "../../scripts/lib/grid-process";
import { StackWorkspace } from "../../scripts/lib/workspace";
import { NEXT_ACTION, pulumiBinDir, tempDir } from "./harness";

const MINUTES = 60_000;
const FIXTURE = path.join(__dirname, "fixtures", "upgrade-from-0.1.0");
/** The identity the fixture's stack file names (the first user of the fixture's grid). */
const FIXTURE_TID = 1;

interface ExportedResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

function resources(exported: string): ExportedResource[] {
  return (JSON.parse(exported) as { deployment: { resources: ExportedResource[] } }).deployment
    .resources;
}

const dynamic = (r: ExportedResource) => r.type.startsWith("pulumi-nodejs:dynamic/");

describe("a stack deployed by pulumi-tfgrid 0.1.0", () => {
  let dir: string;
  let grid: GridProcess;
  let ws: StackWorkspace;

  beforeAll(async () => {
    dir = tempDir("upgrade");
    const gridDir = path.join(dir, "grid");
    fs.mkdirSync(gridDir, { recursive: true });
    fs.copyFileSync(path.join(FIXTURE, "grid-state.json"), path.join(gridDir, "state.json"));
    grid = await GridProcess.start({
      dataDir: gridDir,
      args: ["--poll-interval-ms", "50", "--provision-delay-ms", "100"],
    });
    ws = await StackWorkspace.create({
      dir,
      stack: "e2e",
      stackFile: path.join(FIXTURE, "Pulumi.e2e.yaml"),
      pulumiBinDir: pulumiBinDir(),
      passphrase: "e2e-passphrase",
      env: { TFGRID_POLL_INTERVAL_MS: "100" },
    });
    await ws.must(["stack", "import", "--file", path.join(FIXTURE, "state.json")]);
    await ws.setConfig("tfgrid:explorerUrl", grid.url);
  }, 5 * MINUTES);

  afterAll(async () => {
    await grid?.stop();
    if (dir && !process.env.KEEP_E2E_DIRS) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    "plans no change, keeps working, and is destroyed cleanly by the installed package",
    async () => {
      const legacy = (r: ExportedResource) =>
        !String(r.outputs!.__provider).includes('"pulumi-tfgrid/providers"');
      const before = resources(await ws.exportState()).filter(dynamic);
      expect(before).toHaveLength(12);
      expect(before.filter(legacy)).toHaveLength(12);

      // Nothing to do: check and diff run in the installed package; no replacement, no update.
      await ws.must(["preview", "--expect-no-changes", "--diff"]);
      const up = await ws.must(["up", "--yes", "--skip-preview"]);
      expect(up.stdout).toMatch(/Resources:\s+14 unchanged/);
      const upgraded = resources(await ws.exportState()).filter(dynamic);
      // The inputs name the installed package; the outputs keep the code that created them,
      // which the dynamic-provider host uses to read and delete those reservations.
      for (const r of upgraded) {
        expect(String(r.inputs!.__provider)).toContain('"pulumi-tfgrid/providers"');
      }
      expect(upgraded.filter(legacy)).toHaveLength(12);

      // A day-2 change on the upgraded stack: the new container is the installed package's, the
      // old one is cancelled by its own code.
      await ws.setConfig("s3:minioCpu", "1");
      const change = await ws.must(["up", "--yes", "--skip-preview"]);
      expect(change.stdout).toMatch(/\+-1 replaced/);
      const changed = resources(await ws.exportState()).filter(dynamic);
      expect(changed.filter((r) => !legacy(r)).map((r) => r.type)).toEqual([
        "pulumi-nodejs:dynamic/tfgrid:Container",
      ]);
      await ws.must(["preview", "--expect-no-changes"]);

      const client = new ExplorerClient({ baseUrl: grid.url });
      const live = (await client.listReservations({ customer_tid: FIXTURE_TID })).filter(
        (r) => r.next_action === NEXT_ACTION.deploy,
      );
      expect(live).toHaveLength(9);

      await ws.must(["destroy", "--yes", "--skip-preview"]);
      const left = (await client.listReservations({ customer_tid: FIXTURE_TID })).filter(
        (r) => r.next_action !== NEXT_ACTION.deleted,
      );
      expect(left.map((r) => r.id)).toEqual([]);
    },
    10 * MINUTES,
  );
});
