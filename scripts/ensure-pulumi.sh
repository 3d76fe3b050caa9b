#!/usr/bin/env bash
# ensure-pulumi.sh — make the pinned Pulumi CLI (v3.248.0) available without any
# prebuilt-binary download: it is built from Go source modules fetched through the
# Go module proxy (see scripts/pulumi-build/README.md for the why and the numbers).
#
# Usage:   PATH="$(scripts/ensure-pulumi.sh):$PATH"
#   stdout (last line): absolute path of a bin dir holding
#       pulumi                         (CLI v3.248.0, from github.com/pulumi/pulumi/pkg/v3)
#       pulumi-language-nodejs         (Node.js language host, from github.com/pulumi/pulumi/sdk/v3@v3.68.0)
#       pulumi-resource-pulumi-nodejs  (dynamic-provider shim: runs @pulumi/pulumi/cmd/dynamic-provider
#                                       resolved from the cwd, i.e. the Pulumi project dir)
#   stderr: progress messages.
#   The same three files are also symlinked into <repo>/.tools/bin/ (git-ignored).
#
# Inputs (env):
#   PULUMI_TFGRID_USE_PATH=1  use a `pulumi` already on PATH instead of our pinned build
#   PULUMI_TFGRID_TOOLS=DIR   cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-tfgrid/pulumi-v3.248.0);
#                             lives outside the repo so fresh CI clones on the same machine reuse it.
#   GOCACHE / GOMODCACHE / GOFLAGS / GOPROXY are honoured as usual (GOWORK is forced off).
# A cold build takes ~10-20 min on 2 cores; afterwards a call takes ~0.7 s (disk: ~1.6 GB GOMODCACHE + ~1.7 GB GOCACHE).
#
# Env vars to set when RUNNING pulumi with these binaries (no network but the package registries):
#   PULUMI_SKIP_UPDATE_CHECK=1                  don't query get.pulumi.com for newer versions
#   PULUMI_BACKEND_URL=file://<dir>             local state, no Pulumi Cloud login
#   PULUMI_CONFIG_PASSPHRASE=<anything>         secrets provider for file:// backends
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=1  (Automation API) skip the CLI version probe
#   node and the project's node_modules/@pulumi/pulumi must be resolvable from the project dir.
#   PULUMI_NODEJS_ROOT_DIRECTORY=<project dir> only if the program calls pulumi.runtime.getRootDirectory()
#                               (the v3.68.0 language host does not pass it; see pulumi-build/README.md).
#   Nothing is downloaded at run time: the language host and the dynamic-provider plugin
#   (pulumi-resource-pulumi-nodejs) are found next to `pulumi` / on PATH.
set -euo pipefail

PULUMI_VERSION=v3.248.0
# Bump BUILD_ID whenever the build recipe changes, so cached builds are redone.
BUILD_ID="cli=${PULUMI_VERSION};langhost=sdk/v3@v3.68.0;shim=1;cgo=0"

log() { printf 'ensure-pulumi: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
build_dir="$script_dir/pulumi-build"

# --- 1. Optional: use whatever pulumi is on PATH -------------------------------------------
if [ "${PULUMI_TFGRID_USE_PATH:-}" = "1" ] && command -v pulumi >/dev/null 2>&1; then
  p=$(command -v pulumi)
  d=$(cd "$(dirname "$p")" && pwd)
  log "PULUMI_TFGRID_USE_PATH=1: using $p ($(PULUMI_SKIP_UPDATE_CHECK=1 "$p" version 2>/dev/null || echo '?'))"
  [ -x "$d/pulumi-language-nodejs" ] || command -v pulumi-language-nodejs >/dev/null 2>&1 ||
    log "warning: no pulumi-language-nodejs next to it or on PATH"
  printf '%s\n' "$d"
  exit 0
fi

tools="${PULUMI_TFGRID_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-tfgrid/pulumi-${PULUMI_VERSION}}"
mkdir -p "$tools/bin"
tools=$(cd "$tools" && pwd)
bin="$tools/bin"

# The dynamic-provider shim. The engine starts it with cwd = the Pulumi project dir, so
# resolving from the cwd finds the project's own @pulumi/pulumi (like upstream's
# sdk/nodejs/dist/pulumi-resource-pulumi-nodejs, but failing loudly and exec'ing node).
shim_content='#!/bin/sh
script=$(node -e "process.stdout.write(require.resolve(\"@pulumi/pulumi/cmd/dynamic-provider\"))") || exit 1
exec node "$script" "$@"'

is_ready() {
  [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ] || return 1
  [ "$(cat "$bin/.build-id" 2>/dev/null)" = "$BUILD_ID" ] || return 1
  [ "$(cat "$bin/pulumi-resource-pulumi-nodejs")" = "$shim_content" ] || return 1
  local v
  v=$(PULUMI_SKIP_UPDATE_CHECK=1 "$bin/pulumi" version 2>/dev/null) || return 1
  [ "$v" = "$PULUMI_VERSION" ]
}

link_into_repo() {
  mkdir -p "$repo_root/.tools/bin"
  local f
  for f in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
    ln -sfn "$bin/$f" "$repo_root/.tools/bin/$f"
  done
}

finish() {
  link_into_repo
  printf '%s\n' "$bin"
  exit 0
}

is_ready && finish

# --- 2. Build (once per machine; serialised with flock) ------------------------------------
command -v flock >/dev/null 2>&1 || die "flock (util-linux) is required"
exec 9>"$tools/.lock"
if ! flock -n 9; then
  log "another build holds $tools/.lock; waiting for it ..."
  flock -w 3600 9 || die "timed out waiting for $tools/.lock"
fi
is_ready && finish # somebody else finished the build while we waited

go_bin=$(command -v go 2>/dev/null || true)
[ -n "$go_bin" ] || { [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go; } ||
  die "Go toolchain not found (need go >= 1.25.11 on PATH or at /usr/local/go/bin/go)"

tmp=$(mktemp -d "$tools/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

export GOWORK=off CGO_ENABLED=0
ldver="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
start=$(date +%s)

log "building pulumi ${PULUMI_VERSION} from source into $bin (cold: ~10-20 min; log: $tools/build.log)"
(cd "$build_dir" && "$go_bin" build -mod=readonly -trimpath \
  -ldflags "-s -w $ldver=${PULUMI_VERSION}" \
  -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >"$tools/build.log" 2>&1 ||
  { tail -n 40 "$tools/build.log" >&2; die "building pulumi failed (see $tools/build.log)"; }
log "pulumi built after $(( $(date +%s) - start ))s"

log "building pulumi-language-nodejs (from github.com/pulumi/pulumi/sdk/v3@v3.68.0)"
(cd "$build_dir/language-nodejs" && "$go_bin" build -mod=readonly -trimpath \
  -ldflags "-s -w $ldver=v3.68.0" \
  -o "$tmp/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs) >>"$tools/build.log" 2>&1 ||
  { tail -n 40 "$tools/build.log" >&2; die "building pulumi-language-nodejs failed (see $tools/build.log)"; }

printf '%s\n' "$shim_content" >"$tmp/pulumi-resource-pulumi-nodejs"
chmod 0755 "$tmp/pulumi-resource-pulumi-nodejs"

v=$(PULUMI_SKIP_UPDATE_CHECK=1 "$tmp/pulumi" version) || die "built pulumi does not run"
[ "$v" = "$PULUMI_VERSION" ] || die "built pulumi reports version '$v', expected $PULUMI_VERSION"

# Atomic replace (rename within one filesystem); `pulumi` and the build id go last.
mv -f "$tmp/pulumi-language-nodejs" "$bin/pulumi-language-nodejs"
mv -f "$tmp/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"
mv -f "$tmp/pulumi" "$bin/pulumi"
printf '%s\n' "$BUILD_ID" >"$tmp/build-id" && mv -f "$tmp/build-id" "$bin/.build-id"
log "done in $(( $(date +%s) - start ))s; sizes: pulumi $(du -h "$bin/pulumi" | cut -f1), pulumi-language-nodejs $(du -h "$bin/pulumi-language-nodejs" | cut -f1)"

is_ready || die "build finished but $bin does not check out"
finish
