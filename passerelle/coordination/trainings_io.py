"""The mapping of trainings as an XLSX workbook, headers in the active language."""

from __future__ import annotations

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from passerelle.core import exports

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region(area) -> str:
    if area.level >= 2 and area.parent_id:
        parent = area.parent
        while parent is not None and parent.level > 1:
            parent = parent.parent
        return parent.name if parent is not None else ""
    return area.name if area.level == 1 else ""


def _duplicates(training, flags: dict) -> str:
    others = flags.get(training.pk, [])
    return "; ".join(
        f"{o.title} ({o.provider.acronym}, {o.starts_on:%Y-%m-%d}, "
        + (_("same provider") if o.provider_id == training.provider_id else _("another provider"))
        + ")"
        for o in others
    )


def training_workbook(trainings: list, flags: dict, *, filters: list[tuple[str, str]]) -> bytes:
    """`trainings` (with provider and area loaded), `flags` from `trainings.flags_for`,
    `filters` as (label, value) lines written above the table."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("Trainings")[:31]
    sheet.append([_("Mapping of trainings")])
    sheet["A1"].font = Font(bold=True, size=13)
    for label, value in filters:
        exports.append(sheet, [label, value])
    sheet.append([])
    header = [
        _("Title"),
        _("Given by"),
        _("Topic"),
        _("Audience"),
        _("Where"),
        _("P-code"),
        _("Region"),
        _("From"),
        _("To"),
        _("Participants"),
        _("Of whom women"),
        _("Language"),
        _("Note"),
        _("Likely duplicate of"),
    ]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for t in trainings:
        exports.append(
            sheet,
            [
                t.title,
                t.provider.acronym,
                t.get_topic_display(),
                t.get_audience_display(),
                t.area.name,
                t.area.pcode,
                _region(t.area),
                t.starts_on,
                t.ends_on,
                t.participants,
                t.women,
                t.language,
                t.note,
                _duplicates(t, flags),
            ],
        )
    for row in sheet.iter_rows(min_row=header_row + 1, max_row=sheet.max_row):
        row[5].number_format = "@"
        row[7].number_format = row[8].number_format = "yyyy-mm-dd"
    widths = {"A": 40, "B": 12, "C": 30, "D": 26, "E": 18, "F": 10, "G": 14, "M": 30, "N": 50}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    return exports.xlsx_bytes(book)
