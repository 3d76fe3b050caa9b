import * as pulumi from "@pulumi/pulumi";
import { providerReference } from "../provider-reference";
import { z } from "zod";
import { nodeIdToPublicKeyHex, sealForNode } from "../crypto";
import type { Reservation } from "../client/schemas";
import { makeProvider, withDuration, WORKLOAD_ID, type Props, type ResourceSpec } from "./common";
import {
  bool,
  durationSchema,
  known,
  nodeIdSchema,
  oneOf,
  positiveInt,
  unknownNodeFailures,
  validate,
} from "./validation";

/** Arguments of a 0-db namespace. */
export interface ZdbNamespaceArgs {
  /** Node (base58 id) hosting the namespace. */
  nodeId: pulumi.Input<string>;
  /** Size in GiB (whole number). */
  sizeGiB: pulumi.Input<number>;
  /** `"seq"` (append-only, what MinIO shards need) or `"user"`. Default `"seq"`. */
  mode?: pulumi.Input<"seq" | "user">;
  /** Namespace password, sealed to the node; kept secret in state. Default `""` (none). */
  password?: pulumi.Input<string>;
  /** `"SSD"` or `"HDD"`. Default `"SSD"`. */
  diskType?: pulumi.Input<"SSD" | "HDD">;
  /** Public namespace (anyone may write without the password). Default false. */
  public?: pulumi.Input<boolean>;
  /** Reservation length in hours. Default: config `tfgrid:durationHours` (24). */
  durationHours?: pulumi.Input<number>;
}

const schema = () =>
  z.object({
    nodeId: known(nodeIdSchema()),
    sizeGiB: known(positiveInt("sizeGiB (GiB)", 100_000)),
    mode: known(oneOf(["seq", "user"] as const, "0-db mode")),
    password: known(z.string({ message: "password must be a string" })),
    diskType: known(oneOf(["SSD", "HDD"] as const, "diskType")),
    public: known(bool("public")),
    durationHours: known(durationSchema()),
  });

/** Prefers a routable address: not Yggdrasil (200::/7). Accepts `{IP}` and `{IPs: [...]}`. */
export function zdbAddress(data: unknown): string {
  const d = (data ?? {}) as { IP?: unknown; IPs?: unknown };
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

/** The ZDB workload (explorer-api §3.5). */
export function zdbWorkload(p: Props): object {
  const password = String(p.password ?? "");
  return {
    workload_id: WORKLOAD_ID,
    node_id: p.nodeId,
    size: p.sizeGiB,
    mode: p.mode === "user" ? 1 : 0,
    password: password === "" ? "" : sealForNode(nodeIdToPublicKeyHex(String(p.nodeId)), password),
    disk_type: p.diskType === "HDD" ? 0 : 1,
    public: p.public,
    stats_aggregator: [],
    farmer_tid: 0,
  };
}

export const zdbSpec: ResourceSpec = {
  type: "ZdbNamespace",
  inputKeys: ["nodeId", "sizeGiB", "mode", "password", "diskType", "public", "durationHours"],
  normalize: (p) => ({ mode: "seq", password: "", diskType: "SSD", public: false, ...p }),
  async check(news, _olds, config) {
    const inputs: Props = {
      nodeId: news.nodeId,
      sizeGiB: news.sizeGiB,
      mode: news.mode ?? "seq",
      password: news.password ?? "",
      diskType: news.diskType ?? "SSD",
      public: news.public ?? false,
      durationHours: withDuration(news, config),
    };
    const failures = validate(schema(), inputs);
    failures.push(...(await unknownNodeFailures(config, inputs.nodeId)));
    return { inputs, failures };
  },
  secretInputs: ["password"],
  deleteBeforeReplace: () => false,
  async build(inputs) {
    return {
      lists: { zdbs: [zdbWorkload(inputs)] },
      what: "0-db",
      nodeIds: [String(inputs.nodeId)],
    };
  },
  results(props: Props, r: Reservation): Props {
    const res = r.results.find((x) => x.workload_id === `${r.id}-${WORKLOAD_ID}` && x.state === 1);
    if (!res) return {};
    const d = (res.data_json ?? {}) as { Namespace?: string; Port?: number };
    const namespace = d.Namespace || `${r.id}-${WORKLOAD_ID}`;
    const ip = zdbAddress(res.data_json);
    const port = typeof d.Port === "number" ? d.Port : 9900;
    return {
      namespace,
      ip,
      port,
      endpoint: zdbEndpoint(namespace, String(props.password ?? ""), ip, port),
    };
  },
};

export const zdbNamespaceProvider = makeProvider(zdbSpec);

/** A 0-db namespace: one reservation holding one ZDB workload. */
export class ZdbNamespace extends pulumi.dynamic.Resource {
  declare readonly nodeId: pulumi.Output<string>;
  declare readonly sizeGiB: pulumi.Output<number>;
  declare readonly mode: pulumi.Output<"seq" | "user">;
  declare readonly password: pulumi.Output<string>;
  declare readonly diskType: pulumi.Output<"SSD" | "HDD">;
  declare readonly public: pulumi.Output<boolean>;
  declare readonly durationHours: pulumi.Output<number>;
  /** The reservation id (also the resource id). */
  declare readonly reservationId: pulumi.Output<number>;
  /** `<rid>-<wid>`, the node's name for the workload. */
  declare readonly workloadId: pulumi.Output<string>;
  declare readonly namespace: pulumi.Output<string>;
  declare readonly ip: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  /** `ns:password@[ip]:port` (secret), the MinIO `SHARDS` entry. */
  declare readonly endpoint: pulumi.Output<string>;
  /** Absolute expiry (ISO 8601), computed at create. */
  declare readonly expiresAt: pulumi.Output<string>;

  constructor(name: string, args: ZdbNamespaceArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      nodeId: args.nodeId,
      sizeGiB: args.sizeGiB,
      mode: args.mode,
      password: args.password === undefined ? undefined : pulumi.secret(args.password),
      diskType: args.diskType,
      public: args.public,
      durationHours: args.durationHours,
      reservationId: undefined,
      workloadId: undefined,
      namespace: undefined,
      ip: undefined,
      port: undefined,
      endpoint: undefined,
      expiresAt: undefined,
    };
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "password", "endpoint"];
    super(
      providerReference("ZdbNamespace"),
      name,
      props,
      { ...opts, additionalSecretOutputs: secrets },
      "tfgrid",
      "ZdbNamespace",
    );
  }
}
