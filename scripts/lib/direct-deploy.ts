/**
 * The benchmark's measured limit (issue #15): an S3 archive deployed by talking to the explorer
 * directly — the provider's own client, signing and workload builders (its resource hooks), no
 * Pulumi — with every workload of a level registered at once and tight polls. Level 1: the
 * network, every 0-db namespace and the metadata volume; level 2: the MinIO container, which
 * needs their results. What any tool could reach on the same grid; `pulumi up` is compared to it.
 */
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { clearConfig, storeConfig } from "../../provider/resources/common";
import { containerProvider } from "../../provider/resources/container-provider";
import { networkProvider } from "../../provider/resources/network-provider";
import { volumeProvider } from "../../provider/resources/volume-provider";
import { zdbNamespaceProvider } from "../../provider/resources/zdb-provider";
import { MINIO_ENTRYPOINT, MINIO_FLIST } from "../../provider/archive/args";

type Props = Record<string, unknown>;

export interface DirectDeployOptions {
  explorerUrl: string;
  tid: number;
  mnemonic: string;
  /** Shard nodes; the first also runs MinIO. */
  nodes: string[];
  dataShards: number;
  parityShards: number;
  /** The provider's poll interval while waiting; small = tight polls. */
  pollIntervalMs: number;
}

export interface DirectDeployResult {
  /** From the first registration to the last level-2 result. */
  deployMs: number;
  /** One deletion round: every reservation cancelled at once, until all report deleted. */
  deleteMs: number;
  workloads: number;
}

async function checked(provider: pulumi.dynamic.ResourceProvider, news: Props): Promise<Props> {
  const r = await provider.check!({}, news);
  if (r.failures?.length) {
    throw new Error(`direct deploy: check failed: ${JSON.stringify(r.failures)}`);
  }
  return r.inputs as Props;
}

async function created(provider: pulumi.dynamic.ResourceProvider, inputs: Props) {
  const r = await provider.create(inputs);
  return { id: r.id, outs: r.outs as Props };
}

/** Deploys an archive of `nodes.length` shards, then deletes it; returns both wall times. */
export async function directDeploy(o: DirectDeployOptions): Promise<DirectDeployResult> {
  // As the provider host's configure would store the stack config (never in process.env, which
  // the pulumi commands of the same benchmark inherit).
  const settings: Record<string, string> = {
    "tfgrid:explorerUrl": o.explorerUrl,
    "tfgrid:tid": String(o.tid),
    "tfgrid:mnemonic": o.mnemonic,
    "tfgrid:pollIntervalMs": String(o.pollIntervalMs),
  };
  storeConfig({ get: (key) => settings[key] });
  try {
    return await deployAndDelete(o);
  } finally {
    clearConfig();
  }
}

async function deployAndDelete(o: DirectDeployOptions): Promise<DirectDeployResult> {
  const minio = o.nodes[0];
  const password = randomBytes(16).toString("hex");
  const netName = `direct-${randomBytes(4).toString("hex")}`;
  // Checked before the clock starts: a script that knows its inputs are valid skips this.
  const networkIn = await checked(networkProvider, {
    name: netName,
    ipRange: "172.21.0.0/16",
    nodes: [minio],
    nodeSubnets: { [minio]: "172.21.15.0/24" },
  });
  const zdbIn = await Promise.all(
    o.nodes.map((nodeId) =>
      checked(zdbNamespaceProvider, { nodeId, sizeGiB: 10, mode: "seq", password }),
    ),
  );
  const volumeIn = await checked(volumeProvider, { nodeId: minio, sizeGiB: 10 });

  const start = Date.now();
  const [network, volume, ...zdbs] = await Promise.all([
    created(networkProvider, networkIn),
    created(volumeProvider, volumeIn),
    ...zdbIn.map((inputs) => created(zdbNamespaceProvider, inputs)),
  ]);
  const containerIn = await checked(containerProvider, {
    nodeId: minio,
    flist: MINIO_FLIST,
    entrypoint: MINIO_ENTRYPOINT,
    interactive: false,
    env: {
      DATA: String(o.dataShards),
      PARITY: String(o.parityShards),
      ACCESS_KEY: "direct",
      MINIO_ZEROSTOR_META_DIR: "/data",
    },
    secretEnv: {
      SHARDS: zdbs.map((z) => String(z.outs.endpoint)).join(","),
      SECRET_KEY: "direct-secret-key",
    },
    cpu: 2,
    memoryMiB: 2048,
    network: { name: netName, ip: "172.21.15.16" },
    volumes: [{ volumeId: String(volume.outs.volumeId), mountpoint: "/data" }],
  });
  const container = await created(containerProvider, containerIn);
  const deployMs = Date.now() - start;

  const all: [pulumi.dynamic.ResourceProvider, { id: string; outs: Props }][] = [
    [containerProvider, container],
    [networkProvider, network],
    [volumeProvider, volume],
    ...zdbs.map((z) => [zdbNamespaceProvider, z] as [pulumi.dynamic.ResourceProvider, typeof z]),
  ];
  const deleteStart = Date.now();
  await Promise.all(all.map(([provider, r]) => provider.delete!(r.id, r.outs)));
  return { deployMs, deleteMs: Date.now() - deleteStart, workloads: all.length };
}
