"""Reading an uploaded file of services into a `Table`.

A file is an XLSX workbook (its first sheet) or a CSV file (UTF-8 or Windows-1252, separated
by ",", ";" or tabs), told apart by content, not by name. A row of HXL hashtags may follow the
header row, or replace it; rows above the header row are skipped. Columns come in any order
and are recognised by hashtag (attributes in any order; extra attributes allowed) or by
header in French or English; other columns are ignored and listed. Code, name, provider,
service type, areas and target groups are required columns.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.utils import translation

from passerelle.core import spreadsheets

from ..models import Service
from .cells import cell_text, norm
from .columns import COLUMNS, SHEET, Column, column_for_tag, parse_tag
from .report import CellError, ImportRejected, file_error

MAX_ROWS = 5000  # services in one file
MAX_BYTES = 5 * 1024 * 1024  # size of an uploaded file
MAX_COLUMNS = 60  # columns read from a file
MAX_SCAN = 100_000  # spreadsheet rows looked at, empty ones included
HEADER_SCAN = 10  # rows searched for the HXL hashtag row
XLSX_LIMITS = spreadsheets.Limits(max_rows=MAX_SCAN, max_columns=MAX_COLUMNS)


@dataclass
class Table:
    format: str  # "xlsx" or "csv"
    header: list[str]  # header cells ("" for a file with hashtags only)
    tags: list[str] | None  # the HXL row, if any
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    columns: dict[int, str] = field(default_factory=dict)  # cell index -> column key
    ignored: list[str] = field(default_factory=list)


def _is_tag_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and all(parse_tag(c) for c in filled)


def _header_lookup() -> dict[str, Column]:
    """Normalised header -> column, for headers written in French or English."""
    found = {}
    for column in COLUMNS:
        names = [column.key, column.key.replace("_", " ")]
        for language in ("en", "fr"):
            with translation.override(language):
                names.append(str(column.label))
                names.append(str(Service._meta.get_field(column.key).verbose_name))
        for name in names:
            found.setdefault(norm(name), column)
    return found


def _xlsx_rows(data: bytes):
    """The rows of the workbook, within the bounds of core.spreadsheets (zip inflation,
    rows, columns, cell length)."""
    try:
        for number, values in spreadsheets.read_rows(data, sheet=SHEET, limits=XLSX_LIMITS):
            yield number, [cell_text(v) for v in values]
    except spreadsheets.WorkbookRefused as exc:
        code = "file_type" if exc.reason == "not_a_workbook" else exc.reason
        raise file_error(code, **exc.params) from exc


_NOT_TEXT = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b")


def _decode(data: bytes) -> str:
    """The text of a CSV file; ImportRejected for what is plainly not text."""
    if b"\x00" in data or data.startswith(_NOT_TEXT):
        raise file_error("file_type")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        head = text[:8192]
        controls = sum(1 for c in head if unicodedata.category(c) == "Cc" and c not in "\t\n\r")
        if controls * 200 > len(head):  # more than 0.5 % control characters: binary
            raise file_error("file_type")
        return text
    raise file_error("file_type")


def _csv_rows(data: bytes):
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_SCAN:
                break
            yield number, [cell_text(c) for c in cells[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise file_error("file_type") from exc


def read_table(data: bytes, filename: str = "") -> Table:
    """Read an uploaded file (XLSX or CSV, told apart by content) into a Table; raise
    ImportRejected for an empty, unreadable, too large or too long file, or bad headers."""
    if len(data) > MAX_BYTES:
        raise file_error("too_large", limit=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise file_error("empty")
    if data[:4] == b"PK\x03\x04":
        kind, rows = "xlsx", _xlsx_rows(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise file_error("old_excel")
    elif filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods", ".zip")):
        raise file_error("file_type")
    else:
        kind, rows = "csv", _csv_rows(data)
    filled = []
    for number, cells in rows:
        if any(cells):
            filled.append((number, cells))
            if len(filled) > MAX_ROWS + HEADER_SCAN:
                raise file_error("too_many_rows", limit=MAX_ROWS)
    if not filled:
        raise file_error("empty")
    return _table(kind, filled)


def _table(kind: str, filled: list[tuple[int, list[str]]]) -> Table:
    tag_at = next((i for i, (_n, c) in enumerate(filled[:HEADER_SCAN]) if _is_tag_row(c)), None)
    if tag_at is None:
        header, tags, rows = filled[0][1], None, filled[1:]
    else:
        header = filled[tag_at - 1][1] if tag_at > 0 else []
        tags, rows = filled[tag_at][1], filled[tag_at + 1 :]
    table = Table(kind, header, tags, rows)
    if len(rows) > MAX_ROWS:
        raise file_error("too_many_rows", limit=MAX_ROWS)
    errors = _resolve_columns(table)
    if errors:
        raise ImportRejected(errors, table)
    if not rows:
        raise ImportRejected([CellError(None, "", "", "empty", {})], table)
    return table


def _resolve_columns(table: Table) -> list[CellError]:
    lookup = _header_lookup()
    tags = table.tags or []
    errors, seen = [], {}
    for index in range(max(len(table.header), len(tags))):
        head = table.header[index] if index < len(table.header) else ""
        tag = tags[index] if index < len(tags) else ""
        column, ambiguous = column_for_tag(tag) if tag else (None, False)
        if column is None and head:
            column = lookup.get(norm(head))
        if column is None:
            if ambiguous:
                errors.append(CellError(None, head or tag, tag, "ambiguous_column", {"tag": tag}))
            elif head or tag:
                table.ignored.append(head or tag)
            continue
        if column.key in seen:
            errors.append(
                CellError(
                    None, column.key, head or tag, "duplicate_column", {"column": column.label}
                )
            )
            continue
        seen[column.key] = index
        table.columns[index] = column.key
    if not seen:
        return [CellError(None, "", "", "no_header", {})]
    for column in COLUMNS:
        if column.required and column.key not in seen:
            errors.append(
                CellError(None, column.key, "", "missing_column", {"column": column.label})
            )
    return errors
