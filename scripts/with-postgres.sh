#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster:
#
#   scripts/with-postgres.sh .venv/bin/python -m pytest -q
#
# Creates a cluster in a temporary folder with the machine's own PostgreSQL binaries (found on
# PATH, else in /usr/lib/postgresql/*/bin), starts it on a free port on 127.0.0.1, creates the
# database "ethos", exports DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/ethos, runs the
# command, then always stops the cluster and deletes the folder. The cluster trades durability
# for speed (no fsync): it is for tests only.
#
# PostgreSQL refuses to run as root; as root, the cluster runs as the "postgres" system user
# (or "ethos-postgres", created if neither exists).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

find_bindir() {
  local initdb
  if initdb=$(command -v initdb 2>/dev/null); then
    dirname "$(readlink -f "$initdb")"
    return
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ]; then
      echo "$dir"
      return
    fi
  done
  echo "PostgreSQL's initdb was not found on PATH or in /usr/lib/postgresql/*/bin." >&2
  echo "Install it (Debian: apt-get install postgresql) and try again." >&2
  exit 1
}

BINDIR=$(find_bindir)
PGTMP=$(mktemp -d "${TMPDIR:-/tmp}/ethos-pg.XXXXXX")
chmod 755 "$PGTMP"

as_owner() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then
    PGUSER_OS=postgres
  else
    PGUSER_OS=ethos-postgres
    id "$PGUSER_OS" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
  fi
  chown "$PGUSER_OS" "$PGTMP"
  as_owner() { runuser -u "$PGUSER_OS" -- "$@"; }
fi

cleanup() {
  local status=$?
  if [ -f "$PGTMP/data/postmaster.pid" ]; then
    as_owner "$BINDIR/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGTMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_owner "$BINDIR/initdb" -D "$PGTMP/data" -A trust --no-sync -U postgres -E UTF8 \
  --locale=C >"$PGTMP/initdb.log" 2>&1 || { cat "$PGTMP/initdb.log" >&2; exit 1; }
as_owner "$BINDIR/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$PGTMP/server.log" >&2; exit 1; }
"$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres ethos

export DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT/ethos"
echo "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (throwaway)" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
