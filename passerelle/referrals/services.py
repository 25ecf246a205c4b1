"""Every write on services, pathways, needs and referrals: actor first, atomic, audited.

A referral that cannot be made raises `ReferralRefused` with every reason at once; the
refusal is audited even though the transaction rolls back. What the provider then sees is
decided by `passerelle.policy.referrals`, never here.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit, sequences
from passerelle.core.errors import DomainError, Refused
from passerelle.core.fields import reveal
from passerelle.core.guard import unscoped
from passerelle.core.notify import bilingual, notify
from passerelle.incidents.models import Person
from passerelle.policy.purposes import Purpose
from passerelle.sharing.models import Protocol

from .models import (
    DeclineReason,
    Need,
    NeedKind,
    Pathway,
    PathwayOption,
    PathwayStep,
    Referral,
    ReferralEvent,
    Service,
    ServiceType,
)

MESSAGES = {
    "referral.received": _(
        "%(sender)s referred a person to your service “%(service)s” (%(reference)s, %(urgency)s)."
    ),
    "referral.status": _("Referral %(reference)s to %(provider)s is now: %(referral_status)s."),
    "referral.declined": _(
        "Referral %(reference)s was declined by %(provider)s: %(decline_reason)s."
    ),
    "referral.withdrawn": _("Referral %(reference)s was withdrawn by %(sender)s."),
    "referral.overdue": _(
        "Referral %(reference)s (%(referral_status)s) was due for follow-up on %(due)s."
    ),
}

# Days allowed for the next step, by urgency: answer after sending, then provision.
ANSWER_DAYS = {"emergency": 1, "urgent": 3, "routine": 7}
PROVISION_DAYS = {"emergency": 3, "urgent": 7, "routine": 14}
CLOSE_DAYS = 7  # after the service was provided, the sender follows up and closes

# status -> statuses reachable, and who may make each move
MOVES = {
    ("draft", "sent"): "sender",
    ("sent", "acknowledged"): "provider",
    ("sent", "accepted"): "provider",
    ("sent", "declined"): "provider",
    ("acknowledged", "accepted"): "provider",
    ("acknowledged", "declined"): "provider",
    ("accepted", "provided"): "provider",
    ("provided", "closed"): "sender",
    ("declined", "closed"): "sender",
    ("sent", "withdrawn"): "sender",
    ("acknowledged", "withdrawn"): "sender",
    ("accepted", "withdrawn"): "sender",
}


def next_statuses(status: str, side: str) -> list[str]:
    """The moves `side` ("sender" or "provider") may make from `status`, in the order of
    `MOVES`: the one state machine, read by the pages that offer the moves."""
    return [to for (start, to), who in MOVES.items() if start == status and who == side]


class ReferralRefused(Refused):
    """A referral that cannot be made, with every reason."""


# --------------------------------------------------------------------------- services


def _require_service_manager(actor, provider) -> None:
    mine = {o.pk for o in policy.organisations(actor, "service.manage")}
    if provider.pk in mine or policy.can(actor, "servicemap.manage"):
        return
    policy.audit_refusal(actor, "service.manage")
    raise DomainError(_("You may not change the services of %(org)s.") % {"org": provider})


def may_manage_service(actor, provider) -> bool:
    mine = {o.pk for o in policy.organisations(actor, "service.manage")}
    return provider.pk in mine or policy.can(actor, "servicemap.manage")


SERVICE_FIELDS = (
    "name",
    "name_en",
    "provider",
    "service_type",
    "description",
    "target_groups",
    "min_age",
    "max_age",
    "languages",
    "hours",
    "location",
    "contact_name",
    "contact_phone",
    "contact_email",
    "capacity",
    "status",
    "receiver",
)


def _check_receiver(receiver, provider) -> None:
    if receiver is None:
        return
    if not policy.holds_in(receiver, "referral.respond", provider):
        raise DomainError(
            _("%(user)s cannot receive referrals for %(org)s.")
            % {"user": receiver.display_name, "org": provider},
            field="receiver",
        )


@audit.service
def save_service(actor, service: Service | None, *, code: str, areas, **values) -> Service:
    """Create or update a service (by its code)."""
    provider = values["provider"]
    _require_service_manager(actor, provider)
    if service is not None and service.provider_id != provider.pk:
        _require_service_manager(actor, service.provider)
    if not areas:
        raise DomainError(_("Name at least one area served."), field="areas")
    _check_receiver(values.get("receiver"), provider)
    created = service is None
    if created:
        service = Service(code=code)
    elif service.code != code:
        service.code = code
    for name in SERVICE_FIELDS:
        if name in values:
            setattr(service, name, values[name])
    service.full_clean(exclude=["areas"])
    service.save()
    service.areas.set(areas)
    audit.record(
        actor,
        "service.create" if created else "service.update",
        service,
        organisation=provider,
        detail={"code": service.code, "status": service.status},
    )
    return service


# --------------------------------------------------------------------------- needs


@audit.service
def record_need(actor, person: Person, *, service_type: str, identified_on=None, outcome=None):
    """Record (or update) that a person needs a type of service, and what was done about it."""
    policy.require(actor, "person.edit", person)
    with unscoped():
        need, created = Need.objects.get_or_create(
            person=person,
            service_type=service_type,
            defaults={
                "incident": person.incident,
                "identified_on": identified_on or timezone.localdate(),
                "outcome": outcome or Need.Outcome.PENDING,
                "recorded_by": actor,
            },
        )
        if not created and outcome and need.outcome != outcome:
            need.outcome = outcome
            need.save(update_fields=["outcome", "updated_at"])
    audit.record(
        actor,
        "need.record",
        person,
        organisation=person.incident.owner,
        level=3,
        detail={"service_type": service_type, "outcome": need.outcome},
    )
    return need


# --------------------------------------------------------------------------- referrals


def referral_protocol(sender, provider, incident, level: int):
    """The protocol a referral from `sender` to `provider` travels under, and the highest level
    it allows: the most generous rule for the provider's roles, the incident's data category and
    the purpose "response", in a protocol in force to which both are parties and which covers
    the incident's area. (None, -1) when there is none."""
    best, best_level = None, -1
    for protocol in (
        Protocol.objects.in_force()
        .filter(parties__organisation=sender)
        .filter(parties__organisation=provider)
        .distinct()
        .with_terms()
    ):
        roles = protocol.party_roles(provider)
        rules = [
            r
            for r in protocol.rules.all()
            if r.party_role in roles
            and r.data_category == incident.data_category
            and Purpose.RESPONSE in r.purposes
        ]
        if not rules or not protocol.covers(incident.area):
            continue
        top = max(r.max_level for r in rules)
        if top > best_level:
            best, best_level = protocol, top
    return best, best_level


def _referral_consent(person):
    """The person's active answer on referral (None if never asked or withdrawn)."""
    return policy.referrals.referral_consent(person)


def assess_referral(actor, person: Person, service: Service, *, level: int, receiver=None):
    """Every reason the referral would be refused (empty: allowed), with audit codes; the
    protocol it would travel under and the consent it relies on."""
    reasons, codes = [], []
    incident = person.incident

    def refuse(code, message):
        codes.append(code)
        reasons.append(message)

    if not policy.can(actor, "referral.create", incident) or not policy.can(
        actor, "person.view", person
    ):
        refuse("not_permitted", _("You may not refer people of this incident."))
    if level == 4 and not policy.can(actor, "person.view_identity", person):
        refuse("above_own_clearance", _("You cannot pass on a name you may not see yourself."))
    if not service.is_active:
        refuse(
            "service_inactive",
            _("“%(service)s” is suspended: choose another service or a fallback of the pathway.")
            % {"service": service.display_name},
        )
    consent = _referral_consent(person)
    if consent is None:
        refuse(
            "no_consent",
            _(
                "%(code)s has not been asked for consent to referral: record their informed "
                "consent first. No consent, no referral."
            )
            % {"code": person.code},
        )
    elif not consent.given:
        refuse(
            "consent_refused",
            _("%(code)s declined to be referred. Their choice stands; no referral is made.")
            % {"code": person.code},
        )
    protocol = None
    if service.provider_id != incident.owner_id:
        protocol, top = referral_protocol(incident.owner, service.provider, incident, level)
        if protocol is None:
            refuse(
                "no_protocol",
                _(
                    "%(provider)s and %(owner)s are not parties to a protocol in force that "
                    "allows referrals (purpose: response) of %(category)s in %(area)s. Ask your "
                    "administrator, or refer to another provider."
                )
                % {
                    "provider": service.provider.acronym,
                    "owner": incident.owner.acronym,
                    "category": incident.get_data_category_display(),
                    "area": incident.area,
                },
            )
        elif level > top:
            refuse(
                "above_protocol_level",
                _("The protocol %(protocol)s allows level %(max)s at most for %(provider)s.")
                % {
                    "protocol": protocol.reference,
                    "max": top,
                    "provider": service.provider.acronym,
                },
            )
    if level == 4:
        if receiver is None:
            refuse(
                "no_named_receiver",
                _("A name and contact go to a named receiver only: choose the receiver."),
            )
        elif not policy.holds_in(receiver, "referral.respond", service.provider_id, min_level=4):
            refuse(
                "receiver_cannot_hold_identities",
                _("%(user)s cannot receive names for %(org)s.")
                % {"user": receiver.display_name, "org": service.provider.acronym},
            )
    with unscoped():
        open_already = Referral.objects.filter(
            person=person, service=service, status__in=("draft", *Referral.OPEN)
        ).exists()
    if open_already:
        refuse(
            "already_referred",
            _("%(code)s already has an open referral to this service.") % {"code": person.code},
        )
    return reasons, codes, protocol, consent


def _refuse(actor, person, service, level, reasons, codes):
    policy.record_refusal(
        actor,
        "referral.refused",
        person,
        organisation=person.incident.owner,
        level=level,
        detail={"service": service.code, "provider": service.provider.acronym, "reasons": codes},
    )
    raise ReferralRefused(reasons, codes)


def _next_reference(sender) -> str:
    year = timezone.localdate().year
    prefix = f"REF-{sender.acronym}-{year}-"
    return sequences.next_reference(prefix=prefix, width=4, model=Referral)


def _event(referral, actor, from_status, to_status, organisation, note=""):
    ReferralEvent.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        organisation=organisation,
        note=note,
    )


@audit.service
def create_referral(
    actor,
    person: Person,
    service: Service,
    *,
    level: int = 3,
    urgency: str = Referral.Urgency.ROUTINE,
    summary: str = "",
    receiver=None,
    need: Need | None = None,
    send: bool = True,
) -> Referral:
    """Refer a person to a service: checked in full, then saved as a draft or sent."""
    level = int(level)
    if receiver is None and level == 4:
        receiver = service.receiver
    reasons, codes, protocol, consent = assess_referral(
        actor, person, service, level=level, receiver=receiver
    )
    if reasons:
        _refuse(actor, person, service, level, reasons, codes)
    if urgency not in Referral.Urgency.values:
        raise DomainError(_("Choose the urgency."), field="urgency")
    incident = person.incident
    referral = Referral(
        reference=_next_reference(incident.owner),
        incident=incident,
        person=person,
        need=need,
        service=service,
        sender=incident.owner,
        provider=service.provider,
        protocol=protocol,
        level=level,
        urgency=urgency,
        summary=(summary or "").strip(),
        consent=consent,
        receiver=receiver if level == 4 else (receiver or service.receiver),
        created_by=actor,
    )
    referral.save()  # saving goes through the plain base manager: the guard is not involved
    _event(referral, actor, "", Referral.Status.DRAFT, incident.owner)
    audit.record(
        actor,
        "referral.create",
        referral,
        organisation=incident.owner,
        level=level,
        detail={
            "service": service.code,
            "provider": service.provider.acronym,
            "protocol": protocol.reference if protocol else None,
            "consent": str(consent.public_id),
        },
    )
    if need is not None:
        need.outcome = Need.Outcome.REFERRED
        need.save(update_fields=["outcome", "updated_at"])
    if send:
        _send(actor, referral)
    return referral


def _provider_users(referral) -> list:
    """Who is told of a new referral: the named receiver, or everyone who answers referrals
    for the provider."""
    if referral.receiver_id:
        return [referral.receiver]
    return policy.holders(referral.provider_id, "referral.respond")


def _url(referral) -> str:
    return f"/referrals/{referral.public_id}/"


def _send(actor, referral) -> None:
    # Everything is checked again at sending: consent, service, protocol may have changed.
    reasons, codes, protocol, consent = assess_referral(
        actor,
        referral.person,
        referral.service,
        level=referral.level,
        receiver=referral.receiver if referral.level == 4 else None,
    )
    codes_left = [c for c in codes if c != "already_referred"]
    if codes_left:
        kept = [r for r, c in zip(reasons, codes, strict=True) if c != "already_referred"]
        _refuse(actor, referral.person, referral.service, referral.level, kept, codes_left)
    now = timezone.now()
    referral.status = Referral.Status.SENT
    referral.sent_at = now
    referral.protocol = protocol
    referral.consent = consent
    referral.follow_up_due = timezone.localdate() + dt.timedelta(days=ANSWER_DAYS[referral.urgency])
    referral.save()
    _event(referral, actor, Referral.Status.DRAFT, Referral.Status.SENT, referral.sender)
    audit.record(
        actor,
        "referral.send",
        referral,
        organisation=referral.sender,
        level=referral.level,
        detail={"provider": referral.provider.acronym, "level": referral.level},
    )
    notify(
        _provider_users(referral),
        "referral.received",
        {
            "sender": referral.sender.acronym,
            "service": bilingual(referral.service.name, referral.service.name_en),
            "reference": referral.reference,
            "urgency": referral.urgency,
        },
        url=_url(referral),
    )


@audit.service
def send_referral(actor, referral: Referral) -> Referral:
    _check_move(actor, referral, Referral.Status.SENT)
    _send(actor, referral)
    return referral


def _check_move(actor, referral, to_status) -> str:
    side = MOVES.get((referral.status, to_status))
    if side is None:
        raise DomainError(
            _("A referral that is “%(now)s” cannot become “%(next)s”.")
            % {"now": referral.get_status_display(), "next": Referral.Status(to_status).label}
        )
    if not policy.may_act(actor, referral, side):
        policy.audit_refusal(actor, f"referral.{to_status}", referral.person)
        raise DomainError(_("You may not do this on this referral."), code="not_permitted")
    return side


@audit.service
def move_referral(
    actor,
    referral: Referral,
    to_status: str,
    *,
    note: str = "",
    decline_reason: str = "",
    provided_on: dt.date | None = None,
) -> Referral:
    """Acknowledge, accept, decline, record the service provided, close or withdraw."""
    if to_status == Referral.Status.SENT:
        return send_referral(actor, referral)
    side = _check_move(actor, referral, to_status)
    note = (note or "").strip()
    today = timezone.localdate()
    now = timezone.now()
    from_status = referral.status
    if to_status == Referral.Status.DECLINED:
        if decline_reason not in DeclineReason.values:
            raise DomainError(_("Say why the referral is declined."), field="decline_reason")
        if decline_reason == DeclineReason.OTHER and not note:
            raise DomainError(_("Explain the reason in the note."), field="note")
        referral.decline_reason = decline_reason
    if to_status == Referral.Status.WITHDRAWN and not note:
        raise DomainError(_("Say why the referral is withdrawn."), field="note")
    if to_status == Referral.Status.PROVIDED:
        provided_on = provided_on or today
        if provided_on > today:
            raise DomainError(
                _("The service cannot be provided in the future."), field="provided_on"
            )
        if referral.sent_at and provided_on < timezone.localtime(referral.sent_at).date():
            raise DomainError(
                _("The service cannot be provided before the referral was sent."),
                field="provided_on",
            )
        referral.provided_on = provided_on
    referral.status = to_status
    if to_status == Referral.Status.ACKNOWLEDGED:
        referral.acknowledged_at = now
    elif to_status in (Referral.Status.ACCEPTED, Referral.Status.DECLINED):
        referral.responded_at = now
        if referral.acknowledged_at is None:
            referral.acknowledged_at = now
    elif to_status in (Referral.Status.CLOSED, Referral.Status.WITHDRAWN):
        referral.closed_at = now
    if side == "provider" and note:
        earlier = reveal(referral.provider_note)
        referral.provider_note = f"{earlier}\n{note}" if earlier else note
    referral.follow_up_due = _next_due(referral, today)
    referral.save()
    org = referral.provider if side == "provider" else referral.sender
    _event(referral, actor, from_status, to_status, org, note)
    audit.record(
        actor,
        f"referral.{to_status}",
        referral,
        organisation=org,
        level=3 if note else 2,
        detail={"from": from_status, "decline_reason": referral.decline_reason or None},
    )
    _tell(referral, side, to_status)
    if to_status in (Referral.Status.DECLINED, Referral.Status.WITHDRAWN) and referral.need_id:
        with unscoped():
            Need.objects.filter(pk=referral.need_id, outcome=Need.Outcome.REFERRED).update(
                outcome=Need.Outcome.PENDING
            )
    return referral


def _next_due(referral, today) -> dt.date | None:
    if referral.status in (Referral.Status.SENT, Referral.Status.ACKNOWLEDGED):
        return referral.follow_up_due
    if referral.status == Referral.Status.ACCEPTED:
        return today + dt.timedelta(days=PROVISION_DAYS[referral.urgency])
    if referral.status in (Referral.Status.PROVIDED, Referral.Status.DECLINED):
        return today + dt.timedelta(days=CLOSE_DAYS)
    return None


def _tell(referral, side, to_status) -> None:
    if side == "provider":
        params = {
            "reference": referral.reference,
            "provider": referral.provider.acronym,
            "referral_status": to_status,
        }
        kind = "referral.status"
        if to_status == Referral.Status.DECLINED:
            kind = "referral.declined"
            params["decline_reason"] = referral.decline_reason
        notify([referral.created_by], kind, params, url=_url(referral))
    elif to_status == Referral.Status.WITHDRAWN:
        notify(
            _provider_users(referral),
            "referral.withdrawn",
            {"reference": referral.reference, "sender": referral.sender.acronym},
            url=_url(referral),
        )


@audit.service
def update_follow_up(actor, referral: Referral, *, due: dt.date) -> Referral:
    if not (
        policy.may_act(actor, referral, "sender") or policy.may_act(actor, referral, "provider")
    ):
        raise DomainError(_("You may not do this on this referral."), code="not_permitted")
    if not referral.is_open and referral.status != Referral.Status.PROVIDED:
        raise DomainError(_("This referral is no longer followed up."))
    if due < timezone.localdate():
        raise DomainError(_("The follow-up date cannot be in the past."), field="due")
    referral.follow_up_due = due
    referral.save(update_fields=["follow_up_due", "updated_at"])
    side = referral.sender if policy.may_act(actor, referral, "sender") else referral.provider
    audit.record(
        actor,
        "referral.follow_up",
        referral,
        organisation=side,
        detail={"due": due.isoformat()},
    )
    return referral


def on_consent_changed(sender, incident, actor, **kwargs) -> None:
    """Withdraw the open referrals of people whose consent to referral is no longer active."""
    with unscoped():
        open_refs = list(
            Referral.objects.filter(
                incident=incident, status__in=("draft", *Referral.OPEN)
            ).select_related("person", "provider", "sender", "service")
        )
    for referral in open_refs:
        if policy.referrals.has_referral_consent(referral.person):
            continue
        from_status = referral.status
        referral.status = Referral.Status.WITHDRAWN
        referral.closed_at = timezone.now()
        referral.follow_up_due = None
        referral.save()
        note = str(_("Consent to referral withdrawn."))
        _event(referral, actor, from_status, Referral.Status.WITHDRAWN, referral.sender, note)
        audit.record(
            actor,
            "referral.withdrawn",
            referral,
            organisation=referral.sender,
            detail={"from": from_status, "reason": "consent"},
        )
        if from_status != Referral.Status.DRAFT:
            notify(
                _provider_users(referral),
                "referral.withdrawn",
                {"reference": referral.reference, "sender": referral.sender.acronym},
                url=_url(referral),
            )


def overdue(queryset, today: dt.date | None = None):
    """Referrals whose next step is late (from a queryset already scoped by the policy)."""
    today = today or timezone.localdate()
    return queryset.filter(
        follow_up_due__lt=today, status__in=(*Referral.OPEN, Referral.Status.PROVIDED)
    ).order_by("follow_up_due")


def remind_overdue(today: dt.date | None = None) -> int:
    """Tell the side whose move it is about each overdue referral, once a day (idempotent)."""
    today = today or timezone.localdate()
    sent = 0
    with unscoped():
        late = list(
            overdue(Referral.objects.all(), today)
            .exclude(reminded_on=today)
            .select_related("provider", "sender", "receiver", "created_by")
        )
    for referral in late:
        users = (
            [referral.created_by]
            if referral.status == Referral.Status.PROVIDED
            else _provider_users(referral) + [referral.created_by]
        )
        notify(
            users,
            "referral.overdue",
            {
                "reference": referral.reference,
                "referral_status": referral.status,
                "due": referral.follow_up_due.isoformat(),
            },
            url=_url(referral),
        )
        with unscoped():
            Referral.objects.filter(pk=referral.pk).update(reminded_on=today)
        sent += 1
    return sent


# --------------------------------------------------------------------------- pathways


def _require_map_manager(actor) -> None:
    if not policy.can(actor, "servicemap.manage"):
        policy.audit_refusal(actor, "servicemap.manage")
        raise DomainError(_("You may not change the referral pathways."), code="not_permitted")


@audit.service
def save_pathway(actor, *, area, need: str, steps: list[dict], notes: str = "") -> Pathway:
    """Create or replace the pathway for an area and a situation.

    `steps` is ordered; each is {"service_type": ..., "services": [first choice, fallback...],
    "note": ...}. A step may list no service: the pathway then shows the gap.
    """
    _require_map_manager(actor)
    if need not in NeedKind.values:
        raise DomainError(_("Choose the situation."), field="need")
    if not steps:
        raise DomainError(_("A pathway needs at least one step."), field="steps")
    for position, step in enumerate(steps, start=1):
        if step.get("service_type") not in ServiceType.values:
            raise DomainError(
                _("Step %(n)s: choose a service type.") % {"n": position}, field="steps"
            )
        services = step.get("services") or []
        if len({s.pk for s in services}) != len(services):
            raise DomainError(
                _("Step %(n)s lists the same service twice.") % {"n": position}, field="steps"
            )
        for service in services:
            if service.service_type != step["service_type"]:
                raise DomainError(
                    _("Step %(n)s: “%(service)s” is not a %(type)s service.")
                    % {
                        "n": position,
                        "service": service.display_name,
                        "type": ServiceType(step["service_type"]).label,
                    },
                    field="steps",
                )
        for service in services:
            if not service.reaches(area):
                raise DomainError(
                    _("Step %(n)s: “%(service)s” does not serve %(area)s.")
                    % {"n": position, "service": service.display_name, "area": area},
                    field="steps",
                )
    pathway, created = Pathway.objects.get_or_create(
        area=area, need=need, defaults={"notes": notes, "updated_by": actor}
    )
    pathway.notes = (notes or "").strip()
    pathway.updated_by = actor
    pathway.save()
    pathway.steps.all().delete()
    for position, step in enumerate(steps, start=1):
        row = PathwayStep.objects.create(
            pathway=pathway,
            position=position,
            service_type=step["service_type"],
            note=(step.get("note") or "").strip()[:200],
        )
        for rank, service in enumerate(step.get("services") or [], start=1):
            PathwayOption.objects.create(step=row, service=service, rank=rank)
    audit.record(
        actor,
        "pathway.create" if created else "pathway.update",
        pathway,
        organisation=audit.home_organisation(actor),
        detail={"area": area.pcode, "need": need, "steps": len(steps)},
    )
    return pathway


def pathway_for(area, need: str):
    """The pathway drawn for the area or, failing that, for the nearest area containing it."""
    current = area
    while current is not None:
        found = (
            Pathway.objects.filter(area=current, need=need)
            .prefetch_related("steps__pathway_options__service__provider")
            .first()
        )
        if found is not None:
            return found
        current = current.parent
    return None
