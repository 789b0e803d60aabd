#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server on a loopback port, then remove the server.
#   scripts/with-postgres.sh make test
# The command sees TEST_DATABASE_URL (an asyncpg URL to an empty server; tests create their own
# databases in it). Needs the PostgreSQL server binaries (Debian: postgresql-15).
set -euo pipefail

# PostgreSQL 15 (what production runs) when installed, else the newest one there is
bin=/usr/lib/postgresql/${TEST_PG_VERSION:-15}/bin
[ -x "$bin/initdb" ] || bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL server binaries not found (install postgresql-15)" >&2
  exit 1
fi
# a free loopback port unless one is given
port=${TEST_PGPORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/interview-pg.XXXXXX)
as_owner=()
if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >/dev/null
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off \
   -c synchronous_commit=off -c full_page_writes=off" >/dev/null
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

export TEST_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
"$@"
