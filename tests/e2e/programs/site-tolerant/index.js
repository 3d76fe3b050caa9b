// examples/archive-site-tolerant in plain JS (no build step): six shards over Salzburg, Vienna and
// Ghent, a TLOG outside MinIO's city and a standby in Vienna, and requireSiteFailureTolerance, so
// preview refuses the layout unless losing any one city keeps the data and an index.
"use strict";
const pulumi = require("@pulumi/pulumi");
const { S3Archive } = require("pulumi-tfgrid");

const config = new pulumi.Config();
const archive = new S3Archive("archive", {
  placement: { count: 6, cities: ["Salzburg", "Vienna", "Ghent"] },
  dataShards: 4,
  parityShards: 2,
  zdbSizeGiB: 10,
  // day-2 knobs of the test: `tlogCities` (JSON) moves the TLOG, `standby: false` drops it
  tlog: { placement: { cities: config.getObject("tlogCities") } },
  ...(config.getBoolean("standby") === false
    ? {}
    : { standby: { placement: { cities: ["Vienna"] } } }),
  requireSiteFailureTolerance: true,
  accessKey: "archive-admin",
  secretKey: config.requireSecret("secretKey"),
});

exports.endpoint = archive.endpoint;
exports.standbyEndpoint = archive.standbyEndpoint;
exports.redundancy = archive.redundancy;
exports.redundancyReport = archive.redundancyReport;
