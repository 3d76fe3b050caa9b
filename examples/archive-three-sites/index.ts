import * as pulumi from "@pulumi/pulumi";
import { S3Archive } from "pulumi-tfgrid";

const config = new pulumi.Config();

/**
 * 8+4 over 12 nodes, four per city in three cities: losing a whole city loses 4 shards = PARITY,
 * so every object stays readable. `requireSiteFailureTolerance` makes preview refuse any layout
 * that would not (try `pulumi config set dataShards 16` to see the planner's explanation).
 */
const archive = new S3Archive("archive", {
  placement: {
    count: config.getNumber("shardCount") ?? 12,
    cities: config.getObject<string[]>("cities") ?? ["Salzburg", "Vienna", "Ghent"],
  },
  dataShards: config.getNumber("dataShards") ?? 8,
  parityShards: config.getNumber("parityShards") ?? 4,
  zdbSizeGiB: 10,
  requireSiteFailureTolerance: true,
  accessKey: config.get("accessKey") ?? "archive-admin",
  secretKey: config.requireSecret("secretKey"),
});

export const endpoint = archive.endpoint;
export const redundancyReport = archive.redundancyReport;
export const siteLossSurvivable = archive.redundancy.apply((r) => r.siteLossSurvivable);
