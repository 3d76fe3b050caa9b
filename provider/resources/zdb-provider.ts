// ZdbNamespace, provider side: validation, the ZDB workload and its results. Runs in the provider
// host; the program side is zdb.ts.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { nodeIdToPublicKeyHex, sealForNode } from "../crypto";
import { WORKLOAD_ID } from "./common";
import { makeProvider } from "./make-provider";
import { onNodeSchema, singleWorkloadSpec } from "./single-workload";
import { bool, isPlainObject, known, oneOf, positiveInt, type Known } from "./validation";
import { ZDB_DEFAULTS, ZDB_SHAPE } from "./zdb";

/** Characters that end the password inside `ns:password@[ip]:port` or a `SHARDS` list. */
const URL_BREAKERS = /[,@:/?#]/;

const schema = () =>
  onNodeSchema({
    sizeGiB: known(positiveInt("sizeGiB (GiB)", 100_000)),
    mode: known(oneOf(["seq", "user"] as const, "0-db mode")),
    password: known(
      z.string({ message: "password must be a string" }).refine((v) => !URL_BREAKERS.test(v), {
        // Never the value: it is a secret.
        message:
          "the password holds one of , @ : / ? #, which would end it inside the endpoint MinIO reads (ns:password@[ip]:port); choose a password without them",
      }),
    ),
    diskType: known(oneOf(["SSD", "HDD"] as const, "diskType")),
    public: known(bool("public")),
  });

/** A ZdbNamespace's inputs as create receives them. */
export type ZdbInputs = Known<z.infer<ReturnType<typeof schema>>>;

export interface ZdbOutputs extends Record<string, unknown> {
  namespace: string;
  ip: string;
  port: number;
  endpoint: string;
}

/** Prefers a routable address: not Yggdrasil (200::/7). Accepts `{IP}` and `{IPs: [...]}`. */
export function zdbAddress(data: unknown): string {
  const d = isPlainObject(data) ? data : {};
  const all = [
    ...(Array.isArray(d.IPs) ? d.IPs : []),
    ...(typeof d.IP === "string" ? [d.IP] : []),
  ].filter((x): x is string => typeof x === "string" && x.length > 0);
  const ygg = (ip: string) => /^0*[23][0-9a-f]{2}:/i.test(ip);
  return all.find((ip) => !ygg(ip)) ?? all[0] ?? "";
}

export function zdbEndpoint(ns: string, password: string, ip: string, port: number): string {
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return `${ns}:${password}@${host}:${port}`;
}

/** The ZDB workload (protocol.md#zdb-workload). */
export function zdbWorkload(p: Omit<ZdbInputs, "durationHours">): object {
  const password = p.password ?? "";
  return {
    workload_id: WORKLOAD_ID,
    node_id: p.nodeId,
    size: p.sizeGiB,
    mode: p.mode === "user" ? 1 : 0,
    password: password === "" ? "" : sealForNode(nodeIdToPublicKeyHex(p.nodeId), password),
    disk_type: p.diskType === "HDD" ? 0 : 1,
    public: p.public,
    stats_aggregator: [],
    farmer_tid: 0,
  };
}

export const zdbSpec = singleWorkloadSpec<ZdbInputs, ZdbOutputs>({
  type: "ZdbNamespace",
  inputKeys: ZDB_SHAPE.inputs,
  defaults: ZDB_DEFAULTS,
  schema,
  secretInputs: ["password"],
  list: "zdbs",
  what: "0-db",
  workload: zdbWorkload,
  results(inputs, data, r) {
    if (!data) return {};
    const namespace =
      typeof data.Namespace === "string" && data.Namespace !== ""
        ? data.Namespace
        : `${r.id}-${WORKLOAD_ID}`;
    const ip = zdbAddress(data);
    const port = typeof data.Port === "number" ? data.Port : 9900;
    return {
      namespace,
      ip,
      port,
      endpoint: zdbEndpoint(namespace, inputs.password ?? "", ip, port),
    };
  },
});

/** Registered in providers.ts; the host hands it the engine's untyped values. */
export const zdbNamespaceProvider: pulumi.dynamic.ResourceProvider = makeProvider(zdbSpec);
