#!/usr/bin/env bash
# Passerelle's production setup on one machine: PostgreSQL, gunicorn behind nginx (TLS,
# static files), the background worker. See docs/deployment.md.
#
#   scripts/serve.sh          (make serve) check, migrate, collect static, serve until Ctrl-C
#   scripts/serve.sh keys     create the key files in $PASSERELLE_SERVE_DIR/keys if absent
#
# Everything it keeps lives in PASSERELLE_SERVE_DIR (default var/serve): keys/, the local
# PostgreSQL cluster pg/ (when DATABASE_URL is not given), tls/ (a self-signed certificate when
# none is given), nginx/ (its prefix: configuration, logs, temporary files), run/ (gunicorn's
# socket). Nothing in it is ever wiped.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$ROOT"

SERVE_DIR=$(readlink -m "${PASSERELLE_SERVE_DIR:-$ROOT/var/serve}")
PY=${PASSERELLE_PYTHON:-$ROOT/.venv/bin/python}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
LISTEN=${PASSERELLE_LISTEN:-127.0.0.1}
HTTPS_PORT=${PASSERELLE_HTTPS_PORT:-8443}
HTTP_PORT=${PASSERELLE_HTTP_PORT:-8080}  # 0: no plain-http listener (which only redirects)
LOCAL_PG_PORT=${PASSERELLE_PG_PORT:-54330}
KEYS_DIR=$SERVE_DIR/keys
PG_DIR=$SERVE_DIR/pg
NGINX_DIR=$SERVE_DIR/nginx
RUN_DIR=$SERVE_DIR/run
TLS_DIR=$SERVE_DIR/tls

say() { printf '[serve %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() {
    printf '[serve] %s\n' "$*" >&2
    exit 1
}

as_root() { [ "$(id -u)" -eq 0 ]; }
# PostgreSQL refuses to run as root, nginx should not: as root they run as these users.
as_pg() {
    if as_root; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

new_key() { "$PY" -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'; }
new_secret() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))'; }

# --------------------------------------------------------------------------- keys

write_key_files() {
    # Create the missing key files (never overwrite one: the field key opens the identities).
    install -d -m 700 "$KEYS_DIR"
    local name
    for name in secret_key field.key audit.key; do
        [ -s "$KEYS_DIR/$name" ] && continue
        (
            umask 077
            if [ "$name" = secret_key ]; then new_secret >"$KEYS_DIR/$name"; else new_key >"$KEYS_DIR/$name"; fi
        )
        say "created $KEYS_DIR/$name (keep a copy away from this machine: docs/deployment.md)"
    done
}

use_keys() {
    # Each key from the environment, else from a *_FILE, else from $KEYS_DIR. A missing key
    # stops here; the settings refuse a missing key too (and never generate one in production).
    if [ -z "${PASSERELLE_SECRET_KEY:-}" ]; then
        local file=${PASSERELLE_SECRET_KEY_FILE:-$KEYS_DIR/secret_key}
        [ -r "$file" ] || die "No secret key: set PASSERELLE_SECRET_KEY or PASSERELLE_SECRET_KEY_FILE (or run '$0 keys' for a new installation)."
        PASSERELLE_SECRET_KEY=$(<"$file")
        export PASSERELLE_SECRET_KEY
    fi
    local var file
    for var in PASSERELLE_FIELD_KEY PASSERELLE_AUDIT_KEY; do
        [ -n "${!var:-}" ] && continue
        file="${var}_FILE"
        if [ -z "${!file:-}" ]; then
            case $var in
                PASSERELLE_FIELD_KEY) export PASSERELLE_FIELD_KEY_FILE=$KEYS_DIR/field.key ;;
                PASSERELLE_AUDIT_KEY) export PASSERELLE_AUDIT_KEY_FILE=$KEYS_DIR/audit.key ;;
            esac
        fi
        [ -r "${!file}" ] || die "No ${var#PASSERELLE_} (${!file} is missing): set $var or ${var}_FILE. A new key would not open the existing data; for a new installation run '$0 keys'."
    done
}

# --------------------------------------------------------------------------- PostgreSQL

PG_STARTED=0
local_postgres() {
    # A persistent cluster in $PG_DIR, reached only through its Unix socket in that
    # directory (mode 0700: only its owner — and root — can connect; no TCP port is opened).
    [ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 is not installed ($PGBIN/initdb): apt-get install postgresql-15, or set DATABASE_URL."
    local new=0
    if [ ! -f "$PG_DIR/PG_VERSION" ]; then
        if [ -e "$PG_DIR" ] && [ -n "$(ls -A "$PG_DIR")" ]; then
            die "$PG_DIR exists and is not a PostgreSQL data directory."
        fi
        # A new database gets new keys; an existing one never does.
        write_key_files
        if as_root; then install -d -m 700 -o postgres -g postgres "$PG_DIR"; else install -d -m 700 "$PG_DIR"; fi
        say "initialising the PostgreSQL cluster in $PG_DIR"
        as_pg "$PGBIN/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$SERVE_DIR/initdb.log" 2>&1 ||
            {
                cat "$SERVE_DIR/initdb.log" >&2
                die "initdb failed"
            }
        new=1
    fi
    if ! as_pg "$PGBIN/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
        as_pg "$PGBIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-c listen_addresses='' -p $LOCAL_PG_PORT -k $PG_DIR" start >/dev/null ||
            {
                tail -n 30 "$PG_DIR/server.log" >&2 || true
                die "PostgreSQL did not start (log above: $PG_DIR/server.log)"
            }
        PG_STARTED=1
        say "PostgreSQL started ($PG_DIR, socket only)"
    fi
    if [ "$new" -eq 1 ]; then
        "$PGBIN/createdb" -h "$PG_DIR" -p "$LOCAL_PG_PORT" -U postgres passerelle
    fi
    # dj-database-url: the host is the socket directory, percent-encoded.
    DATABASE_URL="postgres://postgres@$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_DIR"):$LOCAL_PG_PORT/passerelle"
    export DATABASE_URL
}

stop_local_postgres() {
    if [ "$PG_STARTED" -eq 1 ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PG_DIR" -m fast -w -t 60 stop >/dev/null 2>&1 || true
        PG_STARTED=0
        say "PostgreSQL stopped"
    fi
}

# --------------------------------------------------------------------------- TLS

tls_files() {
    # A real certificate: PASSERELLE_TLS_CERT (full chain) and PASSERELLE_TLS_KEY. Otherwise a
    # self-signed one for the names served, generated once into $TLS_DIR (browsers warn).
    if [ -n "${PASSERELLE_TLS_CERT:-}" ] || [ -n "${PASSERELLE_TLS_KEY:-}" ]; then
        [ -r "${PASSERELLE_TLS_CERT:-}" ] && [ -r "${PASSERELLE_TLS_KEY:-}" ] ||
            die "PASSERELLE_TLS_CERT and PASSERELLE_TLS_KEY must both name readable files."
        TLS_CERT=$PASSERELLE_TLS_CERT
        TLS_KEY=$PASSERELLE_TLS_KEY
        return
    fi
    TLS_CERT=$TLS_DIR/selfsigned.crt
    TLS_KEY=$TLS_DIR/selfsigned.key
    if [ ! -s "$TLS_CERT" ] || [ ! -s "$TLS_KEY" ]; then
        install -d -m 755 "$TLS_DIR"
        local san="" host
        for host in ${HOSTS//,/ }; do
            if [[ $host =~ ^[0-9.]+$|:.*: ]]; then san+="IP:$host,"; else san+="DNS:$host,"; fi
        done
        (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -days 825 -subj "/CN=${HOSTS%%,*}" -addext "subjectAltName=${san%,}" \
            -keyout "$TLS_KEY" -out "$TLS_CERT" 2>/dev/null) || die "openssl could not make a certificate"
        chmod 644 "$TLS_CERT"
        say "created a self-signed certificate for ${HOSTS} in $TLS_DIR"
    fi
    if as_root; then chown www-data "$TLS_KEY"; fi
}

# --------------------------------------------------------------------------- nginx

render_nginx() {
    local prefix=$NGINX_DIR http_server=""
    install -d -m 755 "$prefix"
    install -d -m 750 "$prefix/logs" "$prefix/tmp"  # the log holds addresses
    if as_root; then chown -R www-data:www-data "$prefix/logs" "$prefix/tmp"; fi
    if [ "$HTTP_PORT" != 0 ]; then
        local suffix=":$HTTPS_PORT"
        [ "$HTTPS_PORT" = 443 ] && suffix=""
        http_server="    server {
        listen $LISTEN:$HTTP_PORT;
        server_name _;
        location / {
            return 301 https://\$host$suffix\$request_uri;
        }
    }"
    fi
    local max_body
    max_body=$("$PY" -c 'from django.conf import settings; print(settings.MAX_REQUEST_BYTES)')
    HTTP_SERVER=$http_server PREFIX=$prefix MAX_BODY=$max_body UPSTREAM="unix:$RUN_DIR/gunicorn.sock" \
        LISTEN_ADDR=$LISTEN HTTPS_PORT=$HTTPS_PORT SERVER_NAMES="${HOSTS//,/ }" TLS_CERT=$TLS_CERT \
        TLS_KEY=$TLS_KEY STATIC_ROOT=$STATIC_ROOT MIME_TYPES=${NGINX_MIME_TYPES:-/etc/nginx/mime.types} \
        "$PY" - "$ROOT/deploy/nginx.conf.template" "$prefix/nginx.conf" <<'PYEOF'
import os, re, sys
text = open(sys.argv[1]).read()
names = {"LISTEN": "LISTEN_ADDR"}
def value(match):
    name = match.group(1)
    return os.environ[names.get(name, name)]
text = re.sub(r"@([A-Z_]+)@", value, text)
open(sys.argv[2], "w").write(text)
PYEOF
}

nginx_cmd() {
    # exec: started with `nginx_cmd &`, the process the script waits for and stops is nginx.
    if as_root; then
        exec setpriv --reuid=www-data --regid=www-data --init-groups -- "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" "$@"
    else
        exec "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" "$@"
    fi
}

# --------------------------------------------------------------------------- static files

collect_static() {
    # collectstatic hashes and compresses every file again (a minute on a busy machine):
    # skipped when no source file changed since the last collection (names, sizes, times).
    local stamp fingerprint
    read -r STATIC_ROOT fingerprint < <("$PY" - <<'PYEOF'
import hashlib, os
import django
django.setup()
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
lines = []
for finder in get_finders():
    for path, storage in finder.list(["CVS", ".*", "*~"]):
        st = os.stat(storage.path(path))
        lines.append(f"{path}\0{storage.path(path)}\0{st.st_size}\0{st.st_mtime_ns}")
lines.append(settings.STORAGES["staticfiles"]["BACKEND"])
print(settings.STATIC_ROOT, hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest())
PYEOF
    )
    stamp=$STATIC_ROOT/.collected
    if [ -f "$STATIC_ROOT/staticfiles.json" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
        say "static files unchanged since the last collectstatic ($STATIC_ROOT)"
        return
    fi
    say "manage.py collectstatic"
    "$PY" manage.py collectstatic --noinput --verbosity 0
    echo "$fingerprint" >"$stamp"
}

# --------------------------------------------------------------------------- run

CHILDREN=()
stop_all() {
    local code=$?
    trap - INT TERM EXIT
    if [ "${#CHILDREN[@]}" -gt 0 ]; then
        say "stopping"
        kill -TERM "${CHILDREN[@]}" 2>/dev/null || true
        local waited=0
        while [ "$waited" -lt 30 ] && kill -0 "${CHILDREN[@]}" 2>/dev/null; do
            sleep 1
            waited=$((waited + 1))
        done
        kill -KILL "${CHILDREN[@]}" 2>/dev/null || true
        wait 2>/dev/null || true
    fi
    stop_local_postgres
    exit "$code"
}

serve() {
    [ -x "$PY" ] || die "$PY not found: run 'make install' first."
    command -v "$NGINX" >/dev/null || die "nginx is not installed: apt-get install nginx (or set NGINX)."
    command -v openssl >/dev/null || die "openssl is not installed."

    export PASSERELLE_ENV=production
    export DJANGO_SETTINGS_MODULE=config.settings
    HOSTS=${PASSERELLE_ALLOWED_HOSTS:-localhost,127.0.0.1}
    export PASSERELLE_ALLOWED_HOSTS=$HOSTS
    install -d -m 755 "$SERVE_DIR"
    if as_root; then install -d -m 750 -g www-data "$RUN_DIR"; else install -d -m 700 "$RUN_DIR"; fi

    trap stop_all EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if [ -z "${DATABASE_URL:-}" ]; then
        local_postgres
    fi
    case $DATABASE_URL in postgres*) ;; *) die "DATABASE_URL must name a PostgreSQL database in production." ;; esac
    use_keys

    say "manage.py check --deploy"
    "$PY" manage.py check --deploy --fail-level WARNING || die "check --deploy failed: not starting."
    say "manage.py migrate"
    "$PY" manage.py migrate --noinput
    collect_static
    tls_files
    render_nginx
    (nginx_cmd -t -q) || die "nginx refused its configuration ($NGINX_DIR/nginx.conf)."

    rm -f "$RUN_DIR/gunicorn.sock"
    PASSERELLE_WEB_BIND="unix:$RUN_DIR/gunicorn.sock" "$PY" -m gunicorn -c config/gunicorn.py config.wsgi &
    CHILDREN+=($!)
    # The jobs worker and scheduler (reminders, protocol expiry, mail: docs/operations.md).
    "$PY" manage.py run_jobs &
    CHILDREN+=($!)
    nginx_cmd &
    CHILDREN+=($!)

    local origin="https://${HOSTS%%,*}:$HTTPS_PORT" address=$LISTEN tries=0
    case $address in 0.0.0.0 | "*") address=127.0.0.1 ;; "[::]" | ::) address=::1 ;; esac
    until curl -sfk --max-time 2 --resolve "${HOSTS%%,*}:$HTTPS_PORT:$address" "$origin/health/" >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -le 60 ] || die "Passerelle did not answer on $origin/health/ within 60 s."
        for pid in "${CHILDREN[@]}"; do kill -0 "$pid" 2>/dev/null || die "a process stopped during start-up (output above)."; done
        sleep 1
    done
    say "Passerelle is serving $origin/ (Ctrl-C stops everything)"
    # Any child that stops stops the whole setup.
    local status=0
    wait -n || status=$?
    say "a process stopped (status $status): stopping the others"
    exit 1
}

case "${1:-serve}" in
    serve) serve ;;
    keys) write_key_files ;;
    *)
        echo "usage: $0 [serve|keys]" >&2
        exit 2
        ;;
esac
