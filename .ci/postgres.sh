#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the test suites (installing Debian's packages if needed) and prints
# the URL to use. Sourced by .ci/run; a failure here fails CI: the PostgreSQL suites never skip.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGPORT=${ECERT_TEST_PG_PORT:-54329}
PGDATA=$(mktemp -d /tmp/ecert-pg.XXXXXX)
chown postgres "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U ecert >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
export ECERT_TEST_DATABASE_URL="postgres://ecert@127.0.0.1:$PGPORT/postgres"
export ECERT_TEST_PGDATA="$PGDATA" ECERT_TEST_PGBIN="$PGBIN"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') running at $ECERT_TEST_DATABASE_URL"
