import * as pulumi from "@pulumi/pulumi";
import { Network } from "pulumi-tfgrid";

const config = new pulumi.Config();
const accessNode = config.require("accessNodeId");
const otherNodes = config.getObject<string[]>("nodes") ?? [];

/** A /16 over the access node and any others; your machine gets its own /24 through the access node. */
const net = new Network("net", {
  name: config.get("name") ?? "my-network",
  ipRange: config.get("ipRange") ?? "172.20.0.0/16",
  nodes: [accessNode, ...otherNodes.filter((n) => n !== accessNode)],
  addAccess: { nodeId: accessNode, ipv4: true },
});

export const nodeSubnets = net.nodeSubnets;
/** The wg-quick file (secret): `pulumi stack output wireguardConfig --show-secrets > tfgrid.conf`. */
export const wireguardConfig = net.wireguardConfig;
