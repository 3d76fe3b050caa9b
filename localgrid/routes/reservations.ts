/**
 * Reservation routes, customer side and node side (docs/protocol.md#reservation-routes). Thin: the
 * store does the work.
 */
import type { Store } from "../store";
import { pagedReply } from "../paging";
import { JsonText, ok, route } from "../http";
import type { RouteDef } from "../http";
import type { Reservation } from "../types";

const GWID = "{gwid:\\d+-\\d+}";
/**
 * Reservation ids are typed in the route (docs/protocol.md#e10-router-404-and-405):
 * `/reservations/abc` is the router's 404.
 */
const RID = "{id:\\d+}";

export function reservationRoutes(store: Store): RouteDef[] {
  const R = "/explorer/reservations";
  return [
    route("POST", R, ({ body }) => ok(store.createReservation(body), 201)),
    route("GET", R, ({ query }) => {
      const all = store.listReservations(query.get("customer_tid"), query.get("next_action"));
      const json = (items: Reservation[]) => `[${items.map((r) => store.viewJson(r)).join(",")}]`;
      return pagedReply(all, query, (items) => new JsonText(json(items)));
    }),
    // The poll is registered before the workload get, as on the real explorer, and `{node_id}`
    // matches "10-1": `GET .../workloads/10-1?from=0` is a poll for node "10-1"
    // (docs/protocol.md#e11-poll-route-first).
    route(
      "GET",
      `${R}/workloads/{node_id}`,
      ({ params, query }) => {
        const { items, lastId } = store.poll(params.node_id, Number(query.get("from")));
        return ok(items, 200, { "X-Last-Id": String(lastId) });
      },
      { from: /^\d+$/ },
    ),
    route("GET", `${R}/workloads/${GWID}`, ({ params }) => ok(store.getWorkload(params.gwid))),
    route("PUT", `${R}/workloads/${GWID}/{node_id}`, ({ params, body }) => {
      store.putResult(params.gwid, params.node_id, body);
      return ok(null, 201);
    }),
    route("DELETE", `${R}/workloads/${GWID}/{node_id}`, ({ params }) => {
      store.deleteWorkload(params.gwid, params.node_id);
      return ok(null);
    }),
    route("GET", `${R}/${RID}`, ({ params }) =>
      ok(new JsonText(store.viewJson(store.getReservation(params.id)))),
    ),
    route("POST", `${R}/${RID}/sign/provision`, ({ params, body }) => {
      store.signProvision(params.id, body);
      return ok(null, 201);
    }),
    route("POST", `${R}/${RID}/sign/delete`, ({ params, body }) => {
      store.signDelete(params.id, body);
      return ok(null, 201);
    }),
  ];
}
