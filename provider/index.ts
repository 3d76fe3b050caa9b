// Public API of the package `pulumi-tfgrid`.
export { Network, type NetworkArgs, type NetworkAccessArgs } from "./resources/network";
export { ZdbNamespace, type ZdbNamespaceArgs } from "./resources/zdb";
export { Volume, type VolumeArgs } from "./resources/volume";
export { Container, type ContainerArgs } from "./resources/container";
export { S3Archive, type S3ArchiveOptions } from "./archive/component";
export { S3ArchiveArgsError } from "./archive/problems";
export { validateS3ArchiveArgs } from "./archive/rules";
export { layoutKey } from "./archive/layout";
export { type NodeLookup } from "./archive/shards";
export {
  DEFAULTS as S3_ARCHIVE_DEFAULTS,
  MINIO_FLIST,
  MINIO_ENTRYPOINT,
  MINIO_PORT,
  DEFAULT_STANDBY_IP,
  type S3ArchiveArgs,
  type S3ArchiveNetworkArgs,
  type S3ArchiveExistingNetworkArgs,
  type ShardNodeInfo,
  type ShardPlacementArgs,
  type S3ArchiveTlogArgs,
  type S3ArchiveStandbyArgs,
  type MetadataPlacementArgs,
} from "./archive/args";
export {
  planRedundancy,
  formatRedundancyReport,
  RedundancyError,
  type RedundancyInput,
  type RedundancyReport,
  type RedundancyProblem,
  type ShardLocation,
  type DomainReport,
  type DomainLevel,
  type DomainLoss,
  type MetadataLayout,
  type NodePlace,
} from "./archive/planner";
export { MINIO_TLOG_FLIST } from "./archive/metadata-replication";
export { ShardPlacement, type PlacementRequest, type PlacedNode } from "./archive/placement";
export { StablePassword } from "./archive/password";
export { ArchiveLayout } from "./archive/layout";
