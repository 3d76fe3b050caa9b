// Wrapper module used only to build the pinned Pulumi CLI (see README.md).
// pkg/v3's own go.mod uses a local `replace ../sdk`, so `go install ...@v3.248.0`
// is refused; this module requires pkg and sdk at the same tag and carries over
// pkg's non-local replace directives.
module github.com/pulumi-tfgrid/pulumi-build

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v3.248.0
	github.com/pulumi/pulumi/sdk/v3 v3.248.0
)

// Carried over from github.com/pulumi/pulumi/pkg/v3@v3.248.0/go.mod
// (the other one there, `github.com/pulumi/pulumi/sdk/v3 => ../sdk`, is a local path).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
