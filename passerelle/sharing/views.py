"""Sharing pages: share an incident, what partners shared with us, what we shared, exports,
break-glass accesses and notifications. Visibility is decided by `passerelle.policy` only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.core import audit, exports
from passerelle.core.errors import DomainError, add_to_form
from passerelle.core.models import Notification
from passerelle.core.notify import render as render_notification
from passerelle.incidents.models import Incident
from passerelle.incidents.views import LIST_DEFERRED, LIST_RELATED
from passerelle.policy.purposes import ForbiddenPurpose, Purpose

from . import aggregates, guidance, services
from .forms import AggregateForm, BreakGlassForm, ReviewForm, ShareForm
from .models import BreakGlass, Disclosure

# --------------------------------------------------------------------------- share


@policy.permission("incident.share")
def share(request, public_id):
    incident = policy.get_or_404(request.user, Incident, public_id, "incident.share")
    protocols = list(services.in_force_protocols(incident.owner))
    previewing = request.method == "POST" and "preview" in request.POST
    if previewing:  # without JavaScript: the guidance for what is chosen, nothing shared
        form = ShareForm(initial=_choices(request.POST), protocols=protocols, incident=incident)
    else:
        form = ShareForm(request.POST or None, protocols=protocols, incident=incident)
    refused = []
    if request.method == "POST" and not previewing and form.is_valid():
        data = form.cleaned_data
        try:
            services.share_incident(
                request.user,
                incident,
                protocol=data["protocol"],
                recipient=data["recipient"],
                purpose=data["purpose"],
                level=data["level"],
                recipient_user=data["recipient_user"],
                note=data["note"],
            )
        except services.SharingRefused as exc:
            refused = exc.reasons
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Incident %(ref)s shared with %(org)s.")
                % {"ref": incident.reference, "org": data["recipient"].acronym},
            )
            return redirect("sharing:sent")
    disclosures = policy.scope(request.user, incident.disclosures.all(), "disclosure.view")
    disclosures = disclosures.select_related("recipient", "protocol").order_by("-created_at")
    partners = guidance.options(request.user, incident, protocols)
    return render(
        request,
        "sharing/share.html",
        {
            "incident": incident,
            "form": form,
            "refused": refused,
            "protocols": protocols,
            "disclosures": disclosures,
            "partners": partners,
            "shareable": [o for o in partners if o.levels],
            "guidance": _guidance(request.user, incident, form),
        },
    )


def _choices(data) -> dict:
    """The share form's choices as initial values (the no-JavaScript preview)."""
    names = ("protocol", "recipient", "purpose", "level", "recipient_user", "note")
    return {name: data.get(name) for name in names if data.get(name)}


def _guidance(user, incident, form):
    """What a share to the chosen recipient under the chosen protocol may be, or None."""
    protocol = form.chosen("protocol", form.fields["protocol"].queryset.with_terms())
    recipient = form.chosen("recipient", form.fields["recipient"].queryset)
    if protocol is None or recipient is None:
        return None
    purpose = (form.data if form.is_bound else form.initial).get("purpose") or ""
    if purpose not in Purpose.values:
        purpose = ""
    return guidance.option(user, incident, protocol=protocol, recipient=recipient, purpose=purpose)


@require_POST
@policy.permission("incident.share")
def share_guidance(request, public_id):
    """The share form's guidance fragment (htmx, on each change of a choice): the named
    recipients of the chosen organisation and what the protocol allows it; nothing shared."""
    incident = policy.get_or_404(request.user, Incident, public_id, "incident.share")
    protocols = list(services.in_force_protocols(incident.owner))
    form = ShareForm(initial=_choices(request.POST), protocols=protocols, incident=incident)
    return render(
        request,
        "sharing/_share_guidance.html",
        {
            "incident": incident,
            "form": form,
            "field": form["recipient_user"],
            "guidance": _guidance(request.user, incident, form),
        },
    )


# --------------------------------------------------------------------------- received / sent


def _received_rows(user, disclosures):
    """One row per live disclosure: the record as the user may see it through it."""
    disclosures = list(disclosures)
    policy.prefetch_shared(user, [d.incident for d in disclosures])
    rows = []
    for disclosure in disclosures:
        level = policy.shared_level(user, disclosure.incident, "incident.view", [disclosure])
        if level < max(2, disclosure.incident.classification):
            rows.append({"disclosure": disclosure, "level": level, "record": None})
            continue
        rows.append(
            {
                "disclosure": disclosure,
                "level": level,
                "record": policy.redact(user, disclosure.incident, audit_reads=False),
            }
        )
    return rows


@policy.permission("incident.view")
def received(request):
    qs = (
        policy.received_disclosures(request.user)
        .select_related(*(f"incident__{r}" for r in LIST_RELATED))
        .defer(*(f"incident__{r}" for r in LIST_DEFERRED))
        .prefetch_related("incident__victim_counts", "incident__need_to_know")
    )
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _received_rows(request.user, page.object_list)
    return render(request, "sharing/received.html", {"page": page, "rows": rows})


@policy.permission("incident.view")
def received_detail(request, public_id):
    """A link from a notification: the shared record, if still available."""
    disclosure = policy.get_or_404(request.user, Disclosure, public_id, "incident.view")
    return redirect("incidents:detail", public_id=disclosure.incident.public_id)


@policy.permission("incident.share")
def sent(request):
    qs = policy.scope(request.user, Disclosure.objects.all(), "disclosure.view")
    qs = qs.select_related("recipient", "protocol", "incident", "disclosed_by", "recipient_user")
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(request, "sharing/sent.html", {"page": page, "now": now})


def _owner_step(request, public_id, step, done: str):
    """Withdraw or confirm again one of the organisation's disclosures, then back to the list."""
    disclosure = policy.get_or_404(request.user, Disclosure, public_id, "incident.share")
    try:
        step(request.user, disclosure)
    except services.SharingRefused as exc:
        for reason in exc.reasons:
            messages.error(request, str(reason))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("sharing:sent")


@require_POST
@policy.permission("incident.share")
def revoke(request, public_id):
    return _owner_step(
        request,
        public_id,
        services.revoke_disclosure,
        _("The disclosure was withdrawn; the recipients were told."),
    )


@require_POST
@policy.permission("incident.share")
def confirm(request, public_id):
    """Share again a record that its protocol's suspension withdrew (the owner confirms)."""
    return _owner_step(
        request,
        public_id,
        services.confirm_disclosure,
        _("The record is shared again; the recipients were told."),
    )


# --------------------------------------------------------------------------- export

EXPORT_COLUMNS = [
    ("reference", "#event+id", lambda r: r.reference),
    ("owner", "#org+owner", lambda r: r.owner.acronym),
    ("occurred_on", "#date+occurred", lambda r: r.occurred_on.isoformat()),
    ("region", "#adm1+name", lambda r: _ancestor(r.area, 1)),
    ("cercle", "#adm2+name", lambda r: _ancestor(r.area, 2)),
    ("pcode", "#adm2+code", lambda r: r.area.pcode if r.area.level <= 2 else ""),
    ("data_category", "#sector+category", lambda r: r.data_category),
    ("category", "#event+type", lambda r: r.category.code),
    ("verification_status", "#status", lambda r: r.verification_status),
    ("victims", "#affected+total", lambda r: r.victim_total),
    ("level", "#meta+level", lambda r: r.level),
]


def _ancestor(area, level):
    found = area.ancestor_at(level) if area is not None else None
    return found.name if found else ""


@policy.permission("incident.export")
def export(request):
    """The incidents the user may see, own and shared, at level 2 (HXL-tagged CSV)."""
    which = request.GET.get("which", "own")
    exported = []
    if which == "received":
        disclosures = (
            policy.received_disclosures(request.user)
            .select_related(*(f"incident__{r}" for r in LIST_RELATED))
            .defer(*(f"incident__{r}" for r in LIST_DEFERRED))
            .prefetch_related("incident__victim_counts", "incident__need_to_know")
        )
        rows = [r for r in _received_rows(request.user, disclosures) if r["record"] is not None]
        records = [row["record"] for row in rows]
        exported = [row["disclosure"] for row in rows]
    else:
        which = "own"
        qs = policy.scope(request.user, Incident.objects.all(), "incident.view")
        qs = qs.filter(owner__in=policy.organisations(request.user, "incident.export"))
        qs = (
            qs.select_related(*LIST_RELATED)
            .defer(*LIST_DEFERRED)
            .prefetch_related("victim_counts", "need_to_know")
        )
        incidents = list(qs)
        policy.prefetch_shared(request.user, incidents)
        records = [policy.redact(request.user, i, audit_reads=False) for i in incidents]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="incidents-{which}-{stamp}.csv"'
    writer = exports.csv_writer(response)
    writer.writerow([name for name, _tag, _get in EXPORT_COLUMNS])
    writer.writerow([tag for _name, tag, _get in EXPORT_COLUMNS])
    for record in records:
        writer.writerow([get(record) for _name, _tag, get in EXPORT_COLUMNS])
    audit.record(
        request.user,
        "incident.export",
        organisation=(policy.organisations(request.user, "incident.export") or [None])[0],
        level=2,
        detail={"which": which, "rows": len(records), "format": "csv"},
    )
    audit_for_owners(request.user, "disclosure.export", exported, format="csv")
    return response


def _area_at(record, level: int) -> str:
    found = record.area.ancestor_at(level) if record.area is not None else None
    return found.name if found is not None else ""


RECEIVED_COLUMNS = [
    exports.Column(gettext_lazy("Reference"), lambda r: r["record"].reference, 18),
    exports.Column(gettext_lazy("From"), lambda r: r["disclosure"].owner.display_name, 24),
    exports.Column(gettext_lazy("Date of the incident"), lambda r: r["record"].occurred_on),
    exports.Column(gettext_lazy("Region"), lambda r: _area_at(r["record"], 1)),
    exports.Column(gettext_lazy("Cercle"), lambda r: _area_at(r["record"], 2)),
    exports.Column(
        gettext_lazy("Category"),
        lambda r: r["record"].category.label if r["record"].category else "",
        30,
    ),
    exports.Column(gettext_lazy("Victims"), lambda r: r["record"].victim_total, 10),
    exports.Column(
        gettext_lazy("Verification status"), lambda r: r["record"].verification_status_display
    ),
    exports.Column(gettext_lazy("Your level"), lambda r: r["level"], 10),
    exports.Column(gettext_lazy("Purpose"), lambda r: r["disclosure"].get_purpose_display()),
    exports.Column(gettext_lazy("Protocol"), lambda r: r["disclosure"].protocol.reference),
    exports.Column(gettext_lazy("Available until"), lambda r: r["disclosure"].expires_at),
]


@policy.permission("incident.export")
def received_xlsx(request):
    """What partners shared with the user's organisations, as the list shows it (XLSX); each
    owner's log records which of its records left, to whom, under which protocol."""
    disclosures = (
        policy.received_disclosures(request.user)
        .select_related(*(f"incident__{r}" for r in LIST_RELATED), "protocol", "owner")
        .defer(*(f"incident__{r}" for r in LIST_DEFERRED))
        .prefetch_related("incident__victim_counts", "incident__need_to_know")
    )
    rows = [r for r in _received_rows(request.user, disclosures) if r["record"] is not None]
    response = exports.xlsx_download(
        request.user,
        rows,
        columns=RECEIVED_COLUMNS,
        action="incident.export",
        title=gettext_lazy("Shared with us"),
        filename="incidents-received",
        organisation=(policy.organisations(request.user, "incident.export") or [None])[0],
        level=2,
    )
    audit_for_owners(
        request.user, "disclosure.export", [r["disclosure"] for r in rows], format="xlsx"
    )
    return response


def audit_for_owners(user, action: str, disclosures, **detail) -> None:
    """Shared records left through the recipient (an export): tell each owner's audit log
    which of its records, to whom, under which protocol."""
    by_owner: dict = {}
    for disclosure in disclosures:
        by_owner.setdefault(disclosure.owner_id, []).append(disclosure)
    for items in by_owner.values():
        audit.record(
            user,
            action,
            organisation=items[0].owner,
            level=2,  # the export's columns are level 2
            detail={
                **detail,
                "rows": len(items),
                "recipients": sorted({d.recipient.acronym for d in items}),
                "protocols": sorted({d.protocol.reference for d in items}),
                "incidents": sorted(str(d.incident.public_id) for d in items)[:500],
            },
        )


# --------------------------------------------------------------------------- break-glass


@policy.permission("breakglass.request")
def break_glass(request, public_id):
    incident = policy.get_or_404(request.user, Incident, public_id, "breakglass.request")
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.open_break_glass(
                request.user,
                incident,
                reason=form.cleaned_data["reason"],
                hours=form.cleaned_data["hours"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.warning(
                request,
                _("Break-glass access opened; it is recorded and will be reviewed."),
            )
            return redirect("incidents:detail", public_id=incident.public_id)
    return render(request, "sharing/break_glass.html", {"incident": incident, "form": form})


@policy.permission("breakglass.review")
def break_glass_list(request):
    qs = policy.scope(request.user, BreakGlass.objects.all(), "breakglass.review")
    qs = qs.select_related("user", "incident", "reviewed_by")
    pending = request.GET.get("all") != "1"
    if pending:
        qs = qs.filter(reviewed_at__isnull=True)
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    # The reasons are sealed; the policy opens them for the reviewing administrator.
    rows = policy.open_notes(
        request.user,
        page.object_list,
        "reason",
        action="breakglass.review",
        audit_as="breakglass.read",
    )
    return render(
        request,
        "sharing/break_glass_list.html",
        {
            "page": page,
            "rows": rows,
            "pending": pending,
            "form": ReviewForm(),
            "now": timezone.now(),
        },
    )


@require_POST
@policy.permission("breakglass.review")
def break_glass_review(request, public_id):
    # Another organisation's access answers like a missing one: 404, the refusal audited.
    access = policy.get_or_404(request.user, BreakGlass, public_id, "breakglass.review")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        services.review_break_glass(request.user, access, note=form.cleaned_data["note"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Marked as reviewed."))
    return redirect("sharing:break_glass_list")


# --------------------------------------------------------------------------- notifications


@policy.permission("dashboard.view")
def notifications(request):
    qs = Notification.objects.filter(recipient=request.user)
    page = Paginator(qs, settings.PASSERELLE_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"n": n, "text": render_notification(n.kind, n.params)} for n in page.object_list]
    return render(request, "sharing/notifications.html", {"page": page, "items": items})


@require_POST
@policy.permission("dashboard.view")
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("sharing:notifications")


# --------------------------------------------------------------------------- aggregates


@policy.permission("aggregate.view")
def aggregate_table(request):
    form = AggregateForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = aggregates.build_from(request.user, data)
        except ForbiddenPurpose as refused:  # audited by the policy, for the owners too
            form.add_error("purpose", refused.reason)
            return render(request, "sharing/aggregates.html", {"form": form}, status=403)
        as_csv = request.GET.get("format") == "csv"
        aggregates.record_read(request.user, result, data, exported=as_csv)
        if as_csv:
            return _aggregate_csv(result)
    return render(request, "sharing/aggregates.html", {"form": form, "result": result})


def _shown(cell) -> str:
    return "x" if cell.suppressed else str(cell.value)


def _aggregate_csv(result):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="aggregates.csv"'
    writer = exports.csv_writer(response)
    writer.writerow(["", *result.column_labels, _("Total")])
    for label, cells, total in result.lines():
        writer.writerow([label, *(_shown(c) for c in cells), _shown(total)])
    writer.writerow(
        [_("Total"), *(_shown(c) for c in result.table.column_totals), _shown(result.table.total)]
    )
    writer.writerow([])
    writer.writerow(
        [_("x: suppressed (fewer than %(k)s, or would reveal such a cell)") % {"k": result.k}]
    )
    if result.rounded:
        writer.writerow(
            [
                _(
                    "Rounded to multiples of %(k)s; totals add up the cells shown "
                    "(partners' records are counted)."
                )
                % {"k": result.k}
            ]
        )
    return response
