/**
 * Phonebook routes (docs/protocol.md#users). Emails are hidden in lists and gets: no HTTP-signature
 * auth here.
 */
import type { Store } from "../store";
import { paginate } from "../store";
import { ok } from "../http";
import type { RouteDef } from "../http";
import type { User } from "../types";

const hideEmail = (u: User): User => ({ ...u, email: "" });

export function userRoutes(store: Store): RouteDef[] {
  return [
    {
      method: "POST",
      template: "/explorer/users",
      handler: ({ body }) => ok(store.createUser(body), 201),
    },
    {
      method: "GET",
      template: "/explorer/users",
      handler: ({ query }) => {
        const page = paginate(
          store.listUsers(query.get("name"), query.get("email")),
          query.get("page"),
          query.get("size"),
        );
        return ok(page.items.map(hideEmail), 200, { Pages: page.pages });
      },
    },
    {
      method: "GET",
      template: "/explorer/users/{tid}",
      handler: ({ params }) => ok(hideEmail(store.getUser(params.tid))),
    },
    {
      method: "PUT",
      template: "/explorer/users/{tid}",
      handler: ({ params, body }) => {
        store.updateUser(params.tid, body);
        return ok(null);
      },
    },
    {
      method: "POST",
      template: "/explorer/users/{tid}/validate",
      handler: ({ params, body }) => ok(store.validateUser(params.tid, body)),
    },
  ];
}
