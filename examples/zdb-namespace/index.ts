import * as pulumi from "@pulumi/pulumi";
import { ZdbNamespace } from "pulumi-tfgrid";

const config = new pulumi.Config();

/** A 10 GiB seq-mode namespace (what MinIO shards use), private, with a password from config. */
const zdb = new ZdbNamespace("zdb", {
  nodeId: config.require("nodeId"),
  sizeGiB: config.getNumber("sizeGiB") ?? 10,
  mode: "seq",
  password: config.requireSecret("password"),
  diskType: "SSD",
  public: false,
});

export const reservationId = zdb.reservationId;
export const namespace = zdb.namespace;
export const address = pulumi.interpolate`[${zdb.ip}]:${zdb.port}`;
/** `ns:password@[ip]:port` (secret): `pulumi stack output endpoint --show-secrets`. */
export const endpoint = zdb.endpoint;
