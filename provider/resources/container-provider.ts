// Container, provider side: validation, the Container workload (secret env sealed to the node) and
// its results. Runs in the provider host; the program side is container.ts.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { nodeIdToPublicKeyHex, sealForNode } from "../crypto";
import { WORKLOAD_ID, type Props } from "./common";
import { CONTAINER_DEFAULTS, CONTAINER_SHAPE } from "./container";
import { makeProvider } from "./make-provider";
import { onNodeSchema, singleWorkloadSpec } from "./single-workload";
import {
  bool,
  containerIpSchema,
  envMap,
  isPlainObject,
  known,
  nonEmptyString,
  positiveInt,
  rule,
  type Failure,
  type Known,
} from "./validation";

// Names that hold credentials in the workloads we run (MinIO; TLOG/MASTER carry a 0-db password): they belong in secretEnv.
const SECRET_NAMES = /^(SHARDS|SECRET_KEY|TLOG|MASTER|.*PASSWORD.*|.*_SECRET)$/i;

const flistSchema = () =>
  rule<string>((v) => {
    if (typeof v !== "string" || !/^https?:\/\/\S+\.flist$/.test(v)) {
      return `${JSON.stringify(v) ?? "(missing)"} is not an flist URL; use e.g. "https://hub.grid.tf/<user>/<name>.flist"`;
    }
    // The node runs whatever image it downloads: plain http lets the network swap it.
    return v.startsWith("http:")
      ? `${JSON.stringify(v)} is fetched over plain http, so the image could be swapped on the way; use https ("${v.replace(/^http:/, "https:")}")`
      : undefined;
  });

const volumeIdSchema = () =>
  rule<string>((v) =>
    typeof v === "string" && /^\d*-\d+$/.test(v)
      ? undefined
      : `${JSON.stringify(v) ?? "(missing)"} is not a volume id; use a Volume's volumeId output ("<rid>-<wid>")`,
  );

const mountpointSchema = () =>
  rule<string>((v) =>
    typeof v === "string" && v.startsWith("/") && v !== "/"
      ? undefined
      : `${JSON.stringify(v) ?? "(missing)"} is not an absolute mountpoint; use e.g. "/data"`,
  );

const schema = () =>
  onNodeSchema({
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
  });

/** A Container's inputs as create receives them. */
export type ContainerInputs = Known<z.infer<ReturnType<typeof schema>>>;

export interface ContainerOutputs extends Record<string, unknown> {
  ipv4: string;
  ipv6: string;
}

function crossChecks(p: Props): Failure[] {
  const out: Failure[] = [];
  const env = isPlainObject(p.env) ? p.env : {};
  const secret = isPlainObject(p.secretEnv) ? p.secretEnv : {};
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
    p.volumes.forEach((v: unknown, i) => {
      if (isPlainObject(v) && typeof v.mountpoint === "string") {
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

/** The Container workload (protocol.md#container-workload); secret env values sealed to the node. */
export function containerWorkload(p: Omit<ContainerInputs, "durationHours">): object {
  const nodeKey = nodeIdToPublicKeyHex(p.nodeId);
  const net = p.network;
  return {
    workload_id: WORKLOAD_ID,
    node_id: p.nodeId,
    flist: p.flist,
    hub_url: "",
    environment: p.env ?? {},
    secret_environment: Object.fromEntries(
      Object.entries(p.secretEnv ?? {}).map(([k, v]) => [k, sealForNode(nodeKey, v)]),
    ),
    entrypoint: p.entrypoint ?? "",
    interactive: p.interactive ?? false,
    volumes: (p.volumes ?? []).map((v) => ({ volume_id: v.volumeId, mountpoint: v.mountpoint })),
    network_connection: net
      ? [{ network_id: net.name, ipaddress: net.ip, public_ip6: p.publicIp6 ?? false }]
      : [],
    stats_aggregator: [],
    logs: [],
    farmer_tid: 0,
    capacity: { cpu: p.cpu, memory: p.memoryMiB, disk_size: p.diskSizeMiB, disk_type: 1 },
  };
}

/** The same network address on the same node cannot be held by the old and the new container. */
function sameAddress(olds: Props, news: Props): boolean {
  const a = olds.network;
  const b = news.network;
  return (
    isPlainObject(a) &&
    isPlainObject(b) &&
    olds.nodeId === news.nodeId &&
    a.name === b.name &&
    a.ip === b.ip
  );
}

export const containerSpec = singleWorkloadSpec<ContainerInputs, ContainerOutputs>({
  type: "Container",
  inputKeys: CONTAINER_SHAPE.inputs,
  defaults: CONTAINER_DEFAULTS,
  schema,
  crossChecks,
  secretInputs: ["secretEnv"],
  deleteBeforeReplace: sameAddress,
  list: "containers",
  what: "container",
  workload: containerWorkload,
  results(_inputs, data) {
    const text = (v: unknown) => (typeof v === "string" ? v : "");
    return { ipv4: text(data?.ipv4), ipv6: text(data?.ipv6) };
  },
});

/** Registered in providers.ts; the host hands it the engine's untyped values. */
export const containerProvider: pulumi.dynamic.ResourceProvider = makeProvider(containerSpec);
