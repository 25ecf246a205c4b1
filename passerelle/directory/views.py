"""Directory pages: focal points by thematic area, organisation, area and side; the cluster's
strategy objectives with the parts of the mission relevant to them; what each actor does; and
the "points d'entrée" document (HTML to print, and PDF in French or English).

Everyone with `directory.view` reads it all (work contacts, no case data). Writes go through
`services`, which checks who may write again: an organisation's focal points and profile are
managed by its org_admin (`focalpoint.manage`) or by an IM officer (`directory.manage`), who
alone keeps the objectives. A focal point or organisation the user may not manage answers 404,
as a missing one does.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.accounts.models import Organisation
from passerelle.core import audit
from passerelle.core.errors import DomainError, add_to_form
from passerelle.core.pdf import filename_part, render_pdf

from . import entry_points as document
from . import services
from .forms import (
    ComponentFormSet,
    DirectoryFilterForm,
    EndForm,
    EntryPointsForm,
    FocalPointForm,
    NoteForm,
    ObjectiveForm,
    ProfileForm,
)
from .models import ActorProfile, FocalPoint, Objective, ObjectiveNote, ThematicArea

DOCUMENT_CSS = "css/entry_points.css"

# --------------------------------------------------------------------------- helpers


def concerning(area) -> Q:
    """Focal points whose coverage contains the area (the whole country always does) or lies
    within it."""
    prefixes = [area.pcode[:i] for i in range(2, len(area.pcode) + 1)]
    return (
        Q(areas__pcode__in=prefixes)
        | Q(areas__isnull=True)
        | Q(areas__pcode__startswith=area.pcode)
    )


def on_side(queryset, side: str, field: str = "organisation__type"):
    if side == document.MISSION:
        return queryset.filter(**{f"{field}__in": services.MISSION_TYPES})
    if side == document.CLUSTER:
        return queryset.exclude(**{f"{field}__in": services.MISSION_TYPES})
    return queryset


def _querystring(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    return query.urlencode()


def _status(fp: FocalPoint, today) -> str:
    if fp.until is not None and fp.until < today:
        return "ended"
    if fp.since > today:
        return "upcoming"
    return "current"


# --------------------------------------------------------------------------- the directory


def filtered_focal_points(request):
    """The filter form, the focal points it selects (current, or all with `past`), in the
    directory's order, and whether past ones are included: the list and its export."""
    form = DirectoryFilterForm(request.GET or None)
    queryset = FocalPoint.objects.select_related(
        "organisation", "thematic_area", "place", "deputy"
    ).prefetch_related("areas")
    past = False
    if form.is_bound:
        form.is_valid()  # filter by the fields that are valid, show errors for the others
        data = form.cleaned_data
        past = bool(data.get("past"))
        if data.get("thematic_area"):
            queryset = queryset.filter(thematic_area=data["thematic_area"])
        if data.get("organisation"):
            queryset = queryset.filter(organisation=data["organisation"])
        queryset = on_side(queryset, data.get("side") or "")
        area = form.chosen_area()
        if area is not None:
            queryset = queryset.filter(
                pk__in=FocalPoint.objects.filter(concerning(area)).values("pk")
            )
    if not past:
        queryset = queryset.current().filter(organisation__active=True)
    queryset = queryset.order_by("thematic_area__order", "organisation__acronym", "name", "pk")
    return form, queryset, past


@policy.permission("directory.view")
def index(request):
    """Focal points, current (or all), filtered by thematic area, organisation, side, area."""
    form, queryset, past = filtered_focal_points(request)
    page = Paginator(queryset, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "fp": fp,
            "deputy": document.deputy_of(fp),
            "status": _status(fp, today),
        }
        for fp in page.object_list
    ]
    return render(
        request,
        "directory/index.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "past": past,
            "querystring": _querystring(request),
            "tab": "index",
        },
    )


# --------------------------------------------------------------------------- focal points


def _focal_point_or_404(request, public_id) -> FocalPoint:
    """A focal point the user may manage; 404 (audited) for one of another organisation."""
    fp = get_object_or_404(
        FocalPoint.objects.select_related("organisation", "thematic_area"), public_id=public_id
    )
    try:
        services.require_manage(request.user, fp.organisation, fp)
    except services.DirectoryRefused:
        raise Http404 from None
    return fp


def _focal_point_initial(request, fp: FocalPoint | None) -> dict:
    if fp is None:
        initial = {}
        organisation = request.GET.get("organisation")
        theme = request.GET.get("thematic_area")
        if organisation:
            initial["organisation"] = Organisation.objects.filter(acronym=organisation).first()
        if theme:
            initial["thematic_area"] = ThematicArea.objects.filter(code=theme).first()
        return initial
    return {
        "organisation": fp.organisation_id,
        "thematic_area": fp.thematic_area_id,
        "name": fp.name,
        "title": fp.title,
        "email": fp.email,
        "phone": fp.phone,
        "place": fp.place_id,
        "areas": list(fp.areas.all()),
        "user": fp.user_id,
        "deputy": fp.deputy_id,
        "deputy_name": fp.deputy_name,
        "since": fp.since,
        "until": fp.until,
        "note": fp.note,
    }


def _focal_point_form(request, fp: FocalPoint | None):
    organisations = services.manageable_organisations(request.user)
    if fp is None and not organisations.exists():
        policy.audit_refusal(request.user, "focalpoint.manage")
        raise PermissionDenied
    form = FocalPointForm(
        request.POST or None,
        initial=_focal_point_initial(request, fp),
        organisations=organisations,
    )
    if request.method == "POST" and form.is_valid():
        fields, areas = form.values()
        try:
            saved = services.save_focal_point(request.user, fp, fields=fields, areas=areas)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Focal point saved: %(name)s (%(org)s, %(theme)s).")
                % {
                    "name": saved.name,
                    "org": saved.organisation.acronym,
                    "theme": saved.thematic_area.name,
                },
            )
            return redirect("directory:index")
    return render(
        request, "directory/focal_point_form.html", {"form": form, "fp": fp, "tab": "index"}
    )


@policy.permission("focalpoint.manage", "directory.manage")
def focal_point_create(request):
    return _focal_point_form(request, None)


@policy.permission("focalpoint.manage", "directory.manage")
def focal_point_edit(request, public_id):
    return _focal_point_form(request, _focal_point_or_404(request, public_id))


@policy.permission("focalpoint.manage", "directory.manage")
def focal_point_end(request, public_id):
    """Record that a person stopped being focal point (the entry stays, as a past one)."""
    fp = _focal_point_or_404(request, public_id)
    form = EndForm(request.POST or None, initial={"until": fp.until or timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_focal_point(request.user, fp, until=form.cleaned_data["until"])
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is focal point until %(date)s.")
                % {"name": fp.name, "date": fp.until.isoformat()},
            )
            return redirect("directory:index")
    return render(
        request, "directory/focal_point_end.html", {"form": form, "fp": fp, "tab": "index"}
    )


# --------------------------------------------------------------------------- objectives


def _objectives():
    return Objective.objects.order_by("order", "code").prefetch_related(
        "thematic_areas", "components__organisation", "notes"
    )


@policy.permission("directory.view")
def objective_list(request):
    rows = []
    for objective in _objectives():
        notes = [n for n in objective.notes.all() if not n.resolved]
        rows.append(
            {
                "objective": objective,
                "themes": list(objective.thematic_areas.all()),
                "direct": sum(1 for c in objective.components.all() if c.relevance == "direct"),
                "indirect": sum(1 for c in objective.components.all() if c.relevance == "indirect"),
                "open_notes": len(notes),
            }
        )
    return render(
        request,
        "directory/objective_list.html",
        {
            "rows": rows,
            "tab": "objectives",
        },
    )


def _objective_page(request, objective: Objective, note_form=None, status: int = 200):
    themes = sorted(objective.thematic_areas.all(), key=lambda t: (t.order, t.code))
    components = sorted(
        objective.components.all(), key=lambda c: (c.relevance, c.organisation.acronym)
    )
    notes = sorted(objective.notes.all(), key=lambda n: (n.resolved, n.added_on, n.pk))
    may_manage = services.may_manage_directory(request.user)
    return render(
        request,
        "directory/objective_detail.html",
        {
            "objective": objective,
            "themes": document.theme_sections(themes, document.current_focal_points()),
            "direct": [c for c in components if c.relevance == "direct"],
            "indirect": [c for c in components if c.relevance == "indirect"],
            "questions": [n for n in notes if n.kind == ObjectiveNote.Kind.QUESTION],
            "concerns": [n for n in notes if n.kind == ObjectiveNote.Kind.CONCERN],
            "note_form": note_form or (NoteForm() if may_manage else None),
            "tab": "objectives",
        },
        status=status,
    )


@policy.permission("directory.view")
def objective_detail(request, public_id):
    return _objective_page(request, get_object_or_404(_objectives(), public_id=public_id))


def _objective_form(request, objective: Objective | None):
    initial, rows = {"active": True, "order": 0}, []
    if objective is not None:
        initial = {name: getattr(objective, name) for name in services.OBJECTIVE_FIELDS}
        initial["thematic_areas"] = list(objective.thematic_areas.all())
        rows = [
            {
                "organisation": c.organisation_id,
                "relevance": c.relevance,
                "activities": c.activities,
            }
            for c in objective.components.all()
        ]
    form = ObjectiveForm(request.POST or None, initial=initial)
    components = ComponentFormSet(request.POST or None, prefix="components", initial=rows)
    if request.method == "POST":
        valid = [form.is_valid(), components.is_valid()]  # both, to show every error
        if all(valid):
            data = form.cleaned_data
            try:
                saved = services.save_objective(
                    request.user,
                    objective,
                    fields={name: data[name] for name in services.OBJECTIVE_FIELDS},
                    thematic_areas=data["thematic_areas"],
                    components=components.rows(),
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Objective %(code)s saved.") % {"code": saved.code})
                return redirect("directory:objective_detail", public_id=saved.public_id)
    return render(
        request,
        "directory/objective_form.html",
        {
            "form": form,
            "components": components,
            "objective": objective,
            "show_errors": request.method == "POST",
            "tab": "objectives",
        },
    )


@policy.permission("directory.manage")
def objective_create(request):
    return _objective_form(request, None)


@policy.permission("directory.manage")
def objective_edit(request, public_id):
    return _objective_form(request, get_object_or_404(_objectives(), public_id=public_id))


@require_POST
@policy.permission("directory.manage")
def objective_note_add(request, public_id):
    objective = get_object_or_404(_objectives(), public_id=public_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_objective_note(request.user, objective, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Added to the objective."))
            return redirect("directory:objective_detail", public_id=objective.public_id)
    return _objective_page(request, objective, note_form=form)


@require_POST
@policy.permission("directory.manage")
def objective_note_resolve(request, public_id):
    """Mark a question or concern of the objective resolved (resolved=0: open it again); the
    note is named in the form (`note`)."""
    objective = get_object_or_404(Objective, public_id=public_id)
    try:
        note_id = int(request.POST.get("note", ""))
    except ValueError:
        raise Http404 from None
    note = get_object_or_404(ObjectiveNote, pk=note_id, objective=objective)
    resolved = request.POST.get("resolved", "1") != "0"
    try:
        services.resolve_objective_note(request.user, note, resolved=resolved)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Marked as resolved.") if resolved else _("Open again."))
    return redirect("directory:objective_detail", public_id=objective.public_id)


# --------------------------------------------------------------------------- actors


@policy.permission("directory.view")
def profile_list(request):
    """Every active organisation, the mission's side first, with what it does."""
    profiles = {
        p.organisation_id: p
        for p in ActorProfile.objects.prefetch_related(
            Prefetch("thematic_areas", queryset=ThematicArea.objects.order_by("order", "code")),
            "areas",
        )
    }
    sides = {document.MISSION: [], document.CLUSTER: []}
    for organisation in Organisation.objects.filter(active=True).order_by("acronym"):
        sides[document.side(organisation)].append(
            {
                "organisation": organisation,
                "profile": profiles.get(organisation.pk),
            }
        )
    return render(
        request,
        "directory/profile_list.html",
        {
            "mission": sides[document.MISSION],
            "cluster": sides[document.CLUSTER],
            "tab": "profiles",
        },
    )


@policy.permission("focalpoint.manage", "directory.manage")
def profile_edit(request, public_id):
    organisation = get_object_or_404(Organisation, public_id=public_id, active=True)
    try:
        services.require_manage(request.user, organisation)
    except services.DirectoryRefused:
        raise Http404 from None
    profile = ActorProfile.objects.filter(organisation=organisation).first()
    initial = {}
    if profile is not None:
        initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
        initial["thematic_areas"] = list(profile.thematic_areas.all())
        initial["areas"] = list(profile.areas.all())
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.save_profile(
                request.user,
                organisation,
                fields={name: data[name] for name in services.PROFILE_FIELDS},
                thematic_areas=data["thematic_areas"],
                areas=data["areas"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request, _("Profile of %(org)s saved.") % {"org": organisation.acronym}
            )
            return redirect("directory:profile_list")
    return render(
        request,
        "directory/profile_form.html",
        {"form": form, "organisation": organisation, "tab": "profiles"},
    )


# --------------------------------------------------------------------------- points d'entrée


def document_language(request) -> str:
    """?lang=fr|en, or the interface language."""
    codes = [code for code, _name in settings.LANGUAGES]
    asked = request.GET.get("lang", "")
    if asked in codes:
        return asked
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return current if current in codes else settings.LANGUAGE_CODE


def _document_html(request, form, area, language: str, *, pdf: bool) -> str:
    with translation.override(language):
        return render_to_string(
            "directory/entry_points.html",
            {
                "doc": document.build(area=area),
                "form": form,
                "generated_at": timezone.now(),
                "language": language,
                "languages": settings.LANGUAGES,
                "querystring": _querystring(request, "format", "lang"),
                "pdf": pdf,
            },
            request=request,
        )


@policy.permission("directory.view")
def entry_points(request):
    """The points d'entrée, laid out for printing; `?format=pdf` makes an A4 PDF of it in
    the language asked for (an export: audited)."""
    language = document_language(request)
    data = request.GET.copy()
    data["lang"] = language  # the select shows the language the document is in
    form = EntryPointsForm(data)
    form.is_valid()  # an area not understood is left out (and said so)
    area = form.chosen_area()
    as_pdf = request.GET.get("format") == "pdf"
    html = _document_html(request, form, area, language, pdf=as_pdf)
    if not as_pdf:
        response = HttpResponse(html)
        response["Content-Language"] = language
        return response
    pdf = render_pdf(html, DOCUMENT_CSS)
    audit.record(
        request.user,
        "entrypoints.export",
        None,
        organisation=audit.home_organisation(request.user),
        detail={
            "format": "pdf",
            "language": language,
            "area": area.pcode if area is not None else "",
        },
    )
    where = f"-{filename_part(area.pcode)}" if area is not None else ""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="entry-points{where}-{language}.pdf"'
    response["Content-Language"] = language
    return response


urlpatterns = [
    path("", index, name="index"),
    path("focal-points/new/", focal_point_create, name="focal_point_create"),
    path("focal-points/<uuid:public_id>/edit/", focal_point_edit, name="focal_point_edit"),
    path("focal-points/<uuid:public_id>/end/", focal_point_end, name="focal_point_end"),
    path("objectives/", objective_list, name="objective_list"),
    path("objectives/new/", objective_create, name="objective_create"),
    path("objectives/<uuid:public_id>/", objective_detail, name="objective_detail"),
    path("objectives/<uuid:public_id>/edit/", objective_edit, name="objective_edit"),
    path("objectives/<uuid:public_id>/notes/", objective_note_add, name="objective_note_add"),
    path(
        "objectives/<uuid:public_id>/notes/resolve/",
        objective_note_resolve,
        name="objective_note_resolve",
    ),
    path("actors/", profile_list, name="profile_list"),
    path("actors/<uuid:public_id>/edit/", profile_edit, name="profile_edit"),
    path("entry-points/", entry_points, name="entry_points"),
]
