#!/usr/bin/env bash
# Start the production setup (scripts/serve.sh) in the background on DATABASE_URL with new
# keys in a temporary directory, fetch the login page and a static file THROUGH nginx over
# https, then stop it. Exit 0 when everything answered as expected; the setup's log is
# printed on failure. Used by .ci/run ("Production setup").
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:54329/passerelle scripts/check_serve.sh
#
# CHECK_SERVE_PORT (default 18443): the https port; CHECK_SERVE_TIMEOUT (default 300): seconds
# allowed for the start (a first collectstatic on a busy machine takes a minute).
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$ROOT"

: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to serve}"
PORT=${CHECK_SERVE_PORT:-18443}
TIMEOUT=${CHECK_SERVE_TIMEOUT:-300}
HOST=localhost
ORIGIN="https://$HOST:$PORT"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-check-serve.XXXXXX")
LOG=$DIR/serve.log
chmod 755 "$DIR"  # as root, nginx (www-data) reads its prefix inside it
fetch() { curl -sS --max-time 20 --cacert "$DIR/tls/selfsigned.crt" --resolve "$HOST:$PORT:127.0.0.1" "$@"; }

SERVE_PID=""
finish() {
    local code=$?
    if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -TERM "$SERVE_PID" 2>/dev/null || true
        for _ in $(seq 40); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 1; done
        kill -KILL -- "-$SERVE_PID" 2>/dev/null || true  # its whole process group, if it hangs
    fi
    if [ "$code" -ne 0 ]; then
        echo "---- production setup log ($LOG) ----" >&2
        tail -n 80 "$LOG" >&2 || true
        echo "---- nginx error/access log ----" >&2
        tail -n 20 "$DIR/nginx/logs/access.log" >&2 2>/dev/null || true
    fi
    rm -rf "$DIR"
    exit "$code"
}
trap finish EXIT

fail() {
    echo "check_serve: $*" >&2
    exit 1
}

PASSERELLE_SERVE_DIR=$DIR bash scripts/serve.sh keys >/dev/null
# Its own session, so that it and its children can be stopped together whatever happens.
PASSERELLE_SERVE_DIR=$DIR PASSERELLE_HTTPS_PORT=$PORT PASSERELLE_HTTP_PORT=0 \
    PASSERELLE_ALLOWED_HOSTS=$HOST setsid bash scripts/serve.sh >"$LOG" 2>&1 &
SERVE_PID=$!

started=$(date +%s)
until grep -q "Passerelle is serving" "$LOG" 2>/dev/null; do
    kill -0 "$SERVE_PID" 2>/dev/null || fail "the production setup stopped during its start."
    [ $(($(date +%s) - started)) -lt "$TIMEOUT" ] || fail "not serving after $TIMEOUT s."
    sleep 1
done
echo "serving after $(($(date +%s) - started)) s"

# The login page, through nginx and TLS (the certificate checked against the one made).
status=$(fetch -o "$DIR/login.html" -D "$DIR/login.headers" -w '%{http_code}' "$ORIGIN/accounts/login/")
[ "$status" = 200 ] || fail "GET /accounts/login/ answered $status."
grep -q 'name="csrfmiddlewaretoken"' "$DIR/login.html" || fail "the login page has no login form."
grep -q 'name="username"' "$DIR/login.html" || fail "the login page has no username field."
grep -qi '^server: nginx' "$DIR/login.headers" || fail "the login page did not come through nginx."
grep -qi '^strict-transport-security:' "$DIR/login.headers" || fail "no HSTS header."
grep -qi '^set-cookie: csrftoken=.*; Secure' "$DIR/login.headers" || fail "the CSRF cookie is not Secure."
echo "login page: 200 through nginx, login form present"

# A hashed static file the page links to, served by nginx with a year's cache.
css=$(grep -o '/static/[^"]*\.css' "$DIR/login.html" | head -n 1)
[ -n "$css" ] || fail "the login page links no stylesheet."
headers=$(fetch -o /dev/null -D - "$ORIGIN$css")
grep -q '^HTTP/[0-9.]* 200' <<<"$headers" || fail "GET $css did not answer 200."
grep -qi 'cache-control: public, max-age=31536000, immutable' <<<"$headers" ||
    fail "$css is not cached for a year."
echo "static file: $css 200, cached for a year"

echo "production setup: OK"
