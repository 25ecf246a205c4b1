"""The text of one cell, as written to a file and as read back from one.

CSV cells that a spreadsheet would run as a formula (starting with "=" or "@", or with "+" or
"-" followed by something other than a phone number) are written with a leading "'", which the
import removes again. XLSX cells are always written as text, never as formulas.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def norm(text) -> str:
    """Case-, accent- and punctuation-insensitive form of a header or a label."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


FORMULA_START = ("=", "@", "+", "-")
PHONE_LIKE = re.compile(r"^[+\-]?[0-9 ().\-/+]*$")


def csv_safe(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START) and not PHONE_LIKE.match(text):
        return "'" + text
    return text


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
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        text = text[1:]
    return text


def db_text(value) -> str:
    return ("" if value is None else str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()


def xlsx_text(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
