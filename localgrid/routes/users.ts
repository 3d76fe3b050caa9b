/**
 * Phonebook routes (docs/protocol.md#users). Emails are hidden in lists and gets: no HTTP-signature
 * auth here.
 */
import { ok, route } from "../http";
import type { RouteDef } from "../http";
import { pagedReply } from "../paging";
import type { Phonebook } from "../phonebook";
import type { User } from "../types";

const hideEmail = (u: User): User => ({ ...u, email: "" });

export function userRoutes(users: Phonebook): RouteDef[] {
  return [
    route("POST", "/explorer/users", ({ body }) => ok(users.create(body), 201)),
    route("GET", "/explorer/users", ({ query }) => {
      const all = users.list(query.get("name"), query.get("email"));
      return pagedReply(all, query, (items) => items.map(hideEmail));
    }),
    route("GET", "/explorer/users/{tid}", ({ params }) => ok(hideEmail(users.get(params.tid)))),
    route("PUT", "/explorer/users/{tid}", ({ params, body }) => {
      users.update(params.tid, body);
      return ok(null);
    }),
    route("POST", "/explorer/users/{tid}/validate", ({ params, body }) =>
      ok(users.validate(params.tid, body)),
    ),
  ];
}
