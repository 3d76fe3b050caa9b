// One dynamic resource with a provider that does nothing: every `pulumi up` starts the Node
// dynamic-provider host to check and diff it, as every tfgrid stack does, and reserves nothing.
"use strict";
const pulumi = require("@pulumi/pulumi");

const noop = {
  async create(inputs) {
    return { id: "noop", outs: inputs };
  },
};

new pulumi.dynamic.Resource(noop, "noop", { n: 1 });
