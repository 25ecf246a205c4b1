"""The audit log as an organisation's administrator reads it: each event's action in words of
the reader's language, its record as a reference a person understands (an incident's
reference, a referral's, a request's, a protocol's...) — resolved only when the reader may see
that record, through the policy; otherwise a neutral "record in another organisation" — and
the actor's name. Filters (action, person, period, record reference) travel in the URL.

Which events a reader sees is the policy's `audit.view` rule, unchanged (`policy.scope`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from passerelle import policy

from .forms import IsoDateInput
from .models import AuditEvent

# --------------------------------------------------------------------------- actions in words

ACTIONS = {
    "access.refused": gettext_lazy("Access refused"),
    "actorprofile.create": gettext_lazy("Actor profile created"),
    "actorprofile.update": gettext_lazy("Actor profile changed"),
    "admin.add": gettext_lazy("Added in the administration site"),
    "admin.change": gettext_lazy("Changed in the administration site"),
    "admin.delete": gettext_lazy("Deleted in the administration site"),
    "aggregate.export": gettext_lazy("Statistics exported"),
    "aggregate.refused": gettext_lazy("Statistics refused"),
    "aggregate.view": gettext_lazy("Statistics viewed"),
    "audit.export": gettext_lazy("Audit log exported"),
    "audit.rechained": gettext_lazy("Audit log re-chained"),
    "auth.2fa_backup_code_used": gettext_lazy("Two-factor backup code used"),
    "auth.2fa_failed": gettext_lazy("Two-factor code refused"),
    "auth.2fa_logout": gettext_lazy("Logged out at the two-factor step"),
    "auth.2fa_reset": gettext_lazy("Two-factor authentication reset"),
    "auth.2fa_setup": gettext_lazy("Two-factor authentication set up"),
    "backup.made": gettext_lazy("Backup made"),
    "backup.restored": gettext_lazy("Backup restored"),
    "breakglass.open": gettext_lazy("Break-glass access opened"),
    "breakglass.read": gettext_lazy("Break-glass reasons read"),
    "breakglass.review": gettext_lazy("Break-glass access reviewed"),
    "consent.record": gettext_lazy("Consent recorded"),
    "consent.withdraw": gettext_lazy("Consent withdrawn"),
    "coordination.action.create": gettext_lazy("Action point created"),
    "coordination.action.update": gettext_lazy("Action point changed"),
    "coordination.body.create": gettext_lazy("Coordination body created"),
    "coordination.body.update": gettext_lazy("Coordination body changed"),
    "coordination.meeting.record": gettext_lazy("Meeting recorded"),
    "coordination.membership.end": gettext_lazy("Body membership ended"),
    "coordination.membership.set": gettext_lazy("Body membership set"),
    "disclosure.confirm": gettext_lazy("Sharing confirmed again"),
    "disclosure.create": gettext_lazy("Incident shared"),
    "disclosure.export": gettext_lazy("Shared records exported by a partner"),
    "disclosure.refused": gettext_lazy("Sharing refused"),
    "disclosure.revoke": gettext_lazy("Sharing withdrawn"),
    "entrypoints.export": gettext_lazy("Points d'entrée exported"),
    "focalpoint.create": gettext_lazy("Focal point named"),
    "focalpoint.end": gettext_lazy("Focal point ended"),
    "focalpoint.update": gettext_lazy("Focal point changed"),
    "gaps.export": gettext_lazy("Response gaps exported"),
    "import.apply": gettext_lazy("Import applied"),
    "import.cancel": gettext_lazy("Import cancellation asked"),
    "import.cancelled": gettext_lazy("Import cancelled, nothing applied"),
    "import.check": gettext_lazy("Import checked (nothing written)"),
    "import.failed": gettext_lazy("Import failed, nothing applied"),
    "import.start": gettext_lazy("Import started"),
    "import.upload": gettext_lazy("Import file uploaded"),
    "incident.create": gettext_lazy("Incident recorded"),
    "incident.export": gettext_lazy("Incidents exported"),
    "incident.need_to_know": gettext_lazy("Need-to-know list changed"),
    "incident.read": gettext_lazy("Confidential incident details read"),
    "incident.update": gettext_lazy("Incident changed"),
    "incident.verification": gettext_lazy("Incident verification status changed"),
    "job.failed": gettext_lazy("Scheduled job failed"),
    "need.record": gettext_lazy("Need recorded"),
    "objective.create": gettext_lazy("Strategy objective created"),
    "objective.note_add": gettext_lazy("Note added to an objective"),
    "objective.note_reopen": gettext_lazy("Objective note reopened"),
    "objective.note_resolve": gettext_lazy("Objective note resolved"),
    "objective.update": gettext_lazy("Strategy objective changed"),
    "pathway.create": gettext_lazy("Referral pathway created"),
    "pathway.export": gettext_lazy("Referral pathway exported"),
    "pathway.update": gettext_lazy("Referral pathway changed"),
    "person.create": gettext_lazy("Person added to an incident"),
    "person.read": gettext_lazy("Person's details read"),
    "person.search": gettext_lazy("Person searched for"),
    "person.update": gettext_lazy("Person's details changed"),
    "protocol.activate": gettext_lazy("Protocol activated"),
    "protocol.approve": gettext_lazy("Protocol approved"),
    "protocol.create": gettext_lazy("Protocol drafted"),
    "protocol.expire": gettext_lazy("Protocol expired"),
    "protocol.export": gettext_lazy("Protocol document exported"),
    "protocol.suspend": gettext_lazy("Protocol suspended"),
    "protocol.update": gettext_lazy("Protocol changed"),
    "referral.create": gettext_lazy("Referral drafted"),
    "referral.declined": gettext_lazy("Referral declined"),
    "referral.follow_up": gettext_lazy("Referral followed up"),
    "referral.overdue": gettext_lazy("Referral overdue"),
    "referral.read": gettext_lazy("Referral read"),
    "referral.received": gettext_lazy("Referral received"),
    "referral.refused": gettext_lazy("Referral refused"),
    "referral.send": gettext_lazy("Referral sent"),
    "referral.status": gettext_lazy("Referral status changed"),
    "referral.withdrawn": gettext_lazy("Referral withdrawn"),
    "request.acknowledged": gettext_lazy("Request acknowledged"),
    "request.answered": gettext_lazy("Request answered"),
    "request.closed": gettext_lazy("Request closed"),
    "request.declined": gettext_lazy("Request declined"),
    "request.export": gettext_lazy("Requests exported"),
    "request.filed": gettext_lazy("Request filed"),
    "request.read": gettext_lazy("Confidential answer read"),
    "request.refused": gettext_lazy("Request refused"),
    "request.reused": gettext_lazy("Answer reused"),
    "request.withdrawn": gettext_lazy("Request withdrawn"),
    "referral.export": gettext_lazy("Referrals exported"),
    "directory.export": gettext_lazy("Directory exported"),
    "action_point.export": gettext_lazy("Action points exported"),
    "acled.import": gettext_lazy("ACLED events imported"),
    "areas.import": gettext_lazy("Administrative areas loaded"),
    "risk.close": gettext_lazy("Engagement risk closed"),
    "risk.create": gettext_lazy("Engagement risk recorded"),
    "risk.review": gettext_lazy("Engagement risk reviewed"),
    "risk.update": gettext_lazy("Engagement risk changed"),
    "service.create": gettext_lazy("Service created"),
    "service.export": gettext_lazy("Services exported"),
    "service.import": gettext_lazy("Services imported"),
    "service.update": gettext_lazy("Service changed"),
    "training.create": gettext_lazy("Training recorded"),
    "training.delete": gettext_lazy("Training deleted"),
    "training.export": gettext_lazy("Trainings exported"),
    "training.update": gettext_lazy("Training changed"),
    "xlsform.mapping": gettext_lazy("XLSForm mapping saved"),
    "xlsform.update": gettext_lazy("XLSForm choices files added"),
    "xlsform.upload": gettext_lazy("XLSForm uploaded"),
}

OUTCOMES = {"ok": gettext_lazy("Done"), "refused": gettext_lazy("Refused")}


def action_label(code: str, detail: dict | None = None) -> str:
    """The action in words of the reader's language. A refused access names what was asked
    (the roles table's description); an action of the roles table reads as its description;
    an unknown code is shown as "Other event (code)"."""
    from passerelle.policy.roles import ACTIONS as PERMISSIONS

    if code == "access.refused":
        asked = (detail or {}).get("action", "")
        first = str(asked).split(" | ")[0]
        if first in PERMISSIONS:
            return _("Access refused: %(what)s") % {"what": PERMISSIONS[first]}
        return str(ACTIONS[code])
    if code in ACTIONS:
        return str(ACTIONS[code])
    if code in PERMISSIONS:
        return str(PERMISSIONS[code])
    return _("Other event (%(code)s)") % {"code": code}


def outcome_label(code: str) -> str:
    return str(OUTCOMES.get(code, code))


# --------------------------------------------------------------------------- records in words


@dataclass(frozen=True)
class Kind:
    """How the log names the records of one model: the action the reader needs to see one,
    what to fetch with it, how to word it, and its reference field (for the filter)."""

    action: str
    related: tuple
    words: Callable[[object], str]
    reference: str | None = None


def _incident(obj) -> str:
    return _("Incident %(ref)s") % {"ref": obj.reference}


KINDS = {
    "incidents.Incident": Kind("incident.view", ("owner",), _incident, "reference"),
    "incidents.Person": Kind(
        "person.view",
        ("incident",),
        lambda p: (
            _("Person %(code)s of incident %(ref)s") % {"code": p.code, "ref": p.incident.reference}
        ),
    ),
    "incidents.Consent": Kind(
        "person.view",
        ("person__incident",),
        lambda c: (
            _("Consent of %(code)s, incident %(ref)s")
            % {"code": c.person.code, "ref": c.person.incident.reference}
        ),
    ),
    "referrals.Referral": Kind(
        "referral.view", (), lambda r: _("Referral %(ref)s") % {"ref": r.reference}, "reference"
    ),
    "inforequests.Request": Kind(
        "request.view", (), lambda r: _("Request %(ref)s") % {"ref": r.reference}, "reference"
    ),
    "sharing.Protocol": Kind(
        "protocol.view", (), lambda p: _("Protocol %(ref)s") % {"ref": p.reference}, "reference"
    ),
    "sharing.Disclosure": Kind(
        "disclosure.view",
        ("incident", "recipient"),
        lambda d: (
            _("Incident %(ref)s shared with %(org)s")
            % {"ref": d.incident.reference, "org": d.recipient}
        ),
    ),
    "sharing.BreakGlass": Kind(
        "breakglass.review",
        ("incident",),
        lambda b: _("Break-glass access to incident %(ref)s") % {"ref": b.incident.reference},
    ),
}

ELSEWHERE = gettext_lazy("Record in another organisation")


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def describe_records(user, events) -> dict:
    """{(object_type, object_id): words} for the events' records the user may see, one scoped
    query per kind of record; records the user may not see get the neutral words."""
    wanted: dict[str, set] = {}
    for event in events:
        if event.object_type and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    words = {}
    for label, ids in wanted.items():
        kind, model = KINDS.get(label), _model(label)
        if kind is None or model is None:
            name = model._meta.verbose_name if model is not None else label
            for ident in ids:
                words[(label, ident)] = str(name).capitalize()
            continue
        valid = [i for i in ids if _is_uuid(i)]
        found = policy.scope(user, model.objects.filter(public_id__in=valid), kind.action)
        if kind.related:
            found = found.select_related(*kind.related)
        for obj in found:
            words[(label, str(obj.public_id))] = kind.words(obj)
        for ident in ids:
            words.setdefault((label, ident), str(ELSEWHERE))
    return words


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def ids_for_reference(user, text: str) -> set[str]:
    """The public ids of the records the user may see whose reference is `text` (an
    incident's also brings its persons' and consents')."""
    text = text.strip()
    found: set[str] = set()
    if not text:
        return found
    for label, kind in KINDS.items():
        model = _model(label)
        if kind.reference is None or model is None:
            continue
        rows = model.objects.filter(**{f"{kind.reference}__iexact": text})
        ids = policy.scope(user, rows, kind.action).values_list("public_id", flat=True)
        found |= {str(i) for i in ids}
    for label, path in (
        ("incidents.Person", "incident"),
        ("incidents.Consent", "person__incident"),
    ):
        model = _model(label)
        if model is None:
            continue
        rows = model.objects.filter(**{f"{path}__reference__iexact": text})
        ids = policy.scope(user, rows, KINDS[label].action).values_list("public_id", flat=True)
        found |= {str(i) for i in ids}
    return found


# --------------------------------------------------------------------------- filters


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    actor = forms.TypedChoiceField(
        label=gettext_lazy("Person"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=IsoDateInput())
    date_to = forms.DateField(label=gettext_lazy("Until"), required=False, widget=IsoDateInput())
    record = forms.CharField(
        label=gettext_lazy("Record reference"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("An incident, referral, request or protocol reference."),
    )

    def __init__(self, data, *, readable):
        super().__init__(data)
        codes = readable.order_by().values_list("action", flat=True).distinct()
        choices = sorted(((c, action_label(c)) for c in codes), key=lambda c: c[1].lower())
        self.fields["action"].choices = [("", _("Any"))] + choices
        User = apps.get_model("accounts.User")
        actor_ids = readable.order_by().values("actor_id").distinct()
        actors = sorted(User.objects.filter(pk__in=actor_ids), key=lambda u: u.display_name)
        self.fields["actor"].choices = [("", _("Anyone"))] + [
            (u.pk, u.display_name) for u in actors
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end comes before the start."))
        return data

    def apply(self, user, qs):
        data = self.cleaned_data
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("actor"):
            qs = qs.filter(actor_id=data["actor"])
        if data.get("date_from"):
            qs = qs.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(at__date__lte=data["date_to"])
        if data.get("record"):
            qs = qs.filter(object_id__in=ids_for_reference(user, data["record"]))
        return qs


def readable_events(user):
    """The events the user may read: the policy's `audit.view` rule."""
    return policy.scope(user, AuditEvent.objects.all(), "audit.view")


@dataclass
class Row:
    event: AuditEvent
    action: str
    record: str
    who: str
    outcome: str


def rows_for(user, events) -> list[Row]:
    events = list(events)
    records = describe_records(user, events)
    return [
        Row(
            event=e,
            action=action_label(e.action, e.detail),
            record=records.get((e.object_type, e.object_id), ""),
            who=e.actor.display_name if e.actor_id else (e.actor_label or _("The system")),
            outcome=outcome_label(e.outcome),
        )
        for e in events
    ]
