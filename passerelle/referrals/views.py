"""Pages for the service directory, survivors' needs and referrals.

Who sees which referral, and how much of it, is decided by `passerelle.policy` (see
policy/referrals.py); these views only ask.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core.errors import DomainError, add_to_form
from passerelle.geography.models import Area
from passerelle.incidents.models import Person

from . import services
from .forms import (
    FollowUpForm,
    MoveForm,
    NeedForm,
    ReferralFilterForm,
    ReferralForm,
    ServiceFilterForm,
    ServiceForm,
    services_for,
)
from .models import Need, Referral, Service
from .policy_rules import manageable_providers

# --------------------------------------------------------------------------- services


def _manageable_providers(user):
    return manageable_providers(user)  # the rule of "service.create", in policy_rules.py


def filter_services(queryset, data: dict):
    if data.get("q"):
        q = data["q"]
        queryset = queryset.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(description__icontains=q)
        )
    if data.get("area"):
        queryset = queryset.serving(data["area"])
    if data.get("service_type"):
        queryset = queryset.filter(service_type=data["service_type"])
    if data.get("provider"):
        queryset = queryset.filter(provider=data["provider"])
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    return queryset


@policy.permission("service.view")
def service_list(request):
    form = ServiceFilterForm(request.GET or None)
    # The areas' names and codes, never their boundaries (hundreds of kilobytes each).
    areas = Prefetch("areas", queryset=Area.objects.defer("geometry"))
    qs = Service.objects.select_related("provider").prefetch_related(areas)
    if form.is_valid():
        qs = filter_services(qs, form.cleaned_data)
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/service_list.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
        },  # the buttons ask `{% can "service.create" %}` and `{% can "service.import" %}`
    )


@policy.permission("service.view")
def service_detail(request, public_id):
    service = get_object_or_404(
        Service.objects.select_related("provider", "receiver").prefetch_related("areas"),
        public_id=public_id,
    )
    return render(
        request,
        "referrals/service_detail.html",
        {"service": service},
    )


def _service_form(request, service: Service | None):
    providers = _manageable_providers(request.user)
    if not providers.exists() or (
        service is not None and not services.may_manage_service(request.user, service.provider)
    ):
        policy.audit_refusal(request.user, "service.manage")
        raise PermissionDenied
    initial = {}
    if service is not None:
        initial = {
            name: getattr(service, name)
            for name in ("code", *services.SERVICE_FIELDS)
            if name not in ("provider", "receiver")
        }
        initial.update(
            provider=service.provider_id, receiver=service.receiver_id, areas=service.areas.all()
        )
    form = ServiceForm(request.POST or None, initial=initial, providers=providers)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            saved = services.save_service(
                request.user, service, code=values.pop("code"), areas=values.pop("areas"), **values
            )
        except DomainError as exc:
            add_to_form(form, exc)
        except ValidationError as exc:  # model validation (e.g. a code already used)
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Service %(code)s saved.") % {"code": saved.code})
            return redirect("referrals:service_detail", public_id=saved.public_id)
    return render(request, "referrals/service_form.html", {"form": form, "service": service})


@policy.permission("service.manage", "servicemap.manage")
def service_create(request):
    return _service_form(request, None)


@policy.permission("service.manage", "servicemap.manage")
def service_edit(request, public_id):
    return _service_form(request, get_object_or_404(Service, public_id=public_id))


# --------------------------------------------------------------------------- needs


@require_POST
@policy.permission("person.edit")
def need_record(request, public_id):
    person = policy.get_or_404(request.user, Person, public_id, "person.edit")
    form = NeedForm(request.POST)
    if form.is_valid():
        try:
            services.record_need(request.user, person, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Need recorded."))
    else:
        messages.error(request, _("Choose the service needed and the outcome."))
    return redirect("incidents:person", public_id=person.public_id)


# --------------------------------------------------------------------------- referrals


@policy.permission("referral.create")
def referral_create(request, public_id):
    person = policy.get_or_404(request.user, Person, public_id, "person.view")
    policy.require(request.user, "referral.create", person.incident)
    incident = person.incident
    show_all = request.GET.get("all") == "1" or request.POST.get("all") == "1"
    candidates = Service.objects.filter(status=Service.Status.ACTIVE)
    if not show_all:
        candidates = services_for(incident.area)
    candidates = candidates.select_related("provider").order_by("service_type", "name")
    needs = policy.needs_scope(
        request.user,
        Need.objects.filter(person=person).exclude(
            outcome__in=[Need.Outcome.NOT_APPLICABLE, Need.Outcome.IN_HOUSE]
        ),
    )
    initial = {}
    try:
        initial["service"] = candidates.filter(public_id=request.GET.get("service")).first()
    except ValidationError:
        pass  # not a service id: nothing preselected
    form = ReferralForm(request.POST or None, initial=initial, services=candidates, needs=needs)
    refused = []
    consent = policy.referrals.referral_consent(person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.create_referral(
                request.user,
                person,
                data["service"],
                level=data["level"],
                urgency=data["urgency"],
                summary=data["summary"],
                receiver=data["receiver"],
                need=data["need"],
                send="draft" not in request.POST,
            )
        except services.ReferralRefused as exc:
            refused = exc.reasons
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            if referral.status == Referral.Status.DRAFT:
                messages.success(
                    request, _("Referral %(ref)s saved as a draft.") % {"ref": referral}
                )
            else:
                messages.success(
                    request,
                    _("Referral %(ref)s sent to %(org)s.")
                    % {"ref": referral, "org": referral.provider.acronym},
                )
            return redirect("referrals:detail", public_id=referral.public_id)
    return render(
        request,
        "referrals/referral_form.html",
        {
            "form": form,
            "person": person,
            "incident": incident,
            "refused": refused,
            "consent": consent,
            "show_all": show_all,
            "pathways": _pathways_for(incident.area),
        },
    )


def _pathways_for(area):
    from .models import NeedKind

    found = []
    for need in NeedKind:
        pathway = services.pathway_for(area, need.value)
        if pathway is not None:
            found.append(pathway)
    return found


BOXES = ("received", "sent", "overdue")


def boxed_referrals(request, box: str):
    """The filter form and the referrals of one box the user may see, filtered as the list
    is (the list and its export read the same rows)."""
    form = ReferralFilterForm(request.GET or None)
    if box == "overdue":
        received = policy.scope_referrals(request.user, Referral.objects.all(), "received")
        sent = policy.scope_referrals(request.user, Referral.objects.all(), "sent")
        qs = services.overdue(received | sent)
    else:
        qs = policy.scope_referrals(request.user, Referral.objects.all(), box)
    if form.is_valid():
        if form.cleaned_data.get("status"):
            qs = qs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data.get("service_type"):
            qs = qs.filter(service__service_type=form.cleaned_data["service_type"])
    qs = (
        qs.select_related(
            "service", "provider", "sender", "person__age_group", "person__incident__area__parent"
        )
        .select_related("protocol")
        .defer("person__incident__area__geometry", "person__incident__area__parent__geometry")
        .prefetch_related(
            # what the policy reads per row: consents, and who is named on the incident
            policy.referrals.consents_prefetch("person__consents"),
            "person__incident__need_to_know",
        )
    )
    return form, qs


@policy.permission("referral.create", "referral.respond")
def referral_list(request, box: str = "received"):
    if box not in BOXES:
        box = "received"
    # the decorator lets in a holder of either; the tabs ask `{% can %}` for each
    if box == "received" and not policy.can(request.user, "referral.respond"):
        return redirect("referrals:sent")
    form, qs = boxed_referrals(request, box)
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    # what a disclosure gives on the incidents of other organisations: two queries per page
    policy.prefetch_shared(request.user, [r.person.incident for r in page.object_list])
    rows = [
        {"referral": r, "view": policy.redact_referral(request.user, r, audit_reads=False)}
        for r in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/referral_list.html",
        {
            "box": box,
            "rows": rows,
            "page": page,
            "form": form,
            "querystring": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@policy.permission("referral.create", "referral.respond")
def referral_detail(request, public_id):
    referral = policy.get_referral_or_404(request.user, public_id)
    view = policy.redact_referral(request.user, referral)
    moves = []
    if policy.may_act(request.user, referral, "sender"):
        moves += services.next_statuses(referral.status, "sender")
    if policy.may_act(request.user, referral, "provider"):
        moves += services.next_statuses(referral.status, "provider")
    history = view.get("history", [])  # notes opened by the policy at level 3
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "view": view,
            "moves": moves,
            "labels": dict(Referral.Status.choices),
            # One form per move, each with ids of its own (id_accepted_note, id_declined_note...):
            # the same MoveForm rendered in each gave every note field the id id_note.
            "move_forms": [(move, MoveForm(auto_id=f"id_{move}_%s")) for move in moves],
            "history": history,
            "follow_up_form": FollowUpForm(initial={"due": referral.follow_up_due})
            if moves
            else None,
            "is_sender": policy.referrals.sender_level(request.user, referral) >= 3,
        },
    )


@require_POST
@policy.permission("referral.create", "referral.respond")
def referral_move(request, public_id):
    referral = policy.get_referral_or_404(request.user, public_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("referrals:detail", public_id=referral.public_id)
    data = form.cleaned_data
    try:
        services.move_referral(
            request.user,
            referral,
            data["to"],
            note=data["note"],
            decline_reason=data["decline_reason"],
            provided_on=data["provided_on"],
        )
    except services.ReferralRefused as exc:
        for reason in exc.reasons:
            messages.error(request, str(reason))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Referral %(ref)s: %(status)s.")
            % {"ref": referral.reference, "status": referral.get_status_display()},
        )
    return redirect("referrals:detail", public_id=referral.public_id)


@require_POST
@policy.permission("referral.create", "referral.respond")
def referral_follow_up(request, public_id):
    referral = policy.get_referral_or_404(request.user, public_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.update_follow_up(request.user, referral, due=form.cleaned_data["due"])
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Follow-up date changed."))
    else:
        messages.error(request, _("Enter a valid date."))
    return redirect("referrals:detail", public_id=referral.public_id)


urlpatterns = [
    path("services/", service_list, name="service_list"),
    path("services/new/", service_create, name="service_create"),
    path("services/<uuid:public_id>/", service_detail, name="service_detail"),
    path("services/<uuid:public_id>/edit/", service_edit, name="service_edit"),
    path("person/<uuid:public_id>/need/", need_record, name="need_record"),
    path("person/<uuid:public_id>/refer/", referral_create, name="create"),
    path("", referral_list, name="list"),
    path("received/", referral_list, {"box": "received"}, name="received"),
    path("sent/", referral_list, {"box": "sent"}, name="sent"),
    path("overdue/", referral_list, {"box": "overdue"}, name="overdue"),
    path("<uuid:public_id>/", referral_detail, name="detail"),
    path("<uuid:public_id>/move/", referral_move, name="move"),
    path("<uuid:public_id>/follow-up/", referral_follow_up, name="follow_up"),
]
