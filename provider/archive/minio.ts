/**
 * The MinIO side of an S3Archive: the zerostor container on the metadata volume and, with
 * `standby`, the read-only standby replaying the TLOG (metadata-replication.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { Container } from "../resources/container";
import type { Volume } from "../resources/volume";
import type { ZdbNamespace } from "../resources/zdb";
import { DEFAULT_STANDBY_IP, METADATA_MOUNTPOINT, MINIO_ENTRYPOINT, MINIO_FLIST } from "./args";
import { createStandby, minioImage } from "./metadata-replication";
import type { Build } from "./plan";

/** The standby's node (from the checked plan) and overlay address, when `standby` is set. */
export function standbyAt(b: Build): pulumi.Output<{ nodeId: string; ip: string }> | undefined {
  if (!b.args.standby) return undefined;
  const ip = b.args.standby.ip ?? DEFAULT_STANDBY_IP;
  return b.plan.apply((p) => ({ nodeId: p.report.metadata.standby!.nodeId, ip }));
}

/** What MinIO and its standby are started with, besides the archive's settings. */
export interface MinioInputs {
  shardList: pulumi.Output<string[]>;
  tlog: ZdbNamespace | undefined;
  networkName: pulumi.Output<string>;
  deps: pulumi.Resource[];
}

/** MinIO's plain env: the erasure coding, the access key and where its metadata is. */
function minioEnv(b: Build): Record<string, string> {
  return {
    DATA: String(b.r.dataShards),
    PARITY: String(b.r.parityShards),
    ACCESS_KEY: b.args.accessKey,
    MINIO_ZEROSTOR_META_DIR: METADATA_MOUNTPOINT,
  };
}

const minioImageOf = (b: Build) =>
  minioImage(b.args, { flist: MINIO_FLIST, entrypoint: MINIO_ENTRYPOINT });

/** `<name>-minio`, the MinIO zerostor container on the metadata volume. */
export function startMinio(b: Build, m: MinioInputs & { volume: Volume }): Container {
  const { r } = b;
  const image = minioImageOf(b);
  return new Container(
    `${b.name}-minio`,
    {
      nodeId: b.minioNode,
      flist: image.flist,
      entrypoint: image.entrypoint,
      interactive: false,
      env: minioEnv(b),
      secretEnv: {
        SHARDS: m.shardList.apply((s) => s.join(",")),
        SECRET_KEY: b.args.secretKey,
        ...(m.tlog ? { TLOG: m.tlog.endpoint } : {}),
      },
      cpu: r.minioCpu,
      memoryMiB: r.minioMemoryMiB,
      diskSizeMiB: r.minioDiskSizeMiB,
      network: { name: m.networkName, ip: r.minioIp },
      volumes: [{ volumeId: m.volume.volumeId, mountpoint: METADATA_MOUNTPOINT }],
      publicIp6: r.publicIp6,
      ...b.duration,
    },
    // No replacementTrigger: the engine would replace without asking the provider's diff, whose
    // delete-before-replace answer (same node, network and IP) frees the address first. Every
    // layout change reaches the container's inputs anyway: DATA/PARITY in env, new namespaces in
    // SHARDS, the new metadata volume's id in volumes.
    { parent: b.archive, dependsOn: m.deps },
  );
}

/** The read-only standby MinIO replaying the TLOG, when `standby` is set. */
export function startStandby(
  b: Build,
  m: MinioInputs & { layout: pulumi.Output<string> },
): ReturnType<typeof createStandby> | undefined {
  const at = standbyAt(b);
  if (!m.tlog || !at) return undefined;
  const { r } = b;
  return createStandby(b.name, b.archive, {
    nodeId: at.apply((s) => s.nodeId),
    ip: b.args.standby?.ip ?? DEFAULT_STANDBY_IP,
    ...minioImageOf(b),
    env: minioEnv(b),
    shards: m.shardList.apply((s) => s.join(",")),
    secretKey: b.args.secretKey,
    tlogEndpoint: m.tlog.endpoint,
    cpu: r.minioCpu,
    memoryMiB: r.minioMemoryMiB,
    diskSizeMiB: r.minioDiskSizeMiB,
    volumeSizeGiB: r.metadataVolumeSizeGiB,
    mountpoint: METADATA_MOUNTPOINT,
    networkName: m.networkName,
    publicIp6: r.publicIp6,
    layout: m.layout,
    dependsOn: m.deps,
    duration: b.duration,
  });
}
