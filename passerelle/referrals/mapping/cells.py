"""The text of one cell, as written to a file and as read back from one.

CSV cells that a spreadsheet would run as a formula (starting with "=", "+", "-", "@", a tab or
a carriage return, phone numbers included) are written with a leading "'", which the import
removes again; XLSX cells are always written as text, never as formulas. Both rules live in
`passerelle.core.exports`, shared by every file Passerelle writes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from passerelle.core import exports


def norm(text) -> str:
    """Case-, accent- and punctuation-insensitive form of a header or a label."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


FORMULA_START = exports.FORMULA_START


def csv_safe(value) -> str:
    return str(exports.safe_cell(value))


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return exports.unescape(text).strip()


def db_text(value) -> str:
    return ("" if value is None else str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()


xlsx_text = exports.xlsx_value
