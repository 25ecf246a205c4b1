"""Reading an uploaded table (CSV or XLSX) whatever the tool that wrote it: the generic
spreadsheet import and the ACLED import read their files here.

- XLSX goes through `core.spreadsheets` (zip-bomb refusal, bounded rows, columns and cells).
- CSV: UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's "Unicode text", usually
  tab-separated), else Windows-1252 / Latin-1; separated by ",", ";" or tabs (the one the
  header row uses most). A file that is plainly not text (PDF, image, NUL bytes) is refused.
- Cells come back as text, stripped, with the apostrophe `core.exports` adds before a risky
  cell removed again (so an exported file re-imports as it was).
- `parse_date`: ISO `2026-12-04`, French `04/12/2026` (jj/mm/aaaa, also with `-` or `.`),
  Excel serial numbers (`46360`), and ACLED's `04 December 2026` / `04-December-2026`.

(The XLSForm import keeps its own readers for Kobo / ODK exports in `xlsforms`; this module
is the small one for flat tables.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from passerelle.core import exports, spreadsheets
from passerelle.core.errors import DomainError

MB = 1024 * 1024

MESSAGES = {
    "too_large": _("The file is larger than %(limit)s MB."),
    "empty": _("The file is empty."),
    "file_type": _("This file is neither an Excel workbook (.xlsx) nor a CSV file."),
    "old_excel": _(
        "Old Excel files (.xls) cannot be read: save the file as .xlsx and upload it again."
    ),
    "too_many_rows": _("The file has more than %(limit)s rows: split it into several files."),
    "bad_csv": _("Line %(line)s of the file is not valid CSV."),
}


class TableRefused(DomainError):
    """The upload cannot be read as a table at all (no row-level message makes sense)."""

    def __init__(self, reason: str, **params):
        message = MESSAGES[reason] % params if params else MESSAGES[reason]
        super().__init__(message, code=reason)
        self.reason = reason
        self.params = params


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    encoding: str  # "utf-8", "utf-16", "cp1252" or "" for a workbook
    delimiter: str  # "," ";" "\t" or "" for a workbook
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells), header included


_NOT_TEXT = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b")
_OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV upload; TableRefused for what is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise TableRefused("file_type") from exc
    if b"\x00" in data or data.startswith(_NOT_TEXT):
        raise TableRefused("file_type")
    for encoding, name in (("utf-8-sig", "utf-8"), ("cp1252", "cp1252"), ("latin-1", "latin-1")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        head = text[:8192]
        controls = sum(1 for c in head if unicodedata.category(c) == "Cc" and c not in "\t\n\r")
        if controls * 200 > len(head):  # more than 0.5 % control characters: binary
            raise TableRefused("file_type")
        return text, name
    raise TableRefused("file_type")


def sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=first.count)


def cell_text(value) -> str:
    """A cell as stripped text: numbers without a trailing `.0`, dates as ISO, the export's
    protective apostrophe removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return exports.unescape(str(value).strip().replace("\x00", ""))


def read_table(
    data: bytes,
    *,
    filename: str = "",
    sheet: str | None = None,
    max_bytes: int = 20 * MB,
    max_rows: int = 100_000,
    max_columns: int = 80,
) -> Table:
    """The rows of an uploaded CSV or XLSX (told apart by content): every row, header
    included, blank rows left out. TableRefused for an empty, unreadable or too large file."""
    if len(data) > max_bytes:
        raise TableRefused("too_large", limit=max_bytes // MB)
    if not data.strip():
        raise TableRefused("empty")
    rows: list[tuple[int, list[str]]] = []
    if data[:4] == b"PK\x03\x04":
        limits = spreadsheets.Limits(max_rows=max_rows + 1, max_columns=max_columns)
        for number, values in spreadsheets.read_rows(data, sheet=sheet, limits=limits):
            cells = [cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
        table = Table("xlsx", "", "", rows)
    elif data[:8] == _OLD_EXCEL:
        raise TableRefused("old_excel")
    elif filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods", ".zip")):
        raise TableRefused("file_type")
    else:
        text, encoding = decode(data)
        delimiter = sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for number, cells in enumerate(reader, start=1):
                cells = [cell_text(c) for c in cells[:max_columns]]
                if any(cells):
                    rows.append((number, cells))
                    if len(rows) > max_rows + 1:
                        raise TableRefused("too_many_rows", limit=max_rows)
        except csv.Error as exc:
            raise TableRefused("bad_csv", line=reader.line_num) from exc
        table = Table("csv", encoding, delimiter, rows)
    if not table.rows:
        raise TableRefused("empty")
    if len(table.rows) > max_rows + 1:
        raise TableRefused("too_many_rows", limit=max_rows)
    return table


# --------------------------------------------------------------------------- dates

EXCEL_EPOCH = dt.date(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+Z-]*)?$")
_FRENCH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: [0-9:]+)?$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "janvier", "jan"),
            ("february", "fevrier", "feb", "fev"),
            ("march", "mars", "mar"),
            ("april", "avril", "apr", "avr"),
            ("may", "mai"),
            ("june", "juin", "jun"),
            ("july", "juillet", "jul", "juil"),
            ("august", "aout", "aug"),
            ("september", "septembre", "sep", "sept"),
            ("october", "octobre", "oct"),
            ("november", "novembre", "nov"),
            ("december", "decembre", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WORDS = re.compile(r"^(\d{1,2})[ -]([A-Za-z]+)\.?[ -](\d{4})$")


def _fold(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).lower()


def parse_date(text: str) -> dt.date | None:
    """A date from the formats spreadsheets hold, or None when it is not one."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if match := _ISO.match(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _FRENCH.match(text):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if _SERIAL.match(text):
            serial = float(text)
            if 1 <= serial < 2958466:  # Excel's own range (up to 9999-12-31)
                return EXCEL_EPOCH + dt.timedelta(days=int(serial))
            return None
        if match := _WORDS.match(_fold(text)):
            day, month, year = match.groups()
            if month in _MONTHS:
                return dt.date(int(year), _MONTHS[month], int(day))
    except (ValueError, OverflowError):
        return None
    return None


def norm(text: str) -> str:
    """A header or a name compared loosely: accents, case, punctuation and spaces folded."""
    return re.sub(r"[^a-z0-9]+", " ", _fold(text or "")).strip()
