"""Referral pathway pages: the list (which area has a pathway for which situation, and its
gaps), a pathway with its first choices and fallbacks, the editor, and the sheet field staff
print (HTML and PDF, in French or English whatever the interface language).

Pathways are directory data: every holder of `service.view` reads them; drawing them takes
`servicemap.manage`, and `services.save_pathway` checks it again and audits the change.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from passerelle import policy
from passerelle.core import audit
from passerelle.core.errors import DomainError, add_to_form
from passerelle.core.pdf import filename_part, render_pdf
from passerelle.geography.models import Area

from . import services
from .models import NeedKind, Pathway, Service
from .pathway_forms import (
    EXTRA_STEPS,
    LIST_LEVELS,
    SLOTS,
    PathwayFilterForm,
    PathwayForm,
    PathwayStartForm,
    StepFormSet,
    prefill,
    serving,
    slot_label,
    step_initial,
)

SHEET_CSS = "css/pathway_sheet.css"
PREFETCH = "steps__pathway_options__service__provider", "steps__pathway_options__service__areas"

# --------------------------------------------------------------------------- reading


def _serves(service: Service, area: Area) -> bool:
    """One of the service's areas contains the area or lies within it (prefetched areas)."""
    return service.reaches(area)


def _partial_areas(service: Service, area: Area) -> list[Area]:
    """The areas within `area` the service serves, when it does not serve all of it."""
    if service.serves(area):
        return []
    return [a for a in service.areas.all() if a.pcode.startswith(area.pcode)]


def step_views(pathway: Pathway) -> list[dict]:
    """Each step with its services in order: which are usable (active and serving the area),
    which one to use (the first usable), and whether the step is a gap (none usable)."""
    rows = []
    for step in pathway.steps.all():
        options, use_found = [], False
        for option in step.pathway_options.all():
            service = option.service
            serves = _serves(service, pathway.area)
            usable = service.is_active and serves
            options.append(
                {
                    "service": service,
                    "rank": option.rank,
                    "label": slot_label(option.rank),
                    "usable": usable,
                    "suspended": not service.is_active,
                    "outside_area": not serves,
                    "only_in": _partial_areas(service, pathway.area) if serves else [],
                    "use": usable and not use_found,
                }
            )
            use_found = use_found or usable
        rows.append(
            {
                "step": step,
                "options": options,
                "gap": not use_found,
                "promoted": use_found and not options[0]["use"],
            }
        )
    return rows


def gap_count(pathway: Pathway) -> int:
    return sum(1 for row in step_views(pathway) if row["gap"])


def _get(public_id) -> Pathway:
    return get_object_or_404(
        Pathway.objects.select_related("area", "updated_by").prefetch_related(*PREFETCH),
        public_id=public_id,
    )


@policy.permission("service.view")
def pathway_list(request):
    """Areas × situations: the pathway drawn (with its gaps), the one inherited from a larger
    area, or none."""
    form = PathwayFilterForm(request.GET or None)
    areas = Area.objects.filter(level__in=LIST_LEVELS).order_by("pcode")
    needs = list(NeedKind)
    if form.is_valid():
        data = form.cleaned_data
        if data["cercle"]:
            areas = areas.filter(pk=data["cercle"].pk)
        elif data["region"]:
            areas = areas.filter(pcode__startswith=data["region"].pcode)
        if data["need"]:
            needs = [NeedKind(data["need"])]
    areas = list(areas)
    all_areas = {a.pk: a for a in Area.objects.filter(level__in=LIST_LEVELS)}
    drawn = {
        (p.area_id, p.need): p
        for p in Pathway.objects.filter(need__in=[n.value for n in needs])
        .select_related("area")
        .prefetch_related(*PREFETCH)
    }
    gaps = {key: gap_count(p) for key, p in drawn.items()}
    rows = []
    for area in areas:
        cells = []
        for need in needs:
            own = drawn.get((area.pk, need.value))
            inherited = None
            if own is None:
                parent = all_areas.get(area.parent_id)
                while parent is not None and inherited is None:
                    inherited = drawn.get((parent.pk, need.value))
                    parent = all_areas.get(parent.parent_id)
            key = (own or inherited).area_id if (own or inherited) else None
            cells.append(
                {
                    "need": need,
                    "pathway": own,
                    "inherited": inherited,
                    "steps": len(own.steps.all()) if own else 0,
                    "gaps": gaps.get((key, need.value), 0) if key else 0,
                }
            )
        rows.append({"area": area, "cells": cells})
    return render(
        request,
        "referrals/pathway_list.html",
        {
            "form": form,
            "needs": needs,
            "rows": rows,
            "drawn": len(drawn),
        },
    )


@policy.permission("service.view")
def pathway_detail(request, public_id):
    pathway = _get(public_id)
    return render(
        request,
        "referrals/pathway_detail.html",
        {
            "pathway": pathway,
            "steps": step_views(pathway),
            "languages": settings.LANGUAGES,
        },
    )


# --------------------------------------------------------------------------- editing


def _candidates(area: Area, pathway: Pathway | None) -> list[Service]:
    """The services offered in the editor: those serving the area, and those the pathway
    already names even if they no longer serve it (so that nothing vanishes unseen)."""
    found = list(serving(area).prefetch_related("areas"))
    if pathway is not None:
        known = {s.pk for s in found}
        for step in pathway.steps.all():
            for option in step.pathway_options.all():
                if option.service.pk not in known:
                    option.service.outside_area = True
                    found.append(option.service)
                    known.add(option.service.pk)
    return found


def _slots(pathway: Pathway | None) -> int:
    most = 0
    if pathway is not None:
        most = max((len(step.pathway_options.all()) for step in pathway.steps.all()), default=0)
    return max(SLOTS, most)


def _with_more_steps(data):
    data = data.copy()
    try:
        data["steps-TOTAL_FORMS"] = str(int(data.get("steps-TOTAL_FORMS", 0)) + EXTRA_STEPS)
    except ValueError:
        pass
    return data


def _edit(request, *, area: Area, need: str, pathway: Pathway | None):
    candidates = _candidates(area, pathway)
    kwargs = {
        "prefix": "steps",
        "form_kwargs": {"candidates": candidates, "slots": _slots(pathway)},
    }
    refreshing = request.method == "POST" and "refresh" in request.POST
    if request.method == "POST":
        data = _with_more_steps(request.POST) if refreshing else request.POST
        form = PathwayForm(data)
        steps = StepFormSet(data, **kwargs)
        valid = [form.is_valid(), steps.is_valid()]  # both, to show every error
        if not refreshing and all(valid):
            try:
                saved = services.save_pathway(
                    request.user,
                    area=area,
                    need=need,
                    steps=steps.steps(),
                    notes=form.cleaned_data["notes"],
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Pathway saved: %(need)s, %(area)s.")
                    % {"need": saved.get_need_display(), "area": area.name},
                )
                return redirect("referrals:pathway_detail", public_id=saved.public_id)
    elif pathway is not None:
        form = PathwayForm(initial={"notes": pathway.notes})
        rows = [
            {"service_type": s.service_type, "services": s.options(), "note": s.note}
            for s in pathway.steps.all()
        ]
        steps = StepFormSet(initial=step_initial(rows), **kwargs)
    else:
        form = PathwayForm()
        steps = StepFormSet(initial=step_initial(prefill(area, need, candidates)), **kwargs)
    return render(
        request,
        "referrals/pathway_form.html",
        {
            "form": form,
            "steps": steps,
            "pathway": pathway,
            "area": area,
            "need_label": NeedKind(need).label,
            "show_errors": request.method == "POST" and not refreshing,
        },
    )


@policy.permission("servicemap.manage")
def pathway_create(request):
    """A new pathway for ?area=<P-code>&need=<situation>, prefilled from the services the
    situation calls for; without them, the choice of area and situation first."""
    start = PathwayStartForm(request.GET or None)
    if not start.is_valid():
        return render(request, "referrals/pathway_form.html", {"start": start})
    area, need = start.cleaned_data["area"], start.cleaned_data["need"]
    existing = Pathway.objects.filter(area=area, need=need).first()
    if existing is not None:
        return redirect("referrals:pathway_edit", public_id=existing.public_id)
    return _edit(request, area=area, need=need, pathway=None)


@policy.permission("servicemap.manage")
def pathway_edit(request, public_id):
    pathway = _get(public_id)
    return _edit(request, area=pathway.area, need=pathway.need, pathway=pathway)


# --------------------------------------------------------------------------- the sheet


def _sheet_language(request) -> str:
    """?lang=fr|en, or the interface language."""
    codes = [code for code, _name in settings.LANGUAGES]
    asked = request.GET.get("lang", "")
    if asked in codes:
        return asked
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return current if current in codes else settings.LANGUAGE_CODE


def _sheet_html(request, pathway: Pathway, language: str, *, pdf: bool) -> str:
    with translation.override(language):
        return render_to_string(
            "referrals/pathway_sheet.html",
            {
                "pathway": pathway,
                "steps": step_views(pathway),
                "generated_at": timezone.now(),
                "language": language,
                "languages": settings.LANGUAGES,
                "pdf": pdf,
            },
            request=request,
        )


@policy.permission("service.view")
def pathway_sheet(request, public_id):
    """The pathway sheet, laid out for the browser's print command."""
    pathway = _get(public_id)
    language = _sheet_language(request)
    response = HttpResponse(_sheet_html(request, pathway, language, pdf=False))
    response["Content-Language"] = language
    return response


@policy.permission("service.view")
def pathway_pdf(request, public_id):
    """The pathway sheet as an A4 PDF in the language asked for (an export: audited)."""
    pathway = _get(public_id)
    language = _sheet_language(request)
    html = _sheet_html(request, pathway, language, pdf=True)
    pdf = render_pdf(html, SHEET_CSS)
    audit.record(
        request.user,
        "pathway.export",
        pathway,
        organisation=audit.home_organisation(request.user),
        detail={
            "format": "pdf",
            "language": language,
            "area": pathway.area.pcode,
            "need": pathway.need,
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = (
        f"pathway-{filename_part(pathway.area.pcode, 'pathway')}-{pathway.need}-{language}.pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("pathways/", pathway_list, name="pathway_list"),
    path("pathways/new/", pathway_create, name="pathway_create"),
    path("pathways/<uuid:public_id>/", pathway_detail, name="pathway_detail"),
    path("pathways/<uuid:public_id>/edit/", pathway_edit, name="pathway_edit"),
    path("pathways/<uuid:public_id>/sheet/", pathway_sheet, name="pathway_sheet"),
    path("pathways/<uuid:public_id>/pdf/", pathway_pdf, name="pathway_pdf"),
]
