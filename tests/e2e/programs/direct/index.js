// The four tfgrid resources used directly, settings from `direct:*` stack config. Plain JS, no
// build step: the workspace links the repository's `dist` next to this file.
"use strict";
const pulumi = require("@pulumi/pulumi");
const tfgrid = require("./dist/provider");

const config = new pulumi.Config("direct");
const node = config.require("node");
const zdbNode = config.require("zdbNode");

const net = new tfgrid.Network("net", {
  name: config.get("networkName") || "direct-net",
  ipRange: "10.20.0.0/16",
  nodes: [node],
  nodeSubnets: { [node]: "10.20.3.0/24" },
});

const zdb = new tfgrid.ZdbNamespace("zdb", {
  nodeId: zdbNode,
  sizeGiB: 1,
  mode: "seq",
  password: config.requireSecret("zdbPassword"),
});

const vol = new tfgrid.Volume("vol", {
  nodeId: node,
  sizeGiB: config.requireNumber("volumeSizeGiB"),
});

const app = new tfgrid.Container("app", {
  nodeId: node,
  flist: config.require("flist"),
  env: config.requireObject("env"),
  secretEnv: { SHARDS: zdb.endpoint },
  cpu: 1,
  memoryMiB: 512,
  network: { name: net.name, ip: "10.20.3.10" },
  volumes: [{ volumeId: vol.volumeId, mountpoint: "/data" }],
});

exports.containerIp = app.ipv4;
