#!/usr/bin/env bash
# A PostgreSQL server on loopback for the tests: installs Debian's package if missing, starts
# the cluster, creates the role and database, and prints the URL the tests connect with.
#   export HF_MONITOR_TEST_PG="$(.ci/postgres.sh)"
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true  # already running is fine
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
pg_isready -h 127.0.0.1 >&2
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hfmonitor') THEN
    CREATE ROLE hfmonitor LOGIN PASSWORD 'hfmonitor';
  END IF;
END $$;
SQL
if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'hfmonitor_test'" | grep -q 1; then
  runuser -u postgres -- createdb -O hfmonitor hfmonitor_test >&2
fi
echo "postgresql+psycopg://hfmonitor:hfmonitor@127.0.0.1:5432/hfmonitor_test"
