#!/usr/bin/env bash
# The contract test (issue 19): Schemathesis (pinned, installed by scripts/contract-tools.sh into .tools/) reads the
# document the running service serves (/docs-json) and sends valid and invalid requests to every operation, then
# follows the document's links through whole lifecycles (stateful phase). The service is the embedded default
# (`npm start`: real Temporal dev server, worker and API) on a fresh data folder and free ports.
#
# Usage: npm run contract [-- <more st options>]   e.g. `npm run contract -- --max-examples 100` for a larger run.
# CONTRACT_SEED and CONTRACT_MAX_EXAMPLES override the config's; the report lands in .data/contract/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
st=$(bash scripts/contract-tools.sh)

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
data=$(mktemp -d "${TMPDIR:-/tmp}/pre-contract-XXXXXX")
report="$root/.data/contract"
mkdir -p "$report"
export PRE_DATA_DIR="$data" PORT="$(free_port)" HOST=127.0.0.1 TEMPORAL_DEV_PORT="$(free_port)" TEMPORAL_UI_PORT="$(free_port)"
export WORKER_METRICS_PORT=0 LOG_LEVEL=warn
# one client sends thousands of requests in a minute: the rate limits (429, declared everywhere) are lifted for the run
export PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE=1000000 PRE_THROTTLE_WRITES_PER_MINUTE=1000000 PRE_THROTTLE_REFERRALS_PER_MINUTE=1000000
export PRE_THROTTLE_CODEC_PER_MINUTE=1000000 PRE_THROTTLE_REPORTS_PER_MINUTE=1000000

service=""
cleanup() {
  if [ -n "$service" ] && kill -0 "$service" 2>/dev/null; then
    kill -TERM "$service" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$service" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$service" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

started=$(date +%s)
node dist/src/dev.js >"$report/service.log" 2>&1 &
service=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  if curl -fs "$base/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$service" 2>/dev/null; then echo "the service did not start:" >&2; tail -50 "$report/service.log" >&2; exit 1; fi
  sleep 0.2
done
curl -fs "$base/health/ready" >/dev/null || { echo "the service is not ready after 120 s" >&2; tail -50 "$report/service.log" >&2; exit 1; }
echo "service ready on $base in $(( $(date +%s) - started )) s"

tokens="{"
for role in coordinator finance admin supervisor referent; do
  token=$(node dist/scripts/token.js --sub "u-contract-$role" --role "$role" --ttl 1h)
  tokens="$tokens\"$role\":\"$token\","
done
export CONTRACT_TOKENS="${tokens%,}}"

fixtures=$(node scripts/contract-fixtures.js "$base")
echo "fixtures: $fixtures"
field() { node -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$fixtures" "$1"; }
# examples, coverage and fuzzing aim their path parameters at the fixtures; the stateful phase finds its own
# records by following the document's links, so it runs apart, without them
with_fixtures="$report/schemathesis-fixtures.toml"
{
  cat "$root/test/contract/schemathesis.toml"
  printf '\n[parameters]\n"path.dossierId" = "%s"\n"path.actionId" = "%s"\n"path.ref" = "%s"\n"path.year" = %s\n' \
    "$(field dossierId)" "$(field actionId)" "$(field ref)" "$(field year)"
} >"$with_fixtures"

# the bodies that take a case to ACTIVE: the stateful phase sends them now and then (test/contract/hooks.py)
CONTRACT_CASE_BODIES=$(node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).caseBodies))' "$fixtures")
export CONTRACT_CASE_BODIES
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$root/test/contract${PYTHONPATH:+:$PYTHONPATH}"
args=(--report junit,ndjson --report-dir "$report")
[ -n "${CONTRACT_SEED:-}" ] && args+=(--seed "$CONTRACT_SEED")
[ -n "${CONTRACT_MAX_EXAMPLES:-}" ] && args+=(--max-examples "$CONTRACT_MAX_EXAMPLES")
code=0
run_started=$(date +%s)
echo "== contract: examples, coverage, fuzzing (path parameters on the fixtures)"
"$st" --config-file "$with_fixtures" run "$base/docs-json" --phases examples,coverage,fuzzing "${args[@]}" "$@" || code=$?
echo "== contract: stateful (following the document's links)"
"$st" --config-file "$root/test/contract/schemathesis.toml" run "$base/docs-json" --phases stateful "${args[@]}" "$@" || code=$?
echo "contract: schemathesis exited $code after $(( $(date +%s) - run_started )) s (whole run $(( $(date +%s) - started )) s); report in .data/contract/"
exit $code
