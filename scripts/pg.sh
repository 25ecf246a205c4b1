#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for tests and CI.
#
#   scripts/pg.sh start    wipe and initialise $PGDATA, start on 127.0.0.1:$PGPORT, create $PGDB
#   scripts/pg.sh stop     stop it (no-op when not running)
#   scripts/pg.sh status   exit 0 when running
#   scripts/pg.sh url      print the DATABASE_URL to use
#
# Settings (environment): PGBIN (/usr/lib/postgresql/15/bin), PGDATA (/tmp/passerelle-pg),
# PGPORT (54329), PGDB (passerelle). The cluster trusts every local connection and runs
# with fsync=off: it is for tests only and its data is lost on every start.
# As root, the server runs as the OS user `postgres` (PostgreSQL refuses to run as root).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGDATA=${PGDATA:-/tmp/passerelle-pg}
PGPORT=${PGPORT:-54329}
PGDB=${PGDB:-passerelle}
PGHOST=127.0.0.1

as_pg() {
    # Run from / so that the postgres user never needs access to the caller's cwd.
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

is_running() {
    [ -f "$PGDATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

url() {
    echo "postgres://postgres@$PGHOST:$PGPORT/$PGDB"
}

stop() {
    if is_running; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop
    fi
}

start() {
    if [ ! -x "$PGBIN/initdb" ]; then
        echo "pg.sh: $PGBIN/initdb not found (apt-get install postgresql-15, or set PGBIN)." >&2
        exit 1
    fi
    # Never remove the directory of a live cluster: stop a stale one first.
    stop
    if is_running; then
        echo "pg.sh: the cluster in $PGDATA is still running; not wiping it." >&2
        exit 1
    fi
    if [ -e "$PGDATA" ]; then
        # Only wipe something that looks like a cluster directory (or an empty one).
        if [ -f "$PGDATA/PG_VERSION" ] || [ -z "$(ls -A "$PGDATA")" ]; then
            rm -rf "$PGDATA"
        else
            echo "pg.sh: $PGDATA exists and is not a PostgreSQL data directory; refusing to wipe it." >&2
            exit 1
        fi
    fi
    if [ "$(id -u)" -eq 0 ]; then
        install -d -m 700 -o postgres -g postgres "$PGDATA"
    else
        install -d -m 700 "$PGDATA"
    fi
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$PGDATA.initdb.log" 2>&1 || {
        cat "$PGDATA.initdb.log" >&2
        exit 1
    }
    if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
        -o "-h $PGHOST -p $PGPORT -k $PGDATA -c fsync=off" start >/dev/null; then
        echo "pg.sh: PostgreSQL did not start; server log:" >&2
        cat "$PGDATA/server.log" >&2 || true
        exit 1
    fi
    "$PGBIN/createdb" -h "$PGHOST" -p "$PGPORT" -U postgres "$PGDB"
    echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') running: $(url)"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) is_running ;;
    url) url ;;
    *)
        echo "usage: $0 start|stop|status|url" >&2
        exit 2
        ;;
esac
