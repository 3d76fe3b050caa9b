/**
 * A node that fails every workload (issue #5, scenario 6): `pulumi up` fails with the node's own
 * message and leaves no reservation the stack does not know; after the user moves that shard to
 * another node, the next `up` converges.
 */
import * as fs from "fs";
import * as path from "path";
import { Node } from "../../provider/client";
import { repoRoot } from "../../scripts/lib/repo";
import {
  Scenario,
  compareStateWithExplorer,
  endScenario,
  startScenario,
  stateReservations,
  tempDir,
  CONVERGED,
  notDeletedReservations,
} from "./harness";

const MINUTES = 60_000;
const FAILURE = "disk /dev/sdb reports I/O errors";

/** The committed stack file with an explicit shard list instead of the placement request. */
function stackFileWithShardNodes(nodeIds: string[]): string {
  const committed = fs.readFileSync(path.join(repoRoot(), "Pulumi.dev.yaml"), "utf8");
  const withoutPlacement = committed
    .split("\n")
    .filter((line) => !/^\s+s3:shard(Count|Farms)|^\s+- \d+$/.test(line))
    .join("\n");
  const list = nodeIds.map((id) => `    - ${id}`).join("\n");
  const file = path.join(tempDir("stackfile"), "Pulumi.e2e.yaml");
  fs.writeFileSync(file, `${withoutPlacement.trimEnd()}\n  s3:shardNodes:\n${list}\n`);
  return file;
}

describe("a failing node with the real pulumi CLI", () => {
  let s: Scenario;
  let salzburg: Node[];
  let vienna: Node[];

  beforeAll(async () => {
    // Node ids of the default grid are deterministic; ask a throwaway grid for them.
    const probe = await startScenario({ name: "probe-nodes" });
    salzburg = await probe.client.listNodes({ farm: 12775 });
    vienna = await probe.client.listNodes({ farm: 82872 });
    await endScenario(probe);
    const shardNodes = [...salzburg.slice(0, 3), ...vienna.slice(0, 3)].map((n) => n.node_id);
    s = await startScenario({
      name: "failing-node",
      stackFile: stackFileWithShardNodes(shardNodes),
      gridArgs: ["--fail-node", `${vienna[2].node_id}=${FAILURE}`],
    });
  }, 30 * MINUTES);

  afterAll(() => endScenario(s));

  test(
    "6. up fails with the node's message, leaves nothing unknown, and converges once fixed",
    async () => {
      const failed = await s.ws.run(["up", "--yes", "--skip-preview"]);
      expect(failed.code).not.toBe(0);
      expect(failed.stdout + failed.stderr).toContain(FAILURE);
      expect(failed.stdout + failed.stderr).toContain(vienna[2].node_id);
      expect(await compareStateWithExplorer(s)).toEqual(CONVERGED);

      // The fix: move the sixth shard to a healthy Vienna node.
      await s.ws.must(["config", "set", "--path", "s3:shardNodes[5]", vienna[3].node_id]);
      await s.ws.must(["up", "--yes", "--skip-preview"]);
      const inState = await stateReservations(s.ws);
      expect(inState).toHaveLength(9);
      expect(await compareStateWithExplorer(s)).toEqual(CONVERGED);

      await s.ws.must(["destroy", "--yes", "--skip-preview"]);
      expect(await notDeletedReservations(s)).toEqual([]);
    },
    20 * MINUTES,
  );
});
