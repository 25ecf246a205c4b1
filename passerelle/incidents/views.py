"""Incident pages: parse → authorize (policy) → one service or query → render."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core.errors import DomainError, add_to_form
from passerelle.core.models import Notification
from passerelle.core.params import int_param
from passerelle.geography.models import Area

from . import services
from .forms import (
    ConsentForm,
    IncidentFilterForm,
    IncidentForm,
    NeedToKnowForm,
    PersonForm,
    PersonSearchForm,
    VerificationForm,
)
from .models import Consent, Incident, Person, VerificationStatus

# Everything a redacted list row touches, fetched with the page (no query per row).
LIST_RELATED = (
    "area__parent",
    "category__parent",
    "sub_type",
    "perpetrator",
    "source_type",
    "source_reliability",
    "recorded_by",
    "owner",
)
# ... but never the areas' boundaries (hundreds of kilobytes of GeoJSON decoded per row).
LIST_DEFERRED = ("area__geometry", "area__parent__geometry")


# The actions of those whose work is the incident register itself: their home breaks the
# incidents down by verification status; every other reader sees a total and the latest.
REGISTER_WORK = ("incident.create", "incident.verify", "incident.manage_access")


@policy.permission("dashboard.view")
def home(request):
    """The home dashboard (routed as core:home by config.urls): each role's own work. The
    other apps' cards come from their template tags (requests, referrals, action points,
    shares received); every figure is read through the policy. Cards at zero are left out."""
    user = request.user
    since = user.previous_login
    context = {"organisations": policy.organisations(user), "previous_login": since}
    if since is not None:
        context["notifications_since"] = Notification.objects.filter(
            recipient=user, created_at__gt=since
        ).count()
    if policy.can(user, "incident.view"):
        qs = policy.scope(user, Incident.objects.all(), "incident.view")
        figures = {"total": Count("id")}
        if since is not None:
            figures["new"] = Count("id", filter=Q(created_at__gt=since))
        register = any(policy.can(user, action) for action in REGISTER_WORK)
        if register:
            for status in VerificationStatus:
                figures[status.value] = Count("id", filter=Q(verification_status=status.value))
        counts = qs.order_by().aggregate(**figures)
        context["total"] = counts["total"]
        context["new_incidents"] = counts.get("new")
        if register:
            context["by_status"] = [
                (status.value, status.label, counts[status.value])
                for status in VerificationStatus
                if counts[status.value]
            ]
        if counts["total"]:
            context["recent"] = _rows(user, qs, limit=8)
    return render(request, "core/home.html", context)


def _rows(user, qs, limit: int):
    """Redacted list rows; level-2 columns only, so nothing to audit."""
    qs = (
        qs.select_related(*LIST_RELATED)
        .defer(*LIST_DEFERRED)
        .prefetch_related("victim_counts", "need_to_know")
    )
    incidents = list(qs[:limit])
    policy.prefetch_shared(user, incidents)
    return [policy.redact(user, incident, audit_reads=False) for incident in incidents]


@policy.permission("incident.view")
def incident_list(request):
    form = IncidentFilterForm(request.GET or None)
    qs = policy.scope(request.user, Incident.objects.all(), "incident.view")
    if form.is_bound and form.is_valid():
        qs = form.apply(qs)
    qs = (
        qs.select_related(*LIST_RELATED)
        .defer(*LIST_DEFERRED)
        .prefetch_related("victim_counts", "need_to_know")
    )
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    # A list shows level-2 columns only: building its rows is not a read of level-3 content.
    policy.prefetch_shared(request.user, page.object_list)
    rows = [
        policy.redact(request.user, incident, audit_reads=False) for incident in page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "querystring": params.urlencode()}
    template = "incidents/_table.html" if request.htmx else "incidents/list.html"
    return render(request, template, context)


@policy.permission("incident.view")
def incident_detail(request, public_id):
    incident = policy.get_or_404(request.user, Incident, public_id, "incident.view")
    record = policy.redact(request.user, incident)
    persons = []
    if record.shows("persons"):
        persons = [policy.redact(request.user, p, audit_reads=False) for p in record.persons]
    verify_form = None
    if policy.can(request.user, "incident.verify", incident):
        verify_form = VerificationForm(current=incident.verification_status)
    own = incident.owner in policy.organisations(request.user)
    # The break-glass button asks the policy (`{% can "breakglass.request" incident %}`): only
    # a holder in the owning organisation may, so no disclosure ever offers it.
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "record": record,
            "persons": persons,
            "verify_form": verify_form,
            "shared": [] if own else policy.live_disclosures(request.user, incident),
        },
    )


def _area_initial(area):
    if area is None:
        return {}
    region = area if area.level == 1 else area.ancestor_at(1)
    return {"region": region, "area": area}


@policy.permission("incident.create")
def incident_create(request):
    orgs = policy.organisations(request.user, "incident.create")
    form = IncidentForm(request.POST or None, organisations=orgs)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.record_incident(
                request.user,
                organisation=form.cleaned_data["organisation"],
                victim_counts=form.victim_counts(),
                **form.service_values(),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Incident %(ref)s recorded.") % {"ref": incident.reference})
            return redirect("incidents:detail", public_id=incident.public_id)
    return render(request, "incidents/form.html", {"form": form, "creating": True})


@policy.permission("incident.edit")
def incident_edit(request, public_id):
    incident = policy.get_or_404(request.user, Incident, public_id, "incident.edit")
    # The sealed fields come in clear through the policy (which audits the read of level-3
    # content shown in the form; not again when the form comes back).
    record = policy.redact(request.user, incident, audit_reads=request.method != "POST")
    initial = {
        "organisation": incident.owner_id,
        **{f: getattr(incident, f) for f in services.INCIDENT_EDITABLE},
        **_area_initial(incident.area),
    }
    for name in ("narrative", "exact_location", "latitude", "longitude"):
        initial[name] = getattr(record, name) or ""
    for count in incident.victim_counts.select_related("age_group"):
        initial[f"count_{count.sex}_{count.age_group.code}"] = count.count
    form = IncidentForm(request.POST or None, initial=initial, organisations=[incident.owner])
    if request.method == "POST" and form.is_valid():
        try:
            services.update_incident(
                request.user, incident, victim_counts=form.victim_counts(), **form.service_values()
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Incident %(ref)s updated.") % {"ref": incident.reference})
            return redirect("incidents:detail", public_id=incident.public_id)
    return render(request, "incidents/form.html", {"form": form, "incident": incident})


@require_POST
@policy.permission("incident.verify")
def incident_verify(request, public_id):
    incident = policy.get_or_404(request.user, Incident, public_id, "incident.verify")
    form = VerificationForm(request.POST, current=incident.verification_status)
    if form.is_valid():
        try:
            services.change_verification_status(
                request.user,
                incident,
                to_status=form.cleaned_data["to_status"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Verification status changed."))
    else:
        messages.error(request, _("Choose a status allowed from the current one."))
    return redirect("incidents:detail", public_id=incident.public_id)


@policy.permission("person.create")
def person_create(request, public_id):
    incident = policy.get_or_404(request.user, Incident, public_id, "person.create")
    with_identity = policy.can(request.user, "person.view_identity", incident)
    form = PersonForm(request.POST or None, with_identity=with_identity)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.add_person(request.user, incident, **form.service_values())
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Person %(code)s added.") % {"code": person.code})
            return redirect("incidents:person", public_id=person.public_id)
    return render(request, "incidents/person_form.html", {"form": form, "incident": incident})


@policy.permission("person.view")
def person_detail(request, public_id):
    person = policy.get_or_404(request.user, Person, public_id, "person.view")
    record = policy.redact(request.user, person)
    consent_form = ConsentForm() if policy.can(request.user, "consent.record", person) else None
    return render(
        request,
        "incidents/person_detail.html",
        {
            "person": person,
            "record": record,
            "incident": person.incident,
            "consent_form": consent_form,
        },
    )


@policy.permission("person.edit")
def person_edit(request, public_id):
    person = policy.get_or_404(request.user, Person, public_id, "person.edit")
    with_identity = policy.can(request.user, "person.view_identity", person)
    initial = {
        f: getattr(person, f) for f in services.PERSON_EDITABLE if f not in PersonForm.IDENTITY
    }
    if with_identity:
        # In clear through the policy, which audits the identity read (not again on POST).
        record = policy.redact(request.user, person, audit_reads=request.method != "POST")
        initial.update({f: getattr(record, f) or "" for f in PersonForm.IDENTITY})
    form = PersonForm(request.POST or None, initial=initial, with_identity=with_identity)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(request.user, person, **form.service_values())
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Person %(code)s updated.") % {"code": person.code})
            return redirect("incidents:person", public_id=person.public_id)
    return render(
        request,
        "incidents/person_form.html",
        {
            "form": form,
            "incident": person.incident,
            "person": person,
        },
    )


@require_POST
@policy.permission("consent.record")
def consent_record(request, public_id):
    person = policy.get_or_404(request.user, Person, public_id, "consent.record")
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.record_consent(request.user, person, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose what the consent covers and the answer."))
    return redirect("incidents:person", public_id=person.public_id)


@require_POST
@policy.permission("consent.record")
def consent_withdraw(request, public_id):
    consent = policy.get_or_404(request.user, Consent, public_id, "consent.record")
    try:
        services.withdraw_consent(request.user, consent)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Consent withdrawn."))
    return redirect("incidents:person", public_id=consent.person.public_id)


@policy.permission("incident.manage_access")
def need_to_know(request, public_id):
    incident = policy.get_or_404(request.user, Incident, public_id, "incident.manage_access")
    form = NeedToKnowForm(request.POST or None, organisation=incident.owner)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_need_to_know(
                request.user,
                incident,
                user=form.cleaned_data["user"],
                named=form.cleaned_data["named"],
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Need-to-know list updated."))
        return redirect("incidents:need_to_know", public_id=incident.public_id)
    named = incident.need_to_know.order_by("username")
    return render(
        request,
        "incidents/need_to_know.html",
        {
            "incident": incident,
            "form": form,
            "named": named,
        },
    )


@policy.permission("person.view_identity")
def person_search(request):
    """Searched by POST: a name or a phone number never goes into a URL, where server and
    proxy logs, the browser's history and the Referer header would keep it. A GET shows
    the empty form, whatever its query string says."""
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_bound and form.is_valid():
        found = services.find_persons(
            request.user, name=form.cleaned_data["name"], phone=form.cleaned_data["phone"]
        )
        results = [(p, p.incident) for p in found[:50]]
    return render(request, "incidents/person_search.html", {"form": form, "results": results})


@policy.permission("incident.view")
def area_options(request):
    """htmx: the cercles of a region, as <option> elements."""
    region_id = int_param(request.GET, "region")  # anything but an id: no region
    region = Area.objects.filter(pk=region_id, level=1).first() if region_id else None
    areas = Area.objects.filter(parent=region).order_by("pcode") if region else []
    return render(request, "incidents/_area_options.html", {"areas": areas, "region": region})
