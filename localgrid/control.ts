/**
 * The control API under `/__localgrid/`, kept apart from explorer routes and never subject to
 * faults: state dump, reset, request counters, fault settings, the grid clock, and — only when
 * started with `exposeSecretsForTests` — the secrets nodes opened (so end-to-end tests can prove
 * a node could open what the provider sealed).
 */
import { badRequest } from "./errors";
import { ok } from "./http";
import type { RouteDef } from "./http";
import type { Store } from "./store";
import { faultPatchSchema } from "./settings";
import type { FaultPatch, FaultSettings } from "./settings";
import { decodeBody } from "./validate";
import { parseGwid } from "./store";

export interface ControlContext {
  store: Store;
  faults(): FaultSettings;
  setFaults(p: FaultPatch): void;
  counters(): Record<string, number>;
  resetCounters(): void;
  /** Adds `GET /__localgrid/secrets/{gwid}`: it hands any user's secrets to anyone. */
  exposeSecretsForTests: boolean;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw badRequest("body is not valid JSON");
  }
}

export function controlRoutes(ctx: ControlContext): RouteDef[] {
  const { store } = ctx;
  const routes: RouteDef[] = [
    { method: "GET", template: "/__localgrid/state", handler: () => ok(store.dump()) },
    {
      method: "POST",
      template: "/__localgrid/reset",
      handler: () => {
        store.reset();
        ctx.resetCounters();
        return ok({ reset: true });
      },
    },
    { method: "GET", template: "/__localgrid/counters", handler: () => ok(ctx.counters()) },
    { method: "GET", template: "/__localgrid/faults", handler: () => ok(ctx.faults()) },
    {
      method: "PUT",
      template: "/__localgrid/faults",
      handler: ({ body }) => {
        const parsed = faultPatchSchema.safeParse(parseJson(body));
        if (!parsed.success) {
          throw badRequest(
            parsed.error.issues
              .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
              .join("; "),
          );
        }
        const unknown = [
          ...(parsed.data.downNodes ?? []),
          ...Object.keys(parsed.data.failingNodes ?? {}),
          ...(parsed.data.oddResultNodes ?? []),
        ].filter((id) => !store.nodes.has(id));
        if (unknown.length) throw badRequest(`unknown node id(s): ${unknown.join(", ")}`);
        ctx.setFaults(parsed.data);
        return ok(ctx.faults());
      },
    },
    {
      method: "GET",
      template: "/__localgrid/clock",
      handler: () => ok({ now: store.now(), offsetSeconds: store.clockOffsetSeconds }),
    },
    {
      method: "PUT",
      template: "/__localgrid/clock",
      handler: ({ body }) => {
        const b = decodeBody<{ offsetSeconds: number }>(body, {
          k: "struct",
          name: "clock",
          fields: { offsetSeconds: { k: "int", go: "int64" } },
        });
        store.clockOffsetSeconds = b.offsetSeconds;
        store.changed();
        return ok({ now: store.now(), offsetSeconds: store.clockOffsetSeconds });
      },
    },
  ];
  if (ctx.exposeSecretsForTests) {
    routes.push({
      method: "GET",
      template: "/__localgrid/secrets/{gwid}",
      handler: ({ params }) => {
        parseGwid(params.gwid);
        return ok(store.getSecrets(params.gwid));
      },
    });
  }
  return routes;
}
