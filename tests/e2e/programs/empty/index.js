// Creates nothing; loads @pulumi/pulumi like every program does.
"use strict";
require("@pulumi/pulumi");
