"""Pages for the mapping of trainings: the list with likely duplicates flagged, the map, the
forms and the XLSX export.

Trainings are directory data: every holder of `coordination.view` reads all of them. Who may
record, change or delete one is decided by `trainings.may_manage` (and checked again by the
services); another organisation's training answers 404 to someone who may not change it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core import audit
from passerelle.core.errors import DomainError, add_to_form
from passerelle.geography.models import Area
from passerelle.referrals.gap_views import Scale, area_map

from . import trainings, trainings_io
from .models import Audience, Training, TrainingTopic
from .training_forms import TrainingFilterForm, TrainingForm, TrainingMapForm

# --------------------------------------------------------------------------- filtering


def _base():
    return Training.objects.select_related("provider", "area__parent__parent").defer(
        "area__geometry", "area__parent__geometry", "area__parent__parent__geometry"
    )


def _overlapping(pcode: str) -> Q:
    """Trainings for this area, for an area within it, or for an area containing it."""
    prefixes = [pcode[:end] for end in range(1, len(pcode))]
    return Q(area__pcode__startswith=pcode) | Q(area__pcode__in=prefixes)


def filter_trainings(queryset, data: dict):
    if data.get("topic"):
        queryset = queryset.filter(topic=data["topic"])
    if data.get("audience"):
        queryset = queryset.filter(audience=data["audience"])
    if data.get("provider"):
        queryset = queryset.filter(provider=data["provider"])
    if data.get("area"):
        queryset = queryset.filter(_overlapping(data["area"].pcode))
    if data.get("start"):
        queryset = queryset.filter(ends_on__gte=data["start"])
    if data.get("end"):
        queryset = queryset.filter(starts_on__lte=data["end"])
    return queryset


def _filtered(request, form_class):
    """(form, trainings, flags, window): the trainings matching valid filters (none when the
    filters are wrong) and their likely duplicates among all recorded trainings."""
    form = form_class(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, [], {}, 0
    data = form.cleaned_data if form.is_bound else {}
    window = data.get("window") or 0
    rows = list(filter_trainings(_base(), data))
    flags = trainings.flags_for(rows, window_days=window)
    if data.get("duplicates"):
        rows = [t for t in rows if t.pk in flags]
    return form, rows, flags, window


def _filter_lines(form) -> list[tuple[str, str]]:
    """The filters in force, as (label, value), for the export."""
    if not form.is_bound or not form.is_valid():
        return []
    lines = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False):
            continue
        if name in ("topic", "audience", "level", "colour"):
            value = dict(field.choices).get(value, value)
        elif name == "area":
            value = field.label_from_instance(value)
        elif value is True:
            value = _("yes")
        lines.append((str(field.label), str(value)))
    return lines


# --------------------------------------------------------------------------- summaries


def totals(rows: list) -> dict:
    """Trainings, participants, and the share of women among the participants of the
    trainings that recorded how many women took part."""
    participants = sum(t.participants for t in rows)
    counted = [t for t in rows if t.women is not None]
    base = sum(t.participants for t in counted)
    women = sum(t.women for t in counted)
    return {
        "trainings": len(rows),
        "participants": participants,
        "women": women,
        "women_share": round(100 * women / base) if base else None,
        "women_known": len(counted),
    }


def audience_topic_table(rows: list) -> dict:
    """Counts per audience (rows) and topic (columns), only topics and audiences present."""
    counts = Counter((t.audience, t.topic) for t in rows)
    topics = [t for t in TrainingTopic if any(k[1] == t.value for k in counts)]
    audiences = [a for a in Audience if any(k[0] == a.value for k in counts)]
    return {
        "topics": topics,
        "rows": [
            {
                "audience": a,
                "cells": [counts.get((a.value, t.value), 0) for t in topics],
                "total": sum(counts.get((a.value, t.value), 0) for t in topics),
            }
            for a in audiences
        ],
        "totals": [sum(counts.get((a.value, t.value), 0) for a in audiences) for t in topics],
    }


def _flag_rows(rows: list, flags: dict) -> list[dict]:
    return [
        {
            "training": t,
            "duplicates": [
                {"other": o, "same_provider": o.provider_id == t.provider_id}
                for o in flags.get(t.pk, [])
            ],
        }
        for t in rows
    ]


# --------------------------------------------------------------------------- list and export


@policy.permission("coordination.view")
def training_list(request):
    form, rows, flags, window = _filtered(request, TrainingFilterForm)
    page = Paginator(_flag_rows(rows, flags), settings.PASSERELLE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coordination/training_list.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "totals": totals(rows),
            "flagged": sum(1 for t in rows if t.pk in flags),
            "table": audience_topic_table(rows),
            "window": window,
        },
    )


def _filter_codes(form) -> dict:
    """The filters an export applied, as codes (acronym, pcode, date, number): never the raw
    query string, whose unknown parameters would carry typed text into the audit log."""
    if not form.is_bound or not form.is_valid():
        return {}
    codes = {}
    for name, value in form.cleaned_data.items():
        if value is None or value == "" or value is False:
            continue
        if hasattr(value, "pcode"):
            value = value.pcode
        elif hasattr(value, "acronym"):
            value = value.acronym
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        codes[name] = value
    return codes


@policy.permission("coordination.view")
def training_xlsx(request):
    form, rows, flags, window = _filtered(request, TrainingFilterForm)
    if form.is_bound and not form.is_valid():
        response = training_list(request)
        response.status_code = 400
        return response
    audit.record(
        request.user,
        "training.export",
        organisation=(policy.organisations(request.user, "coordination.view") or [None])[0],
        level=0,
        detail={
            "format": "xlsx",
            "rows": len(rows),
            "flagged": sum(1 for t in rows if t.pk in flags),
            "filters": _filter_codes(form),
        },
    )
    content = trainings_io.training_workbook(rows, flags, filters=_filter_lines(form))
    response = HttpResponse(content, content_type=trainings_io.XLSX_TYPE)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="trainings-{stamp}.xlsx"'
    return response


@policy.permission("coordination.view")
def training_detail(request, public_id):
    training = get_object_or_404(_base(), public_id=public_id)
    flags = trainings.flags_for([training])
    return render(
        request,
        "coordination/training_detail.html",
        {
            "training": training,
            "duplicates": _flag_rows([training], flags)[0]["duplicates"],
        },
    )


# --------------------------------------------------------------------------- map


def _map_areas(level: str, region):
    qs = Area.objects.select_related("parent").defer("geometry", "parent__geometry")
    if level == "region":
        qs = qs.filter(level=Area.Level.REGION)
    else:
        qs = qs.filter(level=Area.Level.CERCLE)
    if region is not None:
        qs = qs.filter(pcode__startswith=region.pcode)
    return list(qs.order_by("pcode"))


def map_rows(areas: list, rows: list, flags: dict) -> list[dict]:
    """Per area: the trainings given in it (or in an area within it), their participants,
    how many are likely duplicates, and how many were given for a wider area containing it."""
    by_pcode = defaultdict(list)
    for t in rows:
        by_pcode[t.area.pcode].append(t)
    result = []
    for area in areas:
        within, wider = [], 0
        for pcode, group in by_pcode.items():
            if pcode.startswith(area.pcode):
                within.extend(group)
            elif area.pcode.startswith(pcode):
                wider += len(group)
        result.append(
            {
                "area": area,
                "count": len(within),
                "participants": sum(t.participants for t in within),
                "duplicates": sum(1 for t in within if t.pk in flags),
                "wider": wider,
            }
        )
    return result


def _tooltip(row) -> str:
    parts = [
        ngettext("%(n)s training", "%(n)s trainings", row["count"]) % {"n": row["count"]},
        ngettext("%(n)s participant", "%(n)s participants", row["participants"])
        % {"n": row["participants"]},
    ]
    if row["duplicates"]:
        parts.append(
            ngettext("%(n)s likely duplicate", "%(n)s likely duplicates", row["duplicates"])
            % {"n": row["duplicates"]}
        )
    if row["wider"]:
        parts.append(
            ngettext("%(n)s more for a wider area", "%(n)s more for a wider area", row["wider"])
            % {"n": row["wider"]}
        )
    return ", ".join(parts)


def _training_map(rows_by_area: list, colour: str, link) -> dict:
    areas = [r["area"] for r in rows_by_area]
    if colour == "count":
        scale = Scale([r["count"] for r in rows_by_area], fixed=[1, 2, 4, 7])
        values = {
            r["area"].pcode: {"c": scale.klass(r["count"]), "t": _tooltip(r), "u": link(r["area"])}
            for r in rows_by_area
        }
        return area_map(
            "training-map",
            areas,
            values,
            scale.legend(),
            title=_("Trainings per area"),
            palette="services",
        )

    def klass(row):
        if row["duplicates"]:
            return "3"
        return "1" if row["count"] else "0"

    values = {
        r["area"].pcode: {"c": klass(r), "t": _tooltip(r), "u": link(r["area"])}
        for r in rows_by_area
    }
    legend = [
        {"klass": "0", "label": _("No training")},
        {"klass": "1", "label": _("Trainings, no likely duplicate")},
        {"klass": "3", "label": _("Likely duplicates")},
    ]
    return area_map(
        "training-map",
        areas,
        values,
        legend,
        title=_("Trainings per area, likely duplicates flagged"),
        palette="gaps",
    )


@policy.permission("coordination.view")
def training_map(request):
    form, rows, flags, window = _filtered(request, TrainingMapForm)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    level = data.get("level") or "cercle"
    colour = data.get("colour") or "flags"
    region = data.get("area")
    by_area = map_rows(_map_areas(level, region), rows, flags)
    keep = ("topic", "audience", "provider", "start", "end", "window")
    base = {k: v for k, v in request.GET.items() if k in keep and v}
    list_url = reverse("coordination:training_list")

    def link(area):
        return f"{list_url}?{urlencode({**base, 'area': area.pcode})}"

    return render(
        request,
        "coordination/training_map.html",
        {
            "form": form,
            "map": _training_map(by_area, colour, link),
            "by_area": [(r, link(r["area"])) for r in by_area],
            "totals": totals(rows),
            "flagged": sum(1 for t in rows if t.pk in flags),
            "level": level,
            "list_url": f"{list_url}?{urlencode(base)}" if base else list_url,
        },
    )


# --------------------------------------------------------------------------- forms


def _manageable_or_404(request, public_id) -> Training:
    """The training, if the user may change it; otherwise the same 404 as a missing one."""
    training = get_object_or_404(_base(), public_id=public_id)
    if not policy.can(request.user, "coordination.manage", training):
        policy.refuse_404(request.user, "coordination.manage", training)
    return training


def _training_form(request, training: Training | None):
    providers = trainings.managed_providers(request.user)
    if not providers.exists():
        policy.audit_refusal(request.user, "coordination.manage")
        raise PermissionDenied
    initial = {}
    if training is not None:
        initial = {name: getattr(training, name) for name in trainings.FIELDS}
        initial.update(provider=training.provider_id, area=training.area_id)
    form = TrainingForm(request.POST or None, initial=initial, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            saved = trainings.save_training(request.user, training, fields=form.training_fields())
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Training “%(title)s” saved.") % {"title": saved.title})
            return redirect("coordination:training_detail", public_id=saved.public_id)
    return render(request, "coordination/training_form.html", {"form": form, "training": training})


@policy.permission("coordination.manage", "directory.manage")
def training_create(request):
    return _training_form(request, None)


@policy.permission("coordination.manage", "directory.manage")
def training_edit(request, public_id):
    return _training_form(request, _manageable_or_404(request, public_id))


@policy.permission("coordination.manage", "directory.manage")
@require_POST
def training_delete(request, public_id):
    training = _manageable_or_404(request, public_id)
    title = training.title
    try:
        trainings.delete_training(request.user, training)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("coordination:training_detail", public_id=training.public_id)
    messages.success(request, _("Training “%(title)s” deleted.") % {"title": title})
    return redirect("coordination:training_list")
