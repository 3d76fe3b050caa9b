/**
 * Upgrading the package on a deployed stack: each fixture holds a stack's export, its stack file
 * and the local grid's data as an earlier version left them (fixtures/<name>/README.md says how
 * they were made). With the current package the preview plans no change at all (no update, no
 * replacement), `up` leaves every resource unchanged, a day-2 change replaces what it must, and
 * destroy cancels every reservation.
 * - upgrade-from-0.1.0 (issue #12): the reference stack deployed by 0.1.0, which put each
 *   provider's packed code into state.
 * - state-0.2.0 (issue #16): every resource type the package stores, deployed by the code before
 *   the one-home-per-fact refactor, so that a refactor which changes the state shape fails here.
 */
import * as fs from "fs";
import * as path from "path";
import { ExplorerClient } from "../../provider/client";
import { GridProcess } from "../../scripts/lib/grid-process";
import { StackWorkspace } from "../../scripts/lib/workspace";
import { NEXT_ACTION, pulumiBinDir, tempDir } from "./harness";

const MINUTES = 60_000;
const FIXTURES = path.join(__dirname, "fixtures");
/** The identity every fixture's stack file names (the first user of the fixture's grid). */
const FIXTURE_TID = 1;
const dyn = (type: string) => `pulumi-nodejs:dynamic/tfgrid:${type}`;

interface Fixture {
  /** Folder under fixtures/: state.json, Pulumi.e2e.yaml, grid-state.json. */
  name: string;
  /** The fixture's own program (a folder in it); default the top-level project. */
  program?: string;
  /** Dynamic resources in the fixture's state, and how many of them hold packed provider code. */
  dynamic: number;
  legacy: number;
  /**
   * The current code stores the same inputs and outputs (the state shape did not change since);
   * 0.1.0's inputs were renamed on the way (createTag → __createTag, the archive's layout record).
   */
  sameShape: boolean;
  /** Every resource `up` reports (dynamic ones, components, the stack). */
  total: number;
  /** The day-2 change: stack config to set, and the types of the resources it replaces. */
  day2: Record<string, string>;
  replaced: string[];
  /** The customer's deployed reservations after the day-2 change. */
  live: number;
}

const UPGRADES: Fixture[] = [
  {
    name: "upgrade-from-0.1.0",
    dynamic: 12,
    legacy: 12,
    sameShape: false,
    total: 14,
    day2: { "s3:minioCpu": "1" },
    replaced: [dyn("Container")],
    live: 9,
  },
  {
    name: "state-0.2.0",
    program: "program",
    dynamic: 21,
    legacy: 0,
    sameShape: true,
    total: 23,
    day2: { "all:minioCpu": "1", "all:env": JSON.stringify({ MODE: "day2" }) },
    // the archive's MinIO and its standby (same size), and the direct container
    replaced: [dyn("Container"), dyn("Container"), dyn("Container")],
    live: 16,
  },
];

interface ExportedResource {
  urn: string;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The stack's dynamic resources, secrets in plaintext (their ciphertext changes on every write). */
async function dynamicResources(ws: StackWorkspace): Promise<ExportedResource[]> {
  const { stdout } = await ws.must(["stack", "export", "--show-secrets"]);
  const exported = JSON.parse(stdout) as {
    deployment: { resources: ExportedResource[] };
  };
  return exported.deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
}

/** The reference to the provider's code, and the fresh tag every check draws (resources/common.ts). */
const REWRITTEN = ["__provider", "__createTag"];
const withoutRewritten = (props: Record<string, unknown> = {}) =>
  Object.fromEntries(Object.entries(props).filter(([key]) => !REWRITTEN.includes(key)));

/** What the resources store besides the keys that are rewritten on every `up`, in URN order. */
const stored = (rs: ExportedResource[]) =>
  rs
    .map((r) => ({
      urn: r.urn,
      id: r.id,
      inputs: withoutRewritten(r.inputs),
      outputs: withoutRewritten(r.outputs),
    }))
    .sort((a, b) => a.urn.localeCompare(b.urn));

/** The outputs keep the packed code of 0.1.0 (not a reference to the installed package). */
const legacy = (r: ExportedResource) =>
  !String(r.outputs!.__provider).includes("pulumi-tfgrid/providers");

describe.each(UPGRADES)("a stack of fixtures/$name", (fixture) => {
  const source = path.join(FIXTURES, fixture.name);
  let dir: string;
  let grid: GridProcess;
  let ws: StackWorkspace;

  beforeAll(async () => {
    dir = tempDir("upgrade");
    const gridDir = path.join(dir, "grid");
    fs.mkdirSync(gridDir, { recursive: true });
    fs.copyFileSync(path.join(source, "grid-state.json"), path.join(gridDir, "state.json"));
    grid = await GridProcess.start({
      dataDir: gridDir,
      args: ["--poll-interval-ms", "50", "--provision-delay-ms", "100"],
    });
    ws = await StackWorkspace.create({
      dir,
      stack: "e2e",
      stackFile: path.join(source, "Pulumi.e2e.yaml"),
      pulumiBinDir: pulumiBinDir(),
      passphrase: "e2e-passphrase",
      env: { TFGRID_POLL_INTERVAL_MS: "100" },
      projectSource: fixture.program && path.join(source, fixture.program),
    });
    await ws.must(["stack", "import", "--file", path.join(source, "state.json")]);
    await ws.setConfig("tfgrid:explorerUrl", grid.url);
  }, 5 * MINUTES);

  afterAll(async () => {
    await grid?.stop();
    if (dir && !process.env.KEEP_E2E_DIRS) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    "plans no change, keeps working, and is destroyed cleanly by the installed package",
    async () => {
      const before = await dynamicResources(ws);
      expect(before).toHaveLength(fixture.dynamic);
      expect(before.filter(legacy)).toHaveLength(fixture.legacy);

      // Nothing to do: check and diff run in the installed package; no replacement, no update.
      await ws.must(["preview", "--expect-no-changes", "--diff"]);
      const up = await ws.must(["up", "--yes", "--skip-preview"]);
      expect(up.stdout).toMatch(new RegExp(`Resources:\\s+${fixture.total} unchanged`));
      const upgraded = await dynamicResources(ws);
      // The inputs name the installed package; the outputs keep the code that created them,
      // which the dynamic-provider host uses to read and delete those reservations.
      for (const r of upgraded) {
        expect(String(r.inputs!.__provider)).toContain("pulumi-tfgrid/providers");
      }
      expect(upgraded.filter(legacy)).toHaveLength(fixture.legacy);
      // The state shape holds: check of the installed package stores the same inputs.
      if (fixture.sameShape) expect(stored(upgraded)).toEqual(stored(before));

      // A day-2 change on the upgraded stack: the new resources are the installed package's, the
      // old ones are cancelled by their own code; the others keep theirs.
      for (const [key, value] of Object.entries(fixture.day2)) await ws.setConfig(key, value);
      const change = await ws.must(["up", "--yes", "--skip-preview"]);
      expect(change.stdout).toMatch(new RegExp(`\\+-${fixture.replaced.length} replaced`));
      const changed = await dynamicResources(ws);
      const idBefore = new Map(upgraded.map((r) => [r.urn, r]));
      const replaced = changed.filter((r) => idBefore.get(r.urn)?.id !== r.id);
      expect(replaced.map((r) => r.type).sort()).toEqual(fixture.replaced);
      expect(replaced.filter(legacy)).toEqual([]);
      for (const r of changed.filter((c) => !replaced.includes(c))) {
        expect(legacy(r)).toBe(legacy(idBefore.get(r.urn)!));
      }
      await ws.must(["preview", "--expect-no-changes"]);

      const client = new ExplorerClient({ baseUrl: grid.url });
      const live = (await client.listReservations({ customer_tid: FIXTURE_TID })).filter(
        (r) => r.next_action === NEXT_ACTION.deploy,
      );
      expect(live).toHaveLength(fixture.live);

      await ws.must(["destroy", "--yes", "--skip-preview"]);
      const left = (await client.listReservations({ customer_tid: FIXTURE_TID })).filter(
        (r) => r.next_action !== NEXT_ACTION.deleted,
      );
      expect(left.map((r) => r.id)).toEqual([]);
    },
    10 * MINUTES,
  );
});
