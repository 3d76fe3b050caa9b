/**
 * A delete signed while the node is still provisioning the workload, its provision result put
 * before the node polls again: the node must still decommission it, and the reservation reach
 * deleted (6). Before the fix the provision result dropped the queued decommission, so the
 * reservation stayed at delete (4) with an ok result for good — and a provider cancelling a
 * just-failed create waited out its whole deadline.
 */
import {
  createReservation,
  dataReservation,
  http,
  signDelete,
  waitResults,
  waitState,
  zdb,
  useGrid,
} from "./helpers";

const PROVISION_MS = 400;
const fx = useGrid(undefined, { provisionDelayMs: PROVISION_MS });

it("a delete signed mid-provision is carried out after the result", async () => {
  const node = fx.all[3];
  const rid = await createReservation(
    fx.url,
    fx.user,
    dataReservation(fx.user, { zdbs: [zdb(node, 1)] }),
  );
  // The node polls every 20 ms: by now it has taken the item and is provisioning it. Down, it
  // polls no more until its provision result is in (a down node finishes what it started).
  await new Promise((resolve) => setTimeout(resolve, PROVISION_MS / 4));
  fx.grid.setFaults({ downNodes: [node.node_id] });
  expect((await signDelete(fx.url, fx.user, rid)).status).toBe(201);
  const provisioned = await waitResults(fx.url, rid, 1);
  expect(provisioned.results.map((r) => r.state)).toEqual([1]);
  fx.grid.setFaults({ downNodes: [] });
  const done = await waitState(fx.url, rid, 6);
  expect(done.results.map((r) => [r.workload_id, r.state])).toEqual([[`${rid}-1`, 2]]);
  expect((await http("GET", `${fx.url}/reservations/${rid}`)).body.next_action).toBe(6);
});
