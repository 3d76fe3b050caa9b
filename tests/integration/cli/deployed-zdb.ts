import type { ExplorerClient } from "../../../provider/client/explorer";
import type { Identity } from "../../../provider/identity";
import {
  registerIdempotent,
  reservationData,
  TAG_PREFIX,
  waitForResults,
} from "../../../provider/reservation";
import { zdbWorkload } from "../../../provider/resources/zdb-provider";

/**
 * Registers one 0-db on `node` with the provider's own code — under `pulumi-tfgrid:<tag>` when a
 * tag is given, else under a fresh one — and waits up to `waitMs` until it is deployed. Returns
 * the reservation id and its expiry (Unix seconds).
 */
export async function deployZdb(
  client: ExplorerClient,
  identity: Identity,
  node: string,
  opts: { tag?: string; waitMs: number; sizeGiB?: number; durationHours?: number },
): Promise<{ rid: number; expiration: number }> {
  const data = reservationData(
    identity.tid,
    {
      zdbs: [
        zdbWorkload({
          nodeId: node,
          sizeGiB: opts.sizeGiB ?? 1,
          mode: "seq",
          password: "",
          diskType: "SSD",
          public: false,
        }),
      ],
    },
    {
      now: Math.floor(Date.now() / 1000),
      durationHours: opts.durationHours ?? 1,
      deployTimeoutSeconds: 30,
    },
  );
  const tag = opts.tag === undefined ? undefined : TAG_PREFIX + opts.tag;
  const rid = await registerIdempotent(client, identity, data, () => undefined, tag);
  await waitForResults(client, {
    rid,
    gwid: `${rid}-1`,
    what: "0-db",
    nodeIds: [node],
    deadlineMs: Date.now() + opts.waitMs,
    pollIntervalMs: 20,
    log: () => undefined,
  });
  return { rid, expiration: data.expiration_reservation as number };
}
