"""Pages for the response-gap analysis and the service map.

The gap figures come from `gaps.build`, which counts only what `policy.aggregate_scope` allows,
protects small cells and, when partners' records are counted, coarsens as
`disclosure_control.Coarsening` says (the page, the XLSX and the map show the same figures);
these views parse filters, ask, and render (HTML, XLSX, and the figures per area for the map,
whose boundaries the browser fetches once from geography.boundaries and keeps).
"""

from __future__ import annotations

from urllib.parse import urlencode

import openpyxl
from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Font

from passerelle import policy
from passerelle.core import audit, exports
from passerelle.core.forms import IsoDateInput
from passerelle.geography import boundaries
from passerelle.geography.loader import MALI_APPROXIMATE, MALI_VERSION
from passerelle.geography.models import Area

from . import gaps
from .models import CORE_SERVICES, Service, ServiceType
from .views import filter_services

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --------------------------------------------------------------------------- map data

# The boundaries are not in the page: areamap.js fetches them once per admin level from
# geography.boundaries (simplified, cached by the browser); the page carries only the figures.
simplify_ring = boundaries.simplify_ring
simplify = boundaries.simplify


def _ranges(values: list[int], fixed: list[int] | None = None) -> list[tuple[int, int | None]]:
    """Classes of positive values: (low, high) inclusive, high None for the open last class.
    `fixed` gives the lower bounds; otherwise up to four classes by quartiles."""
    if fixed is None:
        positive = sorted(v for v in values if v > 0)
        if not positive:
            return []
        lows = {positive[0]}
        for share in (0.25, 0.5, 0.75):
            lows.add(positive[int(share * (len(positive) - 1))] + 1)
        fixed = sorted(low for low in lows if low <= positive[-1])
    bounds = []
    for i, low in enumerate(fixed):
        high = fixed[i + 1] - 1 if i + 1 < len(fixed) else None
        bounds.append((low, high))
    return bounds


def _range_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s or more") % {"low": low}
    if high == low:
        return str(low)
    return _("%(low)s to %(high)s") % {"low": low, "high": high}


class Scale:
    """Classes for a map: "0" for zero, "1".."4" for the ranges, "none" for no figure."""

    def __init__(self, values: list[int], fixed: list[int] | None = None):
        self.bounds = _ranges(values, fixed)

    def klass(self, value: int | None) -> str:
        if value is None:
            return "none"
        if value == 0:
            return "0"
        for index, (low, high) in enumerate(self.bounds, start=1):
            if value >= low and (high is None or value <= high):
                return str(index)
        return str(len(self.bounds))

    def legend(self, *, none_label: str | None = None) -> list[dict]:
        items = [{"klass": "0", "label": "0"}]
        items += [
            {"klass": str(i), "label": _range_label(low, high)}
            for i, (low, high) in enumerate(self.bounds, start=1)
        ]
        if none_label:
            items.append({"klass": "none", "label": none_label})
        return items


def area_map(map_id: str, areas, values: dict, legend: list, *, title, palette: str) -> dict:
    """Context for templates/referrals/_area_map.html. `values`: P-code → {"c": class,
    "t": tooltip text, "u": link or None}. The boundaries are named by URL only (one cached
    document per admin level among the areas drawn), never copied into the page."""
    drawn = boundaries.drawable(areas)
    shown = [a for a in areas if a.pcode in drawn]
    levels = sorted({a.level for a in shown})
    values = {a.pcode: values[a.pcode] for a in shown if a.pcode in values}
    return {
        "id": map_id,
        "data_id": f"{map_id}-data",
        "legend_id": f"{map_id}-legend",
        "mali_credit": any(a.pcode_version == MALI_VERSION for a in areas),
        "drawn": bool(shown),
        "values": values,
        "data": {
            "boundaries": [boundaries.for_level(level).url for level in levels],
            "areas": [{"p": a.pcode, "n": a.name, **values.get(a.pcode, {})} for a in shown],
        },
        "legend": legend,
        "title": title,
        "palette": palette,
        "without_boundary": [a for a in areas if a.pcode not in drawn],
        "approximate": [
            a for a in shown if a.pcode_version == MALI_VERSION and a.pcode in MALI_APPROXIMATE
        ],
    }


# --------------------------------------------------------------------------- response gaps


class GapFilterForm(forms.Form):
    COLOURS = [
        ("missing", gettext_lazy("Needed service types without an active service")),
        ("unreferred", gettext_lazy("Incidents with needs and no referral")),
    ]
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=IsoDateInput())
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=IsoDateInput())
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Area.objects.filter(level=Area.Level.REGION).order_by("pcode"),
        to_field_name="pcode",
        required=False,
        empty_label=gettext_lazy("All regions"),
    )
    colour = forms.ChoiceField(
        label=gettext_lazy("Colour the map by"), choices=COLOURS, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", gettext_lazy("The end comes before the start."))
        return data


def _gap_report(request):
    """(form, report or None): the filters, completed with the default period."""
    form = GapFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    start, end = data.get("start"), data.get("end")
    if not (start and end):
        default_start, default_end = gaps.default_period(request.user)
        if start and not end:
            end = max(start, default_end)
        elif end and not start:
            start = min(end, default_start)
        else:
            start, end = default_start, default_end
    if not form.is_bound:
        form = GapFilterForm(initial={"start": start, "end": end, "colour": "missing"})
    report = gaps.build(request.user, start=start, end=end, region=data.get("region"))
    return form, report


def _gap_map(report, colour: str) -> dict:
    rows = [r for r in report.rows if r.area is not None]
    areas = [r.area for r in rows]
    if colour == "unreferred":
        cells = {r.key: r.cell("unreferred") for r in rows}
        scale = Scale([c.value for c in cells.values() if not c.suppressed])
        values = {}
        for key, cell in cells.items():
            shown = None if cell.suppressed else cell.value
            values[key] = {"c": scale.klass(shown), "t": "x" if shown is None else str(shown)}
        legend = scale.legend(none_label=_("x: suppressed (small number)"))
        title = _("Incidents with survivor needs and no referral")
    else:
        scale = Scale([], fixed=[1, 2, 3])
        values = {
            r.key: {
                "c": scale.klass(len(r.needed_missing)),
                "t": ", ".join(r.needed_missing_labels()) or _("none"),
            }
            for r in rows
        }
        legend = scale.legend()
        title = _("Needed service types without an active service")
    return area_map("gap-map", areas, values, legend, title=title, palette="gaps")


@policy.permission("aggregate.view")
def gap_analysis(request):
    form, report = _gap_report(request)
    gap_map = None
    if report is not None:
        colour = form.cleaned_data.get("colour") if form.is_bound else "missing"
        gap_map = _gap_map(report, colour or "missing")
    return render(
        request,
        "referrals/gaps.html",
        {
            "form": form,
            "report": report,
            "map": gap_map,
            "querystring": request.GET.urlencode(),
        },
    )


def _shown(cell):
    return "x" if cell.suppressed else cell.value


def _median_shown(value, hidden):
    if hidden:
        return "x"
    return "" if value is None else value


def gap_workbook(report) -> bytes:
    """The page's table as an XLSX workbook, headers in the active language."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("Response gaps")[:31]
    region = report.region.name if report.region else _("All regions")
    sheet.append([_("Response gaps")])
    sheet.append([_("Period"), report.start, report.end])
    sheet.append([_("Region"), region])
    sheet.append([])
    header = [
        report.level_label,
        _("P-code"),
        _("Region"),
        *(str(label) for _key, label in report.measures),
        _("Median days to service"),
        _("Needed service types without an active service"),
    ]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    sheet["A1"].font = Font(bold=True, size=13)
    for row in report.rows:
        exports.append(
            sheet,
            [
                row.label,
                row.key,
                row.area.parent.name if row.area and row.area.parent and row.level == 2 else "",
                *(_shown(c) for c in row.cells),
                _median_shown(row.median_days, row.median_hidden),
                ", ".join(row.needed_missing_labels()),
            ],
        )
    sheet.append(
        [
            _("Total"),
            "",
            "",
            *(_shown(c) for c in report.totals),
            _median_shown(report.median_days, report.median_hidden),
            "",
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for cell in sheet["B"][header_row:]:
        cell.number_format = "@"
    sheet["B2"].number_format = sheet["C2"].number_format = "yyyy-mm-dd"
    sheet.append([])
    sheet.append(
        [
            _(
                "x: not shown (fewer than %(k)s, or would let such a number be worked out "
                "from the totals)."
            )
            % {"k": report.k}
        ]
    )
    sheet.append(
        [
            _(
                "A service type is listed as needed where at least %(k)s needs for it were "
                "recorded in the period."
            )
            % {"k": report.k}
        ]
    )
    if report.rounded:
        sheet.append(
            [
                _(
                    "Partners' records are counted: every number is rounded to a multiple of "
                    "%(k)s, totals add up the numbers shown, medians are in whole days."
                )
                % {"k": report.k}
            ]
        )
    if report.widened:
        sheet.append(
            [
                _(
                    "Partners' records are counted over whole quarters only: the period asked "
                    "was %(start)s – %(end)s."
                )
                % {"start": report.asked[0].isoformat(), "end": report.asked[1].isoformat()}
            ]
        )
    sheet.column_dimensions["A"].width = 28
    for letter in "DEFGHIJ":
        sheet.column_dimensions[letter].width = 14
    sheet.column_dimensions["K"].width = 40
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    return exports.xlsx_bytes(book)


@policy.permission("aggregate.view")
def gap_xlsx(request):
    form, report = _gap_report(request)
    if report is None:
        return render(
            request,
            "referrals/gaps.html",
            {"form": form, "report": None, "map": None, "querystring": ""},
            status=400,
        )
    audit.record(
        request.user,
        "gaps.export",
        organisation=(policy.organisations(request.user, "aggregate.view") or [None])[0],
        level=1,
        detail={
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
            "region": report.region.pcode if report.region else "",
            "k": report.k,
            "suppressed": report.suppressed,
            "protocols": [p.reference for p in report.protocols],
            "rounded": report.rounded,
            "area_level": report.level,
        },
    )
    response = HttpResponse(gap_workbook(report), content_type=XLSX_TYPE)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="response-gaps-{stamp}.xlsx"'
    return response


# --------------------------------------------------------------------------- service map


class ServiceMapForm(forms.Form):
    service_type = forms.ChoiceField(
        label=gettext_lazy("Service type"),
        choices=[("", gettext_lazy("All")), *ServiceType.choices],
        required=False,
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Area.objects.filter(level=Area.Level.REGION).order_by("pcode"),
        to_field_name="pcode",
        required=False,
        empty_label=gettext_lazy("All regions"),
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.filter(level=Area.Level.CERCLE),
        to_field_name="pcode",
        required=False,
        widget=forms.HiddenInput,
    )


@policy.permission("service.view")
def service_map(request):
    form = ServiceMapForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    service_type = data.get("service_type") or ""
    region = data.get("region")
    chosen = data.get("area")
    if chosen is not None and region is not None and not chosen.pcode.startswith(region.pcode):
        chosen = None  # a cercle of another region
    areas = list(gaps.cercles(region))
    found = gaps.presence(areas, service_type=service_type or None)
    counts = {a.pcode: found[a.pcode].count(service_type or None) for a in areas}
    scale = Scale(list(counts.values()), fixed=[1, 2, 4, 7])
    base = {"service_type": service_type, "region": region.pcode if region else ""}
    base = {k: v for k, v in base.items() if v}

    def link(area):
        return "?" + urlencode({**base, "area": area.pcode}) + "#services"

    values = {
        a.pcode: {"c": scale.klass(counts[a.pcode]), "t": str(counts[a.pcode]), "u": link(a)}
        for a in areas
    }
    title = (
        _("Active services of the type %(type)s per cercle")
        % {"type": ServiceType(service_type).label}
        if service_type
        else _("Active services per cercle")
    )
    services = None
    if chosen is not None:
        services = filter_services(
            Service.objects.select_related("provider").prefetch_related("areas"),
            {"area": chosen, "service_type": service_type},
        ).order_by("status", "service_type", "provider__acronym", "code")
    rows = gaps.coverage(gaps.cercles(region))
    return render(
        request,
        "referrals/service_map.html",
        {
            "form": form,
            "map": area_map(
                "service-map", areas, values, scale.legend(), title=title, palette="services"
            ),
            "chosen": chosen,
            "services": services,
            # the map's figure per cercle is in the table too (read without JavaScript)
            "coverage": [(row, link(row.area), counts.get(row.area.pcode)) for row in rows],
            "core": [ServiceType(t) for t in CORE_SERVICES],
            "service_list_url": reverse("referrals:service_list"),
        },
    )


urlpatterns = [
    path("gaps/", gap_analysis, name="gaps"),
    path("gaps/export.xlsx", gap_xlsx, name="gaps_xlsx"),
    path("services/map/", service_map, name="service_map"),
]
