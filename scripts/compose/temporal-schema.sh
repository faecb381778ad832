#!/bin/sh
# One-shot schema job of docker-compose.yml (service temporal-schema, image temporalio/admin-tools at the server's
# version): creates the two PostgreSQL databases of config/temporal/cluster.yaml if missing, then brings their
# schemas to the version the server needs (default store and SQL visibility). Idempotent: run again, it changes
# nothing. Any other error stops it (exit != 0), and then the Temporal server does not start.
# test/cluster/tls.spec.ts runs this very script, twice, against the PostgreSQL of `npm run test:cluster`.
#
# Environment: SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD (read by temporal-sql-tool), and optionally
# TEMPORAL_SQL_TOOL (default: temporal-sql-tool on PATH), TEMPORAL_SCHEMA_DIR (default: the image's /etc/temporal/schema).
set -eu
export SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
schema="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}"

for pair in "temporal:temporal" "temporal_visibility:visibility"; do
  db="${pair%%:*}"
  dir="${pair##*:}"
  # create-database leaves an existing database as it is
  "$tool" --db "$db" create-database
  "$tool" --db "$db" setup-schema -v 0.0
  "$tool" --db "$db" update-schema -d "$schema/postgresql/v12/$dir/versioned"
  echo "temporal-schema: schema $db ready"
done
echo "temporal-schema: done"
