import * as pulumi from "@pulumi/pulumi";
import { providerReference } from "../provider-reference";
import { z } from "zod";
import { nodeIdToPublicKeyHex, sealForNode } from "../crypto";
import type { Reservation } from "../client/schemas";
import { makeProvider, withDuration, WORKLOAD_ID, type Props, type ResourceSpec } from "./common";
import {
  bool,
  containerIpSchema,
  durationSchema,
  envMap,
  known,
  nodeIdSchema,
  nonEmptyString,
  positiveInt,
  unknownNodeFailures,
  validate,
  type Failure,
} from "./validation";

/** Arguments of a container. */
export interface ContainerArgs {
  /** Node (base58 id) running the container. */
  nodeId: pulumi.Input<string>;
  /** Flist URL, e.g. `https://hub.grid.tf/azmy.3bot/minio.flist`. */
  flist: pulumi.Input<string>;
  /** Command run at start. Default `""` (the flist's own). */
  entrypoint?: pulumi.Input<string>;
  /** Plain environment. Never put secrets here: use `secretEnv`. Default `{}`. */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Environment whose values are sealed to the node; secret in state. Default `{}`. */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** vCPUs, 1–32. Default 1. */
  cpu?: pulumi.Input<number>;
  /** Memory in MiB, 128–262144. Default 1024. */
  memoryMiB?: pulumi.Input<number>;
  /** Root filesystem size in MiB. Default 256. */
  diskSizeMiB?: pulumi.Input<number>;
  /** Overlay network (by name) and the container's IPv4 inside the node's /24. */
  network?: pulumi.Input<{ name: pulumi.Input<string>; ip: pulumi.Input<string> }>;
  /** Volumes (`<rid>-<wid>` on the same node) and absolute mountpoints. Default `[]`. */
  volumes?: pulumi.Input<
    pulumi.Input<{ volumeId: pulumi.Input<string>; mountpoint: pulumi.Input<string> }>[]
  >;
  /** Request a public IPv6. Default false. */
  publicIp6?: pulumi.Input<boolean>;
  /** Run coreX (web console) instead of the entrypoint. Default false. */
  interactive?: pulumi.Input<boolean>;
  /** Reservation length in hours. Default: config `tfgrid:durationHours` (24). */
  durationHours?: pulumi.Input<number>;
}

export const CONTAINER_DEFAULTS = {
  entrypoint: "",
  env: {},
  secretEnv: {},
  cpu: 1,
  memoryMiB: 1024,
  diskSizeMiB: 256,
  volumes: [],
  publicIp6: false,
  interactive: false,
} as const;

// Names that hold credentials in the workloads we run (MinIO; TLOG/MASTER carry a 0-db password): they belong in secretEnv.
const SECRET_NAMES = /^(SHARDS|SECRET_KEY|TLOG|MASTER|.*PASSWORD.*|.*_SECRET)$/i;

const flistSchema = (): z.ZodTypeAny =>
  z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "string" || !/^https?:\/\/\S+\.flist$/.test(v)) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v) ?? "(missing)"} is not an flist URL; use e.g. "https://hub.grid.tf/<user>/<name>.flist"`,
      });
    } else if (v.startsWith("http:")) {
      // The node runs whatever image it downloads: plain http lets the network swap it.
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v)} is fetched over plain http, so the image could be swapped on the way; use https ("${v.replace(/^http:/, "https:")}")`,
      });
    }
  });

const volumeIdSchema = (): z.ZodTypeAny =>
  z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "string" || !/^\d*-\d+$/.test(v)) {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v) ?? "(missing)"} is not a volume id; use a Volume's volumeId output ("<rid>-<wid>")`,
      });
    }
  });

const mountpointSchema = (): z.ZodTypeAny =>
  z.unknown().superRefine((v, ctx) => {
    if (typeof v !== "string" || !v.startsWith("/") || v === "/") {
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(v) ?? "(missing)"} is not an absolute mountpoint; use e.g. "/data"`,
      });
    }
  });

const schema = () =>
  z.object({
    nodeId: known(nodeIdSchema()),
    flist: known(flistSchema()),
    entrypoint: known(z.string({ message: "entrypoint must be a string" })),
    env: known(envMap("env")),
    secretEnv: known(envMap("secretEnv")),
    cpu: known(positiveInt("cpu (vCPU)", 32)),
    memoryMiB: known(positiveInt("memoryMiB (MiB)", 262_144, 128)),
    diskSizeMiB: known(positiveInt("diskSizeMiB (MiB)", 2_097_152)),
    network: known(
      z.object({
        name: known(nonEmptyString("network.name", "use the Network's name")),
        ip: known(containerIpSchema()),
      }),
    ).optional(),
    volumes: known(
      z.array(
        known(
          z.object({ volumeId: known(volumeIdSchema()), mountpoint: known(mountpointSchema()) }),
        ),
      ),
    ),
    publicIp6: known(bool("publicIp6")),
    interactive: known(bool("interactive")),
    durationHours: known(durationSchema()),
  });

function crossChecks(p: Props): Failure[] {
  const out: Failure[] = [];
  const env = p.env && typeof p.env === "object" ? (p.env as Record<string, unknown>) : {};
  const secret =
    p.secretEnv && typeof p.secretEnv === "object" ? (p.secretEnv as Record<string, unknown>) : {};
  for (const k of Object.keys(env)) {
    if (SECRET_NAMES.test(k)) {
      out.push({
        property: `env.${k}`,
        reason: `${k} holds a credential and would be stored in plain text on the grid; move it to secretEnv`,
      });
    } else if (k in secret) {
      out.push({
        property: `env.${k}`,
        reason: `${k} is set in both env and secretEnv; keep it in one of them`,
      });
    }
  }
  if (Array.isArray(p.volumes)) {
    const seen = new Set<unknown>();
    (p.volumes as { mountpoint?: unknown }[]).forEach((v, i) => {
      if (v && typeof v === "object" && typeof v.mountpoint === "string") {
        if (seen.has(v.mountpoint)) {
          out.push({
            property: `volumes.${i}.mountpoint`,
            reason: `${v.mountpoint} is mounted twice; give each volume its own mountpoint`,
          });
        }
        seen.add(v.mountpoint);
      }
    });
  }
  return out;
}

/** The Container workload (explorer-api §3.7); secret env values sealed to the node. */
export function containerWorkload(p: Props): object {
  const nodeKey = nodeIdToPublicKeyHex(String(p.nodeId));
  const secretEnv = (p.secretEnv ?? {}) as Record<string, string>;
  const net = p.network as { name: string; ip: string } | undefined;
  return {
    workload_id: WORKLOAD_ID,
    node_id: p.nodeId,
    flist: p.flist,
    hub_url: "",
    environment: p.env ?? {},
    secret_environment: Object.fromEntries(
      Object.entries(secretEnv).map(([k, v]) => [k, sealForNode(nodeKey, v)]),
    ),
    entrypoint: p.entrypoint ?? "",
    interactive: p.interactive ?? false,
    volumes: ((p.volumes ?? []) as { volumeId: string; mountpoint: string }[]).map((v) => ({
      volume_id: v.volumeId,
      mountpoint: v.mountpoint,
    })),
    network_connection: net
      ? [{ network_id: net.name, ipaddress: net.ip, public_ip6: p.publicIp6 ?? false }]
      : [],
    stats_aggregator: [],
    logs: [],
    farmer_tid: 0,
    capacity: { cpu: p.cpu, memory: p.memoryMiB, disk_size: p.diskSizeMiB, disk_type: 1 },
  };
}

export const containerSpec: ResourceSpec = {
  type: "Container",
  inputKeys: [
    "nodeId",
    "flist",
    "entrypoint",
    "env",
    "secretEnv",
    "cpu",
    "memoryMiB",
    "diskSizeMiB",
    "network",
    "volumes",
    "publicIp6",
    "interactive",
    "durationHours",
  ],
  normalize: (p) => ({ ...CONTAINER_DEFAULTS, ...p }),
  async check(news, _olds, config) {
    const inputs: Props = { nodeId: news.nodeId, flist: news.flist };
    for (const [k, d] of Object.entries(CONTAINER_DEFAULTS)) inputs[k] = news[k] ?? d;
    if (news.network !== undefined) inputs.network = news.network;
    inputs.durationHours = withDuration(news, config);
    const failures = [...validate(schema(), inputs), ...crossChecks(inputs)];
    failures.push(...(await unknownNodeFailures(config, inputs.nodeId)));
    return { inputs, failures };
  },
  secretInputs: ["secretEnv"],
  deleteBeforeReplace(olds, news) {
    const a = olds.network as { name?: unknown; ip?: unknown } | undefined;
    const b = news.network as { name?: unknown; ip?: unknown } | undefined;
    return !!a && !!b && olds.nodeId === news.nodeId && a.name === b.name && a.ip === b.ip;
  },
  async build(inputs) {
    return {
      lists: { containers: [containerWorkload(inputs)] },
      what: "container",
      nodeIds: [String(inputs.nodeId)],
    };
  },
  results(_props: Props, r: Reservation): Props {
    const res = r.results.find((x) => x.workload_id === `${r.id}-${WORKLOAD_ID}` && x.state === 1);
    const d = (res?.data_json ?? {}) as { ipv4?: string; ipv6?: string };
    return { ipv4: d.ipv4 ?? "", ipv6: d.ipv6 ?? "" };
  },
};

export const containerProvider = makeProvider(containerSpec);

/** A container: one reservation holding one Container workload. */
export class Container extends pulumi.dynamic.Resource {
  declare readonly nodeId: pulumi.Output<string>;
  declare readonly flist: pulumi.Output<string>;
  declare readonly env: pulumi.Output<Record<string, string>>;
  declare readonly secretEnv: pulumi.Output<Record<string, string>>;
  declare readonly durationHours: pulumi.Output<number>;
  declare readonly reservationId: pulumi.Output<number>;
  declare readonly workloadId: pulumi.Output<string>;
  /** The private IPv4 in the overlay network. */
  declare readonly ipv4: pulumi.Output<string>;
  /** The public IPv6 when `publicIp6`, else "". */
  declare readonly ipv6: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string>;

  constructor(name: string, args: ContainerArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      nodeId: args.nodeId,
      flist: args.flist,
      entrypoint: args.entrypoint,
      env: args.env,
      secretEnv: args.secretEnv === undefined ? undefined : pulumi.secret(args.secretEnv),
      cpu: args.cpu,
      memoryMiB: args.memoryMiB,
      diskSizeMiB: args.diskSizeMiB,
      network: args.network,
      volumes: args.volumes,
      publicIp6: args.publicIp6,
      interactive: args.interactive,
      durationHours: args.durationHours,
      reservationId: undefined,
      workloadId: undefined,
      ipv4: undefined,
      ipv6: undefined,
      expiresAt: undefined,
    };
    const secrets = [...(opts?.additionalSecretOutputs ?? []), "secretEnv"];
    super(
      providerReference("Container"),
      name,
      props,
      { ...opts, additionalSecretOutputs: secrets },
      "tfgrid",
      "Container",
    );
  }
}
