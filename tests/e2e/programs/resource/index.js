// One tfgrid resource from stack config: `case:type` names the class, `case:args` (JSON) its
// arguments, passed as they are — wrong types included — so the provider's check sees them.
// Plain JS, no build step: the workspace links the repository as node_modules/pulumi-tfgrid.
"use strict";
const pulumi = require("@pulumi/pulumi");
const tfgrid = require("pulumi-tfgrid");

const config = new pulumi.Config("case");
const type = config.require("type");
const args = config.requireObject("args");
const Resource = {
  Network: tfgrid.Network,
  ZdbNamespace: tfgrid.ZdbNamespace,
  Volume: tfgrid.Volume,
  Container: tfgrid.Container,
}[type];
if (!Resource)
  throw new pulumi.RunError(
    `case:type ${JSON.stringify(type)} is not one of Network, ZdbNamespace, Volume, Container`,
  );
new Resource("case", args);
