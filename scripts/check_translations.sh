#!/usr/bin/env bash
# Check the committed translation catalogues (locale/{fr,en}/LC_MESSAGES/django.po).
#
# Regenerates the catalogues with makemessages (same options as `make messages`), compares
# them with the committed ones, then puts the committed locale/ back exactly as it was.
# Fails (exit 1) when:
#   - a message of the source code is missing from a committed catalogue (stale catalogue),
#   - a committed catalogue still holds a message that is no longer in the source code,
#   - a French message is untranslated or fuzzy (the French header must not be fuzzy either:
#     msgfmt would drop it and lose the French plural rule),
#   - msgfmt --check-format rejects a committed catalogue.
# English entries may keep an empty msgstr (Django then shows the msgid, written in English).
# Fix with `make messages`, translate, and commit locale/.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
# Keep in step with LANGS / I18N_IGNORE in the Makefile.
MAKEMESSAGES_ARGS=(-l fr -l en --ignore=.venv --ignore=staticfiles --ignore=var
    --ignore=node_modules --no-obsolete)

for tool in msgfmt msgmerge xgettext; do
    command -v "$tool" >/dev/null || {
        echo "check_translations: $tool not found (apt-get install gettext)." >&2
        exit 1
    }
done

tmp=$(mktemp -d)
had_locale=0
[ -d locale ] && had_locale=1
backed_up=0

restore() {
    # Put the committed catalogues back, whatever makemessages did to them.
    if [ "$backed_up" -eq 1 ]; then
        rm -rf locale
        if [ "$had_locale" -eq 1 ]; then
            cp -a "$tmp/committed" locale
        fi
    fi
    rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 130' INT TERM

if [ "$had_locale" -eq 1 ]; then
    cp -a locale "$tmp/committed"
else
    mkdir -p "$tmp/committed"
fi
backed_up=1

status=0
# Syntax and format placeholders of the committed files, as compilemessages checks them.
for lang in fr en; do
    po="locale/$lang/LC_MESSAGES/django.po"
    if [ -f "$po" ] && ! msgfmt --check-format -o /dev/null "$po" 2>"$tmp/msgfmt.log"; then
        echo "msgfmt rejects $po:" >&2
        cat "$tmp/msgfmt.log" >&2
        status=1
    fi
done

echo "Regenerating catalogues (makemessages ${MAKEMESSAGES_ARGS[*]}) ..."
if ! PASSERELLE_ENV=test "$PY" manage.py makemessages "${MAKEMESSAGES_ARGS[@]}" \
    >"$tmp/makemessages.log" 2>&1; then
    cat "$tmp/makemessages.log" >&2
    echo "check_translations: makemessages failed." >&2
    exit 1
fi
cp -a locale "$tmp/regenerated"

"$PY" - "$tmp/committed" "$tmp/regenerated" <<'PYEOF' || status=1
"""Compare committed and regenerated catalogues (standard library only)."""

import ast
import re
import sys
from pathlib import Path

KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')
STRICT = {"fr"}  # languages whose every entry must be translated and not fuzzy
MAX_LISTED = 50


def parse(path):
    """Return the non-obsolete entries of a .po file as dicts."""
    entries, cur, field = [], None, None

    def new():
        return {"flags": set(), "refs": [], "msgctxt": None, "msgid": None,
                "msgid_plural": None, "msgstr": {}, "obsolete": False}

    def flush():
        nonlocal cur
        if cur is not None and cur["msgid"] is not None and not cur["obsolete"]:
            entries.append(cur)
        cur = None

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        obsolete = False
        if line.startswith("#~") and not line.startswith("#~|"):
            obsolete, line = True, line[2:].strip()
        if not line:
            flush()
            field = None
            continue
        if line.startswith("#"):
            if cur is not None and cur["msgid"] is not None:
                flush()
            cur = cur or new()
            field = None
            if line.startswith("#,"):
                cur["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#:"):
                cur["refs"].extend(line[2:].split())
            continue
        if line.startswith('"'):
            if cur is None or field is None:
                sys.exit(f"{path}:{lineno}: unexpected string")
            value = ast.literal_eval(line)
            if field.startswith("msgstr"):
                cur["msgstr"][field] += value
            else:
                cur[field] += value
            continue
        m = KEYWORD.match(line)
        if not m:
            sys.exit(f"{path}:{lineno}: cannot parse {raw!r}")
        keyword, value = m.group(1), ast.literal_eval(m.group(2))
        if keyword in ("msgctxt", "msgid") and cur is not None and cur["msgid"] is not None:
            flush()
        cur = cur or new()
        cur["obsolete"] = cur["obsolete"] or obsolete
        if keyword.startswith("msgstr"):
            cur["msgstr"][keyword] = value
        else:
            cur[keyword] = value
        field = keyword
    flush()
    return entries


def key(entry):
    return (entry["msgctxt"], entry["msgid"])


def show(entry):
    text = entry["msgid"].replace("\n", "\\n")
    if len(text) > 90:
        text = text[:87] + "..."
    ctxt = f"[{entry['msgctxt']}] " if entry["msgctxt"] is not None else ""
    where = f"  ({entry['refs'][0]})" if entry["refs"] else ""
    return f'    {ctxt}"{text}"{where}'


def report(title, entries):
    if not entries:
        return
    print(f"  {title}: {len(entries)}")
    for entry in entries[:MAX_LISTED]:
        print(show(entry))
    if len(entries) > MAX_LISTED:
        print(f"    ... and {len(entries) - MAX_LISTED} more")


def main():
    committed_root, regenerated_root = Path(sys.argv[1]), Path(sys.argv[2])
    failed = False
    for lang in ("fr", "en"):
        rel = Path(lang, "LC_MESSAGES", "django.po")
        committed_po, regenerated_po = committed_root / rel, regenerated_root / rel
        regenerated = parse(regenerated_po) if regenerated_po.exists() else []
        source = {key(e): e for e in regenerated if e["msgid"] != ""}
        print(f"\nlocale/{rel}")
        if not committed_po.exists():
            print(f"  MISSING FILE: the catalogue is not committed ({len(source)} messages in the source)")
            report("messages missing from the catalogue", list(source.values()))
            failed = True
            continue
        committed = parse(committed_po)
        header = next((e for e in committed if e["msgid"] == "" and e["msgctxt"] is None), None)
        entries = {key(e): e for e in committed if e["msgid"] != "" or e["msgctxt"] is not None}

        missing = [e for k, e in source.items() if k not in entries]
        stale = [e for k, e in entries.items() if k not in source]
        problems = {"messages missing from the catalogue (stale catalogue)": missing,
                    "messages no longer in the source code (obsolete)": stale}
        if lang in STRICT:
            current = [e for k, e in entries.items() if k in source]
            problems["untranslated"] = [
                e for e in current
                if not e["msgstr"] or any(not v for v in e["msgstr"].values())
            ]
            problems["fuzzy"] = [e for e in current if "fuzzy" in e["flags"]]
            if header is not None and "fuzzy" in header["flags"]:
                print("  fuzzy header: remove '#, fuzzy' above the header entry")
                failed = True
        translated = sum(
            1 for k, e in entries.items()
            if k in source and e["msgstr"] and all(e["msgstr"].values())
            and "fuzzy" not in e["flags"]
        )
        print(f"  {len(source)} messages in the source, {len(entries)} in the catalogue, "
              f"{translated} translated")
        for title, found in problems.items():
            report(title, found)
            failed = failed or bool(found)
        if not any(problems.values()):
            print("  OK")
    return 1 if failed else 0


sys.exit(main())
PYEOF

echo
if [ "$status" -ne 0 ]; then
    echo "Translation check FAILED: run 'make messages', translate the French entries"
    echo "(and remove their 'fuzzy' flags), then commit locale/."
    exit 1
fi
echo "Translation check passed: catalogues up to date, French complete."
