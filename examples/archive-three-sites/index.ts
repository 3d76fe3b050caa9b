import * as pulumi from "@pulumi/pulumi";
import { S3Archive } from "pulumi-tfgrid";

const config = new pulumi.Config();

/**
 * 8+4 over 12 nodes, four per city in three cities: losing a whole city loses 4 shards = PARITY,
 * so the shards stay readable. The index (MinIO's metadata) must survive too: a TLOG namespace
 * outside MinIO's city logs every metadata write, so a redeployed MinIO rebuilds it, and a standby
 * MinIO in another city keeps serving reads meanwhile. `requireSiteFailureTolerance` makes
 * preview refuse any layout that would lose the data or the index with one city (try
 * `pulumi config set dataShards 16`, or drop `tlog`, to see the planner's explanation).
 */
const archive = new S3Archive("archive", {
  placement: {
    count: config.getNumber("shardCount") ?? 12,
    cities: config.getObject<string[]>("cities") ?? ["Salzburg", "Vienna", "Ghent"],
  },
  dataShards: config.getNumber("dataShards") ?? 8,
  parityShards: config.getNumber("parityShards") ?? 4,
  zdbSizeGiB: 10,
  tlog: {}, // one node outside MinIO's city, chosen once and kept
  standby: { placement: { cities: [config.get("standbyCity") ?? "Vienna"] } },
  requireSiteFailureTolerance: true,
  accessKey: config.get("accessKey") ?? "archive-admin",
  secretKey: config.requireSecret("secretKey"),
});

export const endpoint = archive.endpoint;
export const standbyEndpoint = archive.standbyEndpoint;
export const redundancyReport = archive.redundancyReport;
export const siteLossSurvivable = archive.redundancy.apply((r) => r.siteLossSurvivable);
