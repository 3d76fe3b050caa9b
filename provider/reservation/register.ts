// Registering a reservation exactly once, although `POST /reservations` is not safe to repeat.
import { randomUUID } from "crypto";
import {
  ExplorerError,
  ExplorerNetworkError,
  ExplorerResponseError,
  ExplorerServerError,
} from "../client/errors";
import type { ExplorerClient } from "../client/explorer";
import type { Reservation } from "../client/schemas";
import type { Identity } from "../identity";
import { createBody, TAG_PREFIX } from "./body";
import { sleep, type Log } from "./polling";

const MAX_REGISTER_ATTEMPTS = 4;
/** Lookups of a possibly registered reservation before giving up (each one a paged GET). */
const MAX_LOOKUPS = 10;

/** A failure after which the POST may have registered the reservation all the same. */
function isAmbiguous(e: unknown): boolean {
  return (
    (e instanceof ExplorerError && e.ambiguous) ||
    e instanceof ExplorerNetworkError ||
    e instanceof ExplorerResponseError ||
    e instanceof ExplorerServerError
  );
}

const backoffMs = (n: number): number => Math.min(4000, 250 * 2 ** n);

/**
 * Registers exactly one reservation. POST is not safe to repeat, so after an ambiguous failure
 * (no answer, a 5xx, or an unreadable answer) the customer's reservations are searched for the
 * tag first; only when a search answered and none carries the tag is the same body posted again.
 * A search that fails is repeated, never replaced by another POST (that could register twice).
 */
export async function registerIdempotent(
  client: ExplorerClient,
  identity: Identity,
  data: Record<string, unknown>,
  log: Log,
  tag: string = TAG_PREFIX + randomUUID(),
): Promise<number> {
  const body = createBody(identity, data, tag);
  let last: unknown;
  let posts = 0;
  let lookups = 0;
  // True while a POST may have registered the reservation and no search has answered since.
  let unsure = false;
  for (;;) {
    if (unsure) {
      if (lookups >= MAX_LOOKUPS) {
        throw new Error(
          `could not tell whether the reservation was registered (tag ${tag}): ${lookups} searches for it failed, the last with ${(last as Error).message}; if \`tfgrid reservations\` shows one with that tag, cancel it or run \`pulumi refresh\``,
        );
      }
      lookups++;
      try {
        const found = await findByTag(client, identity.tid, tag);
        if (found !== undefined) return found.id;
        unsure = false;
      } catch (lookup) {
        last = lookup;
        await sleep(backoffMs(Math.min(lookups, 4)));
        continue;
      }
    }
    if (posts >= MAX_REGISTER_ATTEMPTS) break;
    posts++;
    try {
      return (await client.createReservation(body)).reservation_id;
    } catch (e) {
      if (!isAmbiguous(e)) throw e;
      last = e;
      unsure = true;
      log(
        `registering the reservation failed ambiguously (${(e as Error).message}); looking it up`,
      );
      await sleep(backoffMs(posts));
    }
  }
  throw new Error(
    `could not register the reservation after ${MAX_REGISTER_ATTEMPTS} attempts (tag ${tag}): ${(last as Error).message}`,
  );
}

/** The customer's reservation whose metadata carries `tag`, if any. */
export async function findByTag(
  client: ExplorerClient,
  tid: number,
  tag: string,
): Promise<Reservation | undefined> {
  const all = await client.listReservations({ customer_tid: tid });
  return all.find((r) => r.metadata === tag);
}
