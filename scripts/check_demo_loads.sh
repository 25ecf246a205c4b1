#!/usr/bin/env bash
# Load the demonstration data N times on fresh SQLite databases and report the failures.
#
#   scripts/check_demo_loads.sh [N] [--worktree] [--keep]
#
# `make run` must succeed on a clean clone every time. This script copies the committed tree
# (HEAD; --worktree: the files on disk, uncommitted changes included) to a temporary
# directory, then N times: a new var/ (new SQLite database, new keys), `manage.py migrate`
# and `manage.py load_demo`, as `make run` does. It prints one line per load (PASS/FAIL,
# seconds), the count, the mean time of a load, and the last lines of each failed load's
# log. Exit 1 if any load failed. --keep keeps the temporary directory (logs, databases).
# N defaults to 20. Uses the project's .venv (make install).
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
ROOT=$PWD
N=20
SOURCE=head
KEEP=0
for arg in "$@"; do
    case "$arg" in
        --worktree) SOURCE=worktree ;;
        --keep) KEEP=1 ;;
        ''|*[!0-9]*) echo "usage: $0 [N] [--worktree] [--keep]" >&2; exit 2 ;;
        *) N=$arg ;;
    esac
done
PY=$ROOT/.venv/bin/python
[ -x "$PY" ] || { echo "check_demo_loads: no .venv (run make install)." >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-demo-loads.XXXXXX")
cleanup() { [ "$KEEP" = 1 ] && echo "kept: $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT

TREE=$WORK/tree
mkdir -p "$TREE"
if [ "$SOURCE" = head ]; then
    git -C "$ROOT" archive HEAD | tar -x -C "$TREE"
else
    tar -C "$ROOT" --exclude=./.venv --exclude=./var --exclude=./.git --exclude=./staticfiles \
        -cf - . | tar -x -C "$TREE"
fi
echo "check_demo_loads: $N loads of $SOURCE ($(git -C "$ROOT" rev-parse --short HEAD)) in $WORK"

pass=0
fail=0
total=0
failed=()
for i in $(seq 1 "$N"); do
    var=$WORK/var-$i
    log=$WORK/load-$i.log
    mkdir -p "$var"
    start=$(date +%s.%N)
    if (cd "$TREE" && unset DATABASE_URL && export PASSERELLE_VAR_DIR="$var" \
        PASSERELLE_ENV=development \
        && "$PY" manage.py migrate --noinput && "$PY" manage.py load_demo) >"$log" 2>&1; then
        status=PASS
        pass=$((pass + 1))
    else
        status=FAIL
        fail=$((fail + 1))
        failed+=("$i")
    fi
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    total=$(echo "$total + $seconds" | bc)
    printf '%s load %d/%d: %s (%.1f s)\n' "$(date -u +%H:%M:%S)" "$i" "$N" "$status" "$seconds"
    [ "$KEEP" = 1 ] || rm -rf "$var"
done

printf 'check_demo_loads: %d of %d loads passed; %.1f s per load on average\n' \
    "$pass" "$N" "$(echo "$total / $N" | bc -l)"
for i in "${failed[@]}"; do
    echo "--- load $i failed; last lines of its log:"
    tail -n 15 "$WORK/load-$i.log"
done
[ "$fail" = 0 ]
