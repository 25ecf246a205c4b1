"""The problems of a rejected import and the downloadable error report.

Every problem is a `CellError` (row, column, value, message). `ImportRejected` carries them
all, and what is needed to build the error report: the submitted rows with an "errors"
column, which can be fixed in place and uploaded again.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import openpyxl
from django.utils.translation import gettext_lazy as _

from passerelle.core import exports, spreadsheets
from passerelle.core.errors import DomainError

from .columns import BY_KEY
from .export import append_row, header_row

if TYPE_CHECKING:
    from .reading import Table

MAX_REPORT_BYTES = 1_000_000  # compressed error report kept in the session

MESSAGES = {
    "empty": _("The file holds no service."),
    "file_type": _("This file is neither an Excel workbook (.xlsx) nor a CSV file."),
    "old_excel": _(
        "Old Excel files (.xls) cannot be read: save the file as .xlsx and upload it again."
    ),
    "too_large": _("The file is larger than %(limit)s MB."),
    "too_many_rows": _("The file has more than %(limit)s rows: split it into several files."),
    "no_header": _(
        "No column was recognised: the first row must hold the column headers, "
        "or their HXL hashtags."
    ),
    "missing_column": _("The column “%(column)s” is missing."),
    "duplicate_column": _("The column “%(column)s” appears twice."),
    "ambiguous_column": _("The hashtag %(tag)s could name several columns."),
    "required": _("This cell cannot be empty."),
    "too_long": _("At most %(limit)s characters."),
    "bad_code": _("A code cannot hold control characters."),
    "duplicate_code": _("The code %(code)s is already used on row %(row)s of the file."),
    "unknown_provider": _("No organisation has the acronym “%(value)s”."),
    "inactive_provider": _("%(org)s is no longer active."),
    "not_your_provider": _("You may not change the services of %(org)s."),
    "not_your_service": _(
        "The code %(code)s belongs to a service of %(org)s, which you may not change."
    ),
    "unknown_type": _("Unknown service type “%(value)s”: see the “codes” sheet."),
    "unknown_area": _("Unknown P-code “%(value)s”."),
    "unknown_group": _("Unknown target group “%(value)s”: use women, men, girls or boys."),
    "not_integer": _("“%(value)s” is not a whole number."),
    "age_range": _("An age is a whole number from 0 to 120."),
    "capacity_range": _("The capacity is a whole number, 0 or more."),
    "age_order": _("The minimum age (%(min)s) is above the maximum age (%(max)s)."),
    "email": _("“%(value)s” is not a valid e-mail address."),
    "unknown_status": _("Unknown status “%(value)s”: use active or suspended."),
    "unknown_receiver": _("No user has the username “%(value)s”."),
    "receiver_not_allowed": _("%(user)s cannot receive referrals for %(org)s."),
    "invalid": _("Invalid value: %(detail)s"),
    # a workbook beyond the bounds of core.spreadsheets
    "workbook_too_large": spreadsheets.MESSAGES["workbook_too_large"],
    "cell_too_long": spreadsheets.MESSAGES["cell_too_long"],
}


@dataclass
class CellError:
    """One problem: where (spreadsheet row, column), what was there, and why (rendered in the
    language active when it is shown)."""

    row: int | None  # None: the whole file
    column: str  # a column key, or the header as written in the file
    value: str
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = MESSAGES[self.code]
        return str(text % self.params) if self.params else str(text)

    @property
    def column_label(self) -> str:
        column = BY_KEY.get(self.column)
        return str(column.label) if column else self.column

    def as_list(self) -> list:
        return [self.row, self.column, self.value[:300], self.code, self.params]


class ImportRejected(DomainError):
    """Nothing was imported; `errors` lists every problem."""

    def __init__(self, errors: list[CellError], table: Table | None = None):
        super().__init__(_("Nothing was imported."), code="invalid")
        self.errors = errors
        self.table = table

    def payload(self) -> str:
        return report_payload(self.table, self.errors)


def file_error(code: str, **params) -> ImportRejected:
    return ImportRejected([CellError(None, "", "", code, params)])


def report_payload(table: Table | None, errors: list[CellError]) -> str:
    """What the error report needs, compressed for the session: the submitted rows (service
    directory data, never case data) and the problems. Only failing rows are kept when the
    whole file would be too large."""
    failing = {e.row for e in errors}
    data = {
        "header": list(table.header) if table else [],
        "tags": list(table.tags) if table and table.tags else None,
        "rows": [[n, c] for n, c in table.rows] if table else [],
        "errors": [e.as_list() for e in errors],
    }
    packed = zlib.compress(json.dumps(data, default=str).encode(), 6)
    if len(packed) > MAX_REPORT_BYTES:
        data["rows"] = [[n, c] for n, c in data["rows"] if n in failing]
        packed = zlib.compress(json.dumps(data, default=str).encode(), 6)
    if len(packed) > MAX_REPORT_BYTES:
        data["rows"], data["errors"] = [], data["errors"][:5000]
        packed = zlib.compress(json.dumps(data, default=str).encode(), 6)
    return base64.b64encode(packed).decode("ascii")


def error_report_xlsx(payload: str) -> bytes:
    """The submitted rows with an "errors" column, and every problem on a second sheet, in
    the active language. Fixed in place, the first sheet can be uploaded again."""
    data = json.loads(zlib.decompress(base64.b64decode(payload)))
    errors = [CellError(*item) for item in data["errors"]]
    by_row = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(_("rows"))[:31]
    width = max([len(data["header"]), len(data["tags"] or [])] + [len(c) for _n, c in data["rows"]])
    header = data["header"] + [""] * (width - len(data["header"]))
    header_row(sheet, [str(_("Row")), *header, str(_("Errors"))], [8])
    if data["tags"]:
        append_row(sheet, ["", *data["tags"], *[""] * (width - len(data["tags"]))])
    for number, cells in data["rows"]:
        problems = "\n".join(f"{e.column_label}: {e.message}" for e in by_row.get(number, []))
        append_row(sheet, [number, *cells, *[""] * (width - len(cells)), problems])
    listing = book.create_sheet(str(_("errors"))[:31])
    header_row(
        listing,
        [str(_("Row")), str(_("Column")), str(_("Value")), str(_("Problem"))],
        [8, 28, 30, 80],
    )
    for error in errors:
        append_row(listing, [error.row or "", error.column_label, error.value, error.message])
    return exports.xlsx_bytes(book)


def report_errors(payload: str) -> list[CellError]:
    data = json.loads(zlib.decompress(base64.b64decode(payload)))
    return [CellError(*item) for item in data["errors"]]
