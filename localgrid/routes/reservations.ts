/**
 * Reservation routes, customer side and node side (docs/protocol.md#reservation-routes). Thin: the
 * store does the work.
 */
import type { Store } from "../store";
import { paginate } from "../store";
import { JsonText, ok } from "../http";
import type { RouteDef } from "../http";

const GWID = "{gwid:\\d+-\\d+}";
/**
 * Reservation ids are typed in the route (docs/protocol.md#e10-router-404-and-405):
 * `/reservations/abc` is the router's 404.
 */
const RID = "{id:\\d+}";

export function reservationRoutes(store: Store): RouteDef[] {
  return [
    {
      method: "POST",
      template: "/explorer/reservations",
      handler: ({ body }) => ok(store.createReservation(body), 201),
    },
    {
      method: "GET",
      template: "/explorer/reservations",
      handler: ({ query }) => {
        const all = store.listReservations(query.get("customer_tid"), query.get("next_action"));
        const page = paginate(all, query.get("page"), query.get("size"));
        const text = `[${page.items.map((r) => store.viewJson(r)).join(",")}]`;
        return ok(new JsonText(text), 200, { Pages: page.pages });
      },
    },
    // The poll is registered before the workload get, as on the real explorer, and `{node_id}`
    // matches "10-1": `GET .../workloads/10-1?from=0` is a poll for node "10-1"
    // (docs/protocol.md#e11-poll-route-first).
    {
      method: "GET",
      template: "/explorer/reservations/workloads/{node_id}",
      queries: { from: /^\d+$/ },
      handler: ({ params, query }) => {
        const { items, lastId } = store.poll(params.node_id, Number(query.get("from")));
        return ok(items, 200, { "X-Last-Id": String(lastId) });
      },
    },
    {
      method: "GET",
      template: `/explorer/reservations/workloads/${GWID}`,
      handler: ({ params }) => ok(store.getWorkload(params.gwid)),
    },
    {
      method: "PUT",
      template: `/explorer/reservations/workloads/${GWID}/{node_id}`,
      handler: ({ params, body }) => {
        store.putResult(params.gwid, params.node_id, body);
        return ok(null, 201);
      },
    },
    {
      method: "DELETE",
      template: `/explorer/reservations/workloads/${GWID}/{node_id}`,
      handler: ({ params }) => {
        store.deleteWorkload(params.gwid, params.node_id);
        return ok(null);
      },
    },
    {
      method: "GET",
      template: `/explorer/reservations/${RID}`,
      handler: ({ params }) => ok(new JsonText(store.viewJson(store.getReservation(params.id)))),
    },
    {
      method: "POST",
      template: `/explorer/reservations/${RID}/sign/provision`,
      handler: ({ params, body }) => {
        store.signProvision(params.id, body);
        return ok(null, 201);
      },
    },
    {
      method: "POST",
      template: `/explorer/reservations/${RID}/sign/delete`,
      handler: ({ params, body }) => {
        store.signDelete(params.id, body);
        return ok(null, 201);
      },
    },
  ];
}
