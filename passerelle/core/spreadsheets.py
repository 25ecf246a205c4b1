"""Reading an uploaded XLSX workbook within bounds. Every XLSX import goes through here.

An XLSX file is a zip archive: a 200 KB upload can hold a 200 MB cell, and a parser inflates
all of it. Before openpyxl sees the file, `inspect` reads the zip's directory (no
decompression) and refuses an archive with too many entries, too much uncompressed data, or
an entry inflating far more than spreadsheets do. Python's zipfile never inflates an entry
beyond the size its header declares (a lying header ends in a CRC error), so the declared
sizes are a real bound. `read_rows` then reads the sheet in openpyxl's read-only (streaming)
mode, bounding rows, columns and the length of each cell.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .errors import DomainError

MB = 1024 * 1024

MESSAGES = {
    "not_a_workbook": _("This file is not an Excel workbook (.xlsx) that can be read."),
    "workbook_too_large": _(
        "The workbook holds more data than an import may (at most %(limit)s MB once "
        "uncompressed): split it into several files."
    ),
    "cell_too_long": _(
        "A cell of the workbook (row %(row)s) holds more than %(limit)s characters."
    ),
}


@dataclass(frozen=True)
class Limits:
    max_entries: int = 200  # files inside the zip archive
    max_uncompressed: int = 25 * MB  # all entries, inflated
    max_ratio: int = 100  # inflated / compressed, for an entry over `ratio_from`
    ratio_from: int = 1 * MB
    max_rows: int = 100_000  # spreadsheet rows looked at, empty ones included
    max_columns: int = 60  # columns read
    max_cell_chars: int = 32_767  # Excel's own limit for one cell


LIMITS = Limits()


class WorkbookRefused(DomainError):
    """The upload is not a workbook, or is beyond the limits; `reason` is a MESSAGES key."""

    def __init__(self, reason: str, **params):
        message = MESSAGES[reason] % params if params else MESSAGES[reason]
        super().__init__(message, code=reason)
        self.reason = reason
        self.params = params


def inspect(data: bytes, limits: Limits = LIMITS) -> None:
    """Refuse, from the zip directory alone, an archive that would inflate too far."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise WorkbookRefused("not_a_workbook") from exc
    too_large = WorkbookRefused("workbook_too_large", limit=limits.max_uncompressed // MB)
    if len(entries) > limits.max_entries:
        raise too_large
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > limits.max_uncompressed:
            raise too_large
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > limits.ratio_from and ratio > limits.max_ratio:
            raise too_large


def open_workbook(data: bytes, *, limits: Limits = LIMITS, read_only: bool = True):
    """The workbook, once its zip directory passed `inspect` (for a caller that needs more
    than rows: the sheets' names, or a workbook to write again); WorkbookRefused otherwise.
    The caller closes it (`book.close()`) when it is read-only."""
    import openpyxl  # imported here: only imports need it

    inspect(data, limits)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except Exception as exc:  # a zip that is not a workbook, a damaged workbook
        raise WorkbookRefused("not_a_workbook") from exc


def sheet_names(data: bytes, *, limits: Limits = LIMITS) -> list[str]:
    book = open_workbook(data, limits=limits)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def read_rows(
    data: bytes, *, sheet: str | None = None, limits: Limits = LIMITS
) -> Iterator[tuple[int, tuple]]:
    """(row number, cell values) of the sheet named `sheet` (else the first), at most
    `limits.max_rows` rows of `limits.max_columns` cells; WorkbookRefused past the limits
    or for a file openpyxl cannot read."""
    book = open_workbook(data, limits=limits)
    try:
        found = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        rows = found.iter_rows(values_only=True, max_col=limits.max_columns)
        for number, values in enumerate(rows, start=1):
            if number > limits.max_rows:
                break
            for value in values:
                if isinstance(value, str) and len(value) > limits.max_cell_chars:
                    raise WorkbookRefused("cell_too_long", row=number, limit=limits.max_cell_chars)
            yield number, values
    except WorkbookRefused:
        raise
    except Exception as exc:
        raise WorkbookRefused("not_a_workbook") from exc
    finally:
        book.close()
