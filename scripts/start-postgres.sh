#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for tests and development; print its SQLAlchemy URL.
#
#   scripts/start-postgres.sh [DATA_DIR]        start (DATA_DIR: a new temporary folder by default)
#   scripts/start-postgres.sh --stop DATA_DIR   stop that cluster and delete its folder
#
# It installs nothing: PostgreSQL's server binaries must be there (Debian: apt-get install postgresql).
# The cluster listens on 127.0.0.1 only, on $PG_PORT or a free port, trusts local connections, and
# runs with fsync off (fast, and fine for data that is thrown away). Only the URL goes to stdout, so
#   export PORTAL_EVIDENCE_TEST_PG_URL=$(scripts/start-postgres.sh)
# works; how to stop it is written to stderr. initdb refuses to run as root, so as root the server
# runs as the `postgres` system user.
set -euo pipefail

find_bindir() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$dir" ]] && command -v pg_config >/dev/null; then dir=$(pg_config --bindir); fi
    if [[ -z "$dir" ]] && command -v initdb >/dev/null; then dir=$(dirname "$(command -v initdb)"); fi
    echo "$dir"
}

as_owner() {  # run a command as the owner of the cluster
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

BIN=$(find_bindir)
if [[ -z "$BIN" || ! -x "$BIN/initdb" || ! -x "$BIN/pg_ctl" ]]; then
    echo "start-postgres: PostgreSQL server binaries not found (install postgresql or set PG_BIN)" >&2
    exit 3
fi

if [[ "${1:-}" == "--stop" ]]; then
    DATA=${2:?usage: start-postgres.sh --stop DATA_DIR}
    if [[ -f "$DATA/pgdata/postmaster.pid" ]]; then
        as_owner "$BIN/pg_ctl" -D "$DATA/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf -- "$DATA"
    exit 0
fi

if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    echo "start-postgres: running as root needs the 'postgres' system user (created by Debian's postgresql package)" >&2
    exit 3
fi

DATA=${1:-$(mktemp -d "${TMPDIR:-/tmp}/pe-pg.XXXXXX")}
mkdir -p "$DATA"
PORT=${PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$DATA"
    chmod 700 "$DATA"
fi

as_owner "$BIN/initdb" -D "$DATA/pgdata" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
    >"$DATA/initdb.log" 2>&1 || { cat "$DATA/initdb.log" >&2; exit 1; }
as_owner "$BIN/pg_ctl" -D "$DATA/pgdata" -l "$DATA/server.log" -w -t 30 \
    -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres portal_evidence

echo "start-postgres: cluster in $DATA on 127.0.0.1:$PORT; stop with: $0 --stop $DATA" >&2
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/portal_evidence"
