"""Reading query parameters that a user, a link or an attacker may have written anything in.

Views validate what they read from `request.GET` with forms, or with these helpers, which
answer the default for a value that is not what was expected: no parameter may produce a
server error (tests/test_hostile_parameters.py feeds hostile values to every page).
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # the largest primary key any database here holds
_DIGITS = re.compile(r"[0-9]{1,10}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LOCAL_PATH = re.compile(r"/(?![/\\])")


def int_param(
    params, name: str, *, default: int | None = None, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    """`params[name]` as a whole number within [minimum, maximum], else `default`."""
    raw = (params.get(name) or "").strip()
    if not _DIGITS.fullmatch(raw):
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def local_path(url: str | None, default: str, *, max_length: int = 2000) -> str:
    """`url` when it is a path on this site ("/incidents/?page=2"), else `default`: not
    another site ("//evil", "/\\evil", "https://..."), not a view name Django's `redirect`
    would try to reverse ("NaN"), no control characters, not absurdly long."""
    if not url or len(url) > max_length or not _LOCAL_PATH.match(url) or _CONTROL.search(url):
        return default
    return url
