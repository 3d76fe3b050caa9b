// Public API of the package `pulumi-tfgrid` (GUIDE §3).
export { Network, type NetworkArgs, type NetworkAccessArgs } from "./resources/network";
export { ZdbNamespace, type ZdbNamespaceArgs } from "./resources/zdb";
export { Volume, type VolumeArgs } from "./resources/volume";
export { Container, type ContainerArgs } from "./resources/container";
export {
  S3Archive,
  S3ArchiveArgsError,
  DEFAULTS as S3_ARCHIVE_DEFAULTS,
  MINIO_FLIST,
  MINIO_ENTRYPOINT,
  MINIO_PORT,
  layoutKey,
  validateS3ArchiveArgs,
  type S3ArchiveArgs,
  type S3ArchiveOptions,
  type S3ArchiveNetworkArgs,
  type S3ArchiveExistingNetworkArgs,
  type ShardNodeInfo,
  type ShardPlacementArgs,
  type NodeLookup,
} from "./s3archive";
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
} from "./planner";
export {
  MINIO_TLOG_FLIST,
  DEFAULT_STANDBY_IP,
  type S3ArchiveTlogArgs,
  type S3ArchiveStandbyArgs,
  type MetadataPlacementArgs,
} from "./metadata-replication";
export {
  ShardPlacement,
  StablePassword,
  type PlacementRequest,
  type PlacedNode,
} from "./placement";
export { ArchiveLayout } from "./placement-layout";
