"""Export of the service mapping, as XLSX and as HXL-tagged CSV.

One row per service, one column per field, in the order of `COLUMNS`. The CSV has the
headers in the user's language in row 1 and the HXL hashtags in row 2. The XLSX has the
headers in the user's language and a second sheet, "codes", that lists the valid service
types, target groups, statuses and provider acronyms with their French and English labels,
so that a partner can fill the file in. Lists (areas, target groups) are separated by ";".
"""

from __future__ import annotations

import io

import openpyxl
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Font

from passerelle.accounts.models import Organisation
from passerelle.core import exports

from ..models import Service, ServiceType, TargetGroup
from .cells import xlsx_text
from .columns import COLUMNS, SHEET

CODES_SHEET = "codes"


def filtered_services(params):
    """The services to export and the filters applied (provider acronym, service type,
    area P-code: the services serving it, status)."""
    qs = Service.objects.select_related("provider", "receiver").prefetch_related("areas")
    filters = {}
    provider = (params.get("provider") or "").strip()
    if provider:
        qs = qs.filter(provider__acronym__iexact=provider)
        filters["provider"] = provider
    kind = (params.get("type") or params.get("service_type") or "").strip()
    if kind:
        qs = qs.filter(service_type=kind)
        filters["type"] = kind
    pcode = (params.get("area") or "").strip().upper()
    if pcode:
        # A service serves an area when it serves the area or an area containing it.
        prefixes = [pcode[:n] for n in range(1, len(pcode) + 1)]
        qs = qs.filter(areas__pcode__in=prefixes).distinct()
        filters["area"] = pcode
    status = (params.get("status") or "").strip()
    if status:
        qs = qs.filter(status=status)
        filters["status"] = status
    return qs.order_by("provider__acronym", "service_type", "code"), _as_codes(filters)


UNKNOWN = "?"


def _as_codes(filters: dict) -> dict:
    """The filters as the audit log keeps them: a known code (an acronym, a service type, a
    P-code, a status), or "?" for a value that is none of them — never text as typed."""
    from passerelle.geography.models import Area

    known = {
        "provider": lambda v: (
            Organisation.objects.filter(acronym__iexact=v).values_list("acronym", flat=True).first()
        ),
        "type": lambda v: v if v in ServiceType.values else None,
        "area": lambda v: v if Area.objects.filter(pcode=v).exists() else None,
        "status": lambda v: v if v in Service.Status.values else None,
    }
    return {name: known[name](value) or UNKNOWN for name, value in filters.items()}


def _values(service) -> list:
    return [
        service.code,
        service.name,
        service.name_en,
        service.provider.acronym,
        service.service_type,
        service.description,
        ";".join(sorted(a.pcode for a in service.areas.all())),
        ";".join(service.target_groups or []),
        service.min_age,
        service.max_age,
        service.languages,
        service.hours,
        service.location,
        service.contact_name,
        service.contact_phone,
        service.contact_email,
        service.capacity,
        service.status,
        service.receiver.username if service.receiver_id else "",
    ]


def export_hxl_csv(services) -> str:
    """Headers in the active language, then hashtags, then one row per service."""
    out = io.StringIO()
    writer = exports.csv_writer(out, lineterminator="\r\n")
    writer.writerow([str(c.label) for c in COLUMNS])
    writer.writerow([c.tag for c in COLUMNS])
    for service in services:
        writer.writerow(_values(service))
    return out.getvalue()


def append_row(sheet, values) -> None:
    """Add a row after the last one (`sheet.max_row` would scan the whole sheet)."""
    number = getattr(sheet, "_passerelle_rows", 0) + 1
    sheet._passerelle_rows = number
    for index, value in enumerate(values, start=1):
        cell = sheet.cell(row=number, column=index, value=xlsx_text(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text, never a formula


def header_row(sheet, values, widths=None) -> None:
    append_row(sheet, values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width


def _codes_sheet(book) -> None:
    sheet = book.create_sheet(CODES_SHEET)
    header_row(
        sheet,
        [str(_("List")), str(_("Code")), str(_("French")), str(_("English"))],
        [24, 32, 44, 44],
    )
    lists = [
        (_("Service type"), ServiceType.choices),
        (_("Target groups"), TargetGroup.choices),
        (_("Status"), Service.Status.choices),
    ]
    for title, choices in lists:
        for value, label in choices:
            with translation.override("fr"):
                french = str(label)
            with translation.override("en"):
                english = str(label)
            append_row(sheet, [str(title), value, french, english])
    for org in Organisation.objects.filter(active=True).order_by("acronym"):
        english = org.name_en or org.name
        append_row(sheet, [str(_("Provider (acronym)")), org.acronym, org.name, english])


def export_xlsx(services) -> bytes:
    """The services sheet (headers in the active language) and the "codes" sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    header_row(sheet, [str(c.label) for c in COLUMNS], [18, 36, 12, 28, 40, 24, 20])
    for service in services:
        append_row(sheet, _values(service))
    _codes_sheet(book)
    return exports.xlsx_bytes(book)
