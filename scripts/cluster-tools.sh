#!/usr/bin/env bash
# Builds the binaries of the production topology that `npm run test:cluster` runs, at pinned versions, from the
# Go module proxy, into the git-ignored .tools/ (GOPATH, GOCACHE and GOMODCACHE there too). Cached: a second run
# finds the binaries and returns at once. Prints one line per binary: <name>=<absolute path>.
#
#   temporal-server     go.temporal.io/server/cmd/server        (the Temporal server, the same as temporalio/server)
#   temporal-sql-tool   go.temporal.io/server/cmd/tools/sql     (creates and updates the PostgreSQL schemas)
#   temporal-ui-server  github.com/temporalio/ui-server/v2      (the Web UI, the same as temporalio/ui)
#
# The server needs a Go newer than the machine's: GOTOOLCHAIN pins the approved one, which the go command takes from
# the module proxy like a module. On 2 shared cores the first build takes 10-15 minutes; run it early, e.g.
#   nice -n 19 bash scripts/cluster-tools.sh
# Usage: bash scripts/cluster-tools.sh   (prints KEY=path lines on stdout, progress on stderr)
set -euo pipefail

# Pinned versions: docker-compose.yml's images must name the same versions (test/unit/compose-versions.spec.ts).
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.2}"
TEMPORAL_UI_SERVER_VERSION="${TEMPORAL_UI_SERVER_VERSION:-v2.54.1}"
# PostgreSQL is Debian's package (.ci/run installs it); test:cluster runs this major version (test/cluster/cluster.ts).
POSTGRES_MAJOR=15
export GOTOOLCHAIN="${PRE_GOTOOLCHAIN:-go1.27.3}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${PRE_TOOLS_DIR:-$root/.tools}"
mkdir -p "$tools"
tools="$(cd "$tools" && pwd)"
export GOPATH="$tools/go"
export GOCACHE="$tools/go-cache"
export GOMODCACHE="$tools/go/pkg/mod"
export GOFLAGS="${GOFLAGS:-} -trimpath"
export CGO_ENABLED=0

server_dir="$tools/temporal-server-$TEMPORAL_SERVER_VERSION"
ui_dir="$tools/temporal-ui-server-$TEMPORAL_UI_SERVER_VERSION"

build() { # <dest dir> <package@version> <binary name in GOBIN> <final name>
  local dest="$1" pkg="$2" built="$3" name="$4"
  if [[ -x "$dest/$name" ]]; then return 0; fi
  mkdir -p "$dest/tmp-bin"
  echo "cluster-tools: building $pkg (GOTOOLCHAIN=$GOTOOLCHAIN) ..." >&2
  local start=$SECONDS
  GOBIN="$dest/tmp-bin" go install "$pkg"
  mv "$dest/tmp-bin/$built" "$dest/$name"
  rmdir "$dest/tmp-bin" 2>/dev/null || true
  echo "cluster-tools: built $name in $((SECONDS - start)) s" >&2
}

build "$server_dir" "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" server temporal-server
build "$server_dir" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" sql temporal-sql-tool
build "$ui_dir" "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION" server temporal-ui-server

# The SQL schema files ship in the server module (schema/postgresql/v12/{temporal,visibility}/versioned).
schema_dir="$GOMODCACHE/go.temporal.io/server@$TEMPORAL_SERVER_VERSION/schema"
if [[ ! -d "$schema_dir" ]]; then
  go mod download "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" >&2
fi

echo "TEMPORAL_SERVER_BIN=$server_dir/temporal-server"
echo "TEMPORAL_SQL_TOOL_BIN=$server_dir/temporal-sql-tool"
echo "TEMPORAL_UI_SERVER_BIN=$ui_dir/temporal-ui-server"
echo "TEMPORAL_SCHEMA_DIR=$schema_dir"
# the UI server's module: its config/docker.yaml is the configuration the temporalio/ui image reads from the environment
echo "TEMPORAL_UI_SERVER_ROOT=$GOMODCACHE/github.com/temporalio/ui-server/v2@$TEMPORAL_UI_SERVER_VERSION"
echo "TEMPORAL_SERVER_VERSION=$TEMPORAL_SERVER_VERSION"
echo "TEMPORAL_UI_SERVER_VERSION=$TEMPORAL_UI_SERVER_VERSION"
echo "POSTGRES_MAJOR=$POSTGRES_MAJOR"
