"""Protocol pages: the list, the draft form, the protocol as a readable document (page, print
and PDF) and the approve, activate and suspend steps. Every write goes through `services`,
which decide who may do what; the views only choose which buttons to show."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core import audit
from passerelle.core.errors import DomainError
from passerelle.core.pdf import filename_part, render_pdf
from passerelle.incidents.models import Level
from passerelle.policy.purposes import FORBIDDEN, FORBIDDEN_MAX_LEVEL, Purpose

from . import services
from .models import Protocol
from .protocol_forms import (
    EXTRA_ROWS,
    ApproveForm,
    PartyFormSet,
    ProtocolFilterForm,
    ProtocolForm,
    RuleFormSet,
    SuspendForm,
    kept_rows,
)

# One sentence per classification level, for the document and the rules table.
LEVEL_MEANINGS = {
    0: gettext_lazy("Public information, which anyone may read."),
    1: gettext_lazy(
        "Counts and statistics only, with small cells suppressed; no individual incident."
    ),
    2: gettext_lazy(
        "A de-identified summary of an incident: the place given to the cercle only, "
        "and no narrative."
    ),
    3: gettext_lazy(
        "The case details without anyone's identity, shared only with the consent of every "
        "person concerned."
    ),
    4: gettext_lazy(
        "Identities, shared with a named recipient only and with the consent of every "
        "person concerned."
    ),
}


def _get(public_id) -> Protocol:
    return get_object_or_404(Protocol, public_id=public_id)


def _manages(user, protocol: Protocol) -> bool:
    """Whether to offer the manager's buttons (the services decide, and audit refusals)."""
    return services.may_manage(user, protocol)


# --------------------------------------------------------------------------- list


@policy.permission("protocol.view")
def protocol_list(request):
    form = ProtocolFilterForm(request.GET or None)
    qs = Protocol.objects.prefetch_related("parties__organisation").order_by(
        "status", "-valid_from", "reference"
    )
    if form.is_bound and form.is_valid() and form.cleaned_data["status"]:
        qs = qs.filter(status=form.cleaned_data["status"])
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (p, sorted({party.organisation.acronym for party in p.parties.all()}))
        for p in page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "sharing/protocols/list.html",
        {"form": form, "page": page, "rows": rows, "querystring": params.urlencode()},
    )


# --------------------------------------------------------------------------- draft


def _initial(protocol: Protocol) -> tuple[dict, list[dict], list[dict]]:
    fields = {name: getattr(protocol, name) for name in ProtocolForm.FIELDS}
    fields["areas"] = [a.pk for a in protocol.areas.all()]
    parties = [{"organisation": p.organisation_id, "role": p.role} for p in protocol.parties.all()]
    rules = [
        {
            "party_role": r.party_role,
            "data_category": r.data_category,
            "max_level": r.max_level,
            "purposes": list(r.purposes),
        }
        for r in protocol.rules.all()
    ]
    return fields, parties, rules


def _with_more_rows(data):
    """The posted data with more blank rows in both formsets (nothing typed is lost)."""
    data = data.copy()
    for prefix in ("parties", "rules"):
        key = f"{prefix}-TOTAL_FORMS"
        try:
            data[key] = str(int(data.get(key, 0)) + EXTRA_ROWS)
        except ValueError:
            pass
    return data


def _place_error(exc: DomainError, form, parties, rules) -> None:
    """Show a service's refusal next to what it is about, or at the top."""
    message = str(exc.message)
    if exc.field in form.fields:
        form.add_error(exc.field, message)
    elif exc.field == "rules":
        rules.non_form_errors().append(message)
    elif exc.field == "parties":
        parties.non_form_errors().append(message)
    else:
        form.add_error(None, message)


def _edit(request, protocol: Protocol | None):
    if request.method == "POST":
        data = _with_more_rows(request.POST) if "more" in request.POST else request.POST
        form = ProtocolForm(data)
        parties = PartyFormSet(data, prefix="parties")
        rules = RuleFormSet(data, prefix="rules")
        valid = [form.is_valid(), parties.is_valid(), rules.is_valid()]  # all, for every error
        if "more" not in request.POST and all(valid):
            try:
                saved = services.save_protocol(
                    request.user,
                    protocol,
                    fields=form.service_fields(),
                    parties=[
                        {"organisation": row["organisation"], "role": row["role"]}
                        for row in kept_rows(parties)
                    ],
                    rules=[
                        {
                            "party_role": row["party_role"],
                            "data_category": row["data_category"],
                            "max_level": row["max_level"],
                            "purposes": row["purposes"],
                        }
                        for row in kept_rows(rules)
                    ],
                    areas=list(form.cleaned_data["areas"]),
                )
            except DomainError as exc:
                if protocol is not None:
                    protocol.refresh_from_db()  # the service may have changed it in memory
                _place_error(exc, form, parties, rules)
            else:
                messages.success(
                    request,
                    _("Protocol %(ref)s saved as a draft.") % {"ref": saved.reference},
                )
                return redirect("sharing:protocol_detail", public_id=saved.public_id)
    elif protocol is None:
        form = ProtocolForm()
        parties = PartyFormSet(prefix="parties")
        rules = RuleFormSet(prefix="rules")
    else:
        fields, party_rows, rule_rows = _initial(protocol)
        form = ProtocolForm(initial=fields)
        parties = PartyFormSet(initial=party_rows, prefix="parties")
        rules = RuleFormSet(initial=rule_rows, prefix="rules")
    row_errors = request.method == "POST" and bool(
        parties.total_error_count() or rules.total_error_count()
    )
    return render(
        request,
        "sharing/protocols/form.html",
        {
            "form": form,
            "parties": parties,
            "rules": rules,
            "protocol": protocol,
            "row_errors": row_errors and "more" not in request.POST,
        },
    )


@policy.permission("protocol.manage")
def protocol_create(request):
    return _edit(request, None)


@policy.permission("protocol.manage")
def protocol_edit(request, public_id):
    protocol = _get(public_id)
    if not _manages(request.user, protocol):
        policy.audit_refusal(request.user, "protocol.manage", reason="not a party")
        raise PermissionDenied
    if protocol.status != Protocol.Status.DRAFT:
        messages.error(
            request, _("Only a draft protocol can be changed; suspend it and draft anew.")
        )
        return redirect("sharing:protocol_detail", public_id=protocol.public_id)
    return _edit(request, protocol)


# --------------------------------------------------------------------------- the document


def document_context(protocol: Protocol) -> dict:
    """Everything the protocol document shows (the page, the print view and the PDF)."""
    parties = list(protocol.parties.select_related("organisation"))
    approvals = {a.organisation_id: a for a in protocol.approvals.select_related("approved_by")}
    holders: dict[str, list[str]] = {}
    for party in parties:
        holders.setdefault(party.role, []).append(party.organisation.acronym)
    levels = dict(Level.choices)
    rules = [
        {
            "rule": rule,
            "level": levels.get(rule.max_level, rule.max_level),
            "meaning": LEVEL_MEANINGS.get(rule.max_level, ""),
            "purposes": rule.purpose_labels(),
            "held_by": sorted(set(holders.get(rule.party_role, []))),
        }
        for rule in protocol.rules.all()
    ]
    return {
        "protocol": protocol,
        "parties": [(party, approvals.get(party.organisation_id)) for party in parties],
        "rules": rules,
        "levels": [(value, label, LEVEL_MEANINGS[value]) for value, label in Level.choices],
        "forbidden": [Purpose(p).label for p in Purpose if p in FORBIDDEN],
        "forbidden_max_level": FORBIDDEN_MAX_LEVEL,
        "areas": list(protocol.areas.order_by("pcode")),
        "generated_at": timezone.now(),
    }


def _detail(request, protocol: Protocol, suspend_form=None):
    user = request.user
    signatories = services.signatory_organisations(user, protocol)
    context = document_context(protocol)
    if protocol.status == Protocol.Status.DRAFT:
        approved = {a.organisation_id for _party, a in context["parties"] if a}
        context["missing"] = services.missing_pieces(protocol)
        context["to_sign"] = [o for o in signatories if o.pk not in approved]
    # Which steps to offer is the protocols family's rule (`protocol.edit`, `.activate`,
    # `.suspend`, by status): the template asks it with `{% can %}`.
    context["suspend_form"] = suspend_form or SuspendForm()
    return render(request, "sharing/protocols/detail.html", context)


@policy.permission("protocol.view")
def protocol_detail(request, public_id):
    return _detail(request, _get(public_id))


@policy.permission("protocol.view")
def protocol_print(request, public_id):
    """The document alone, laid out for the browser's print command."""
    return render(request, "sharing/protocols/print.html", document_context(_get(public_id)))


@policy.permission("protocol.view")
def protocol_pdf(request, public_id):
    """The document as a PDF in the current language (an export: audited)."""
    protocol = _get(public_id)
    language = get_language() or settings.LANGUAGE_CODE
    html = render_to_string(
        "sharing/protocols/print.html",
        {**document_context(protocol), "pdf": True},
        request=request,
    )
    pdf = render_pdf(html, "css/passerelle.css")
    audit.record(
        request.user,
        "protocol.export",
        protocol,
        organisation=audit.home_organisation(request.user),
        detail={"format": "pdf", "language": language},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"protocol-{filename_part(protocol.reference, 'protocol')}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --------------------------------------------------------------------------- steps


@require_POST
@policy.permission("protocol.approve")
def protocol_approve(request, public_id):
    protocol = _get(public_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the organisation you sign for."))
    else:
        organisation = form.cleaned_data["organisation"]
        try:
            services.approve_protocol(request.user, protocol, organisation)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("Protocol %(ref)s approved on behalf of %(org)s.")
                % {"ref": protocol.reference, "org": organisation.acronym},
            )
    return redirect("sharing:protocol_detail", public_id=protocol.public_id)


@require_POST
@policy.permission("protocol.manage")
def protocol_activate(request, public_id):
    protocol = _get(public_id)
    try:
        services.activate_protocol(request.user, protocol)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Protocol %(ref)s is active.") % {"ref": protocol.reference})
    return redirect("sharing:protocol_detail", public_id=protocol.public_id)


@require_POST
@policy.permission("protocol.manage", "protocol.approve")  # the service checks which
def protocol_suspend(request, public_id):
    protocol = _get(public_id)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            services.suspend_protocol(request.user, protocol, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.field != "reason":
                messages.error(request, str(exc.message))
                return redirect("sharing:protocol_detail", public_id=protocol.public_id)
            form.add_error("reason", str(exc.message))
        else:
            messages.success(
                request, _("Protocol %(ref)s is suspended.") % {"ref": protocol.reference}
            )
            return redirect("sharing:protocol_detail", public_id=protocol.public_id)
    protocol.refresh_from_db()
    return _detail(request, protocol, suspend_form=form)
