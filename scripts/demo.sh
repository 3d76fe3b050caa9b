#!/usr/bin/env bash
# The quickstart: installs what is missing (npm packages, the pinned pulumi CLI), builds, and runs
# the demo driver (`up` deploys the reference S3 archive on a local grid; `destroy` tears it down).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
step "building (tsc)"
npm run --silent build
step "making sure the pulumi CLI is available (first time: built from Go modules, ~10 min)"
PULUMI_BIN=$(bash scripts/ensure-pulumi.sh)
exec node dist/scripts/demo.js --pulumi-bin "$PULUMI_BIN" "$@"
