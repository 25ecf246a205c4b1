"""Security context pages: ACLED events per cercle on the area map, their list, the import.

ACLED events are public data: whoever may browse areas or incidents reads them; importing
them is for administrators and for those who run imports (`admin.access`, `import.run`).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Count, Max, Sum
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passerelle import policy
from passerelle.core.forms import IsoDateInput
from passerelle.geography.models import Area

from . import acled
from .models import AcledEvent

SHOWN_ERRORS = 200
LIST_SIZE = 200


class EventFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=IsoDateInput())
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=IsoDateInput())
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Area.objects.filter(level=Area.Level.REGION).order_by("pcode"),
        to_field_name="pcode",
        required=False,
        empty_label=gettext_lazy("All regions"),
    )
    event_type = forms.ChoiceField(
        label=gettext_lazy("Event type"),
        choices=[("", gettext_lazy("All event types"))] + [(t, t) for t in acled.EVENT_TYPES],
        required=False,
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.all(), to_field_name="pcode", required=False, widget=forms.HiddenInput
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", gettext_lazy("The end comes before the start."))
        return data


def _period(data) -> tuple[dt.date | None, dt.date | None]:
    start, end = data.get("start"), data.get("end")
    if start and end:
        return start, end
    latest = AcledEvent.objects.aggregate(latest=Max("event_date"))["latest"]
    end = end or latest
    if end is None:
        return start, None
    return start or end - dt.timedelta(days=90), end


def _cercles(region):
    areas = Area.objects.filter(level=Area.Level.CERCLE)
    if region is not None:
        areas = areas.filter(parent=region)
    return list(areas.order_by("pcode"))


@policy.permission("area.view", "incident.view")
def events(request):
    """ACLED events per cercle (the area map, the same figures in a table) and the list of
    the events of the chosen period, region, type or area."""
    from passerelle.referrals.gap_views import Scale, area_map

    form = EventFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start, end = _period(data)
    if not form.is_bound:
        form = EventFilterForm(initial={"start": start, "end": end})
    qs = AcledEvent.objects.all()
    if start and end:
        qs = qs.filter(event_date__range=(start, end))
    if data.get("event_type"):
        qs = qs.filter(event_type=data["event_type"])
    region = data.get("region")
    if region is not None:
        qs = qs.within(region)
    chosen = data.get("area")
    cercles = _cercles(region)
    per_cercle = {}
    for row in (
        qs.filter(area__level__gte=2)
        .values("area__pcode")
        .annotate(n=Count("id"), dead=Sum("fatalities"))
    ):
        key = row["area__pcode"][: len(cercles[0].pcode)] if cercles else row["area__pcode"]
        found = per_cercle.setdefault(key, [0, 0])
        found[0] += row["n"]
        found[1] += row["dead"] or 0
    scale = Scale([v[0] for v in per_cercle.values()], fixed=[1, 5, 15, 40])
    base = request.GET.copy()
    base.pop("area", None)

    def link(area):
        query = base.copy()
        query["area"] = area.pcode
        return "?" + query.urlencode() + "#events"

    values = {
        a.pcode: {
            "c": scale.klass(per_cercle.get(a.pcode, [0])[0]),
            "t": str(per_cercle.get(a.pcode, [0])[0]),
            "u": link(a),
        }
        for a in cercles
    }
    the_map = area_map(
        "acled-map",
        cercles,
        values,
        scale.legend(),
        title=_("ACLED events per cercle"),
        palette="gaps",
    )
    listed = qs.within(chosen) if chosen is not None else qs
    listed = list(
        listed.select_related("area").order_by("-event_date", "event_id_cnty")[:LIST_SIZE]
    )
    return render(
        request,
        "context/events.html",
        {
            "form": form,
            "map": the_map,
            "rows": [(a, link(a), *per_cercle.get(a.pcode, [0, 0])) for a in cercles],
            "chosen": chosen,
            "events": listed,
            "list_size": LIST_SIZE,
            "total": AcledEvent.objects.count(),
            "unplaced": AcledEvent.objects.filter(area=None).count(),
        },
    )


class AcledImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("ACLED export"),
        help_text=gettext_lazy(
            "The CSV file exported from ACLED (or the same table as an Excel workbook)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > acled.MAX_BYTES:
            raise forms.ValidationError(
                gettext_lazy("The file is larger than %(limit)s MB.")
                % {"limit": acled.MAX_BYTES // (1024 * 1024)}
            )
        return upload


@policy.permission("admin.access", "import.run")
def import_acled(request):
    """Upload an ACLED export: every event is written, or none and the problems are listed."""
    form = AcledImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_rows": acled.MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = acled.import_events(request.user, data=upload.read(), filename=upload.name)
        except acled.AcledRejected as exc:
            context.update(errors=exc.errors[:SHOWN_ERRORS], error_count=len(exc.errors))
            return render(request, "context/import.html", context)
        messages.success(
            request,
            _(
                "ACLED events imported. New: %(created)s; updated: %(updated)s; unchanged: "
                "%(unchanged)s; without a matching area: %(unplaced)s."
            )
            % result.counts(),
        )
        return redirect("context:events")
    return render(request, "context/import.html", context)
