"""Every write on protocols, disclosures and break-glass accesses: actor first, atomic, audited.

A refused share raises `SharingRefused` with every reason at once (nothing is disclosed in
part) and is written to the audit log even though the transaction rolls back.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit
from passerelle.core.errors import DomainError, Refused
from passerelle.core.guard import unscoped
from passerelle.core.notify import notify
from passerelle.incidents.models import Person
from passerelle.policy.purposes import FORBIDDEN, FORBIDDEN_MAX_LEVEL, Purpose

from .models import BreakGlass, Disclosure, Protocol, ProtocolApproval, ProtocolParty, ProtocolRule

BREAK_GLASS_HOURS = (1, 2, 4, 8)
BREAK_GLASS_MIN_REASON = 20


class SharingRefused(Refused):
    """A share or request refused; `reasons` lists every reason, in the user's language."""


# --------------------------------------------------------------------------- protocols


def missing_pieces(protocol: Protocol) -> list:
    """What a draft lacks before it can be activated (empty when complete)."""
    missing = []
    orgs = {p.organisation_id for p in protocol.parties.all()}
    if len(orgs) < 2:
        missing.append(_("At least two party organisations."))
    if not protocol.rules.exists():
        missing.append(_("At least one sharing rule (party role, data category, level)."))
    roles = {p.role for p in protocol.parties.all()}
    for rule in protocol.rules.all():
        if rule.party_role not in roles:
            missing.append(
                _("A party with the role “%(role)s” used by a rule.")
                % {"role": rule.get_party_role_display()}
            )
        if not rule.purposes:
            missing.append(
                _("Purposes for the rule on %(category)s.")
                % {"category": rule.get_data_category_display()}
            )
    if not protocol.areas.exists():
        missing.append(_("A geographic scope (at least one area)."))
    if protocol.valid_from is None or protocol.valid_until is None:
        missing.append(_("Validity dates (from and until)."))
    elif protocol.valid_until < protocol.valid_from:
        missing.append(_("A validity end after its start."))
    elif protocol.valid_until < timezone.localdate():
        missing.append(_("A validity end in the future."))
    if not protocol.retention_days:
        missing.append(_("A retention period for shared copies."))
    approved = set(protocol.approvals.values_list("organisation_id", flat=True))
    for org in protocol.party_organisations():
        if org.pk not in approved:
            missing.append(_("The approval of a signatory of %(org)s.") % {"org": org.acronym})
    return missing


def may_manage(actor, protocol: Protocol | None = None) -> bool:
    """System administrators manage every protocol; an organisation's administrator the
    protocols their organisation is (or will be) a party to, and those they drafted."""
    if protocol is None:
        return policy.can(actor, "protocol.manage")
    return policy.can(actor, "protocol.manage", protocol)  # the protocols family's rule


def _require_manager(actor, protocol: Protocol | None = None) -> None:
    policy.require(actor, "protocol.manage")
    if not may_manage(actor, protocol):
        policy.audit_refusal(actor, "protocol.manage", reason="not a party")
        raise DomainError(_("Only a party to this protocol may change it."), code="refused")


def protocol_org_ids(protocol: Protocol) -> set[int]:
    return {p.organisation_id for p in protocol.parties.all()}


def _party_organisations(protocol: Protocol) -> list:
    """The parties' organisations: a protocol event goes into each party's audit log."""
    parties = protocol.parties.select_related("organisation").order_by("organisation_id")
    return [p.organisation for p in parties]


def _validate_rules(rules: list[dict]) -> None:
    for rule in rules:
        forbidden = set(rule.get("purposes", [])) & FORBIDDEN
        if forbidden:
            raise DomainError(
                _(
                    "Intelligence gathering, targeting and screening can never be purposes "
                    "of a protocol."
                ),
                field="rules",
            )
        unknown = set(rule.get("purposes", [])) - set(Purpose.values)
        if unknown:
            raise DomainError(_("Unknown purpose."), field="rules")


@audit.service
def save_protocol(
    actor,
    protocol: Protocol | None,
    *,
    fields: dict,
    parties: list[dict],
    rules: list[dict],
    areas: list,
) -> Protocol:
    """Create or change a draft: its fields, parties, rules and areas, all at once.

    Changing a draft clears the approvals already given (they approved another text).
    """
    _require_manager(actor, protocol)
    if protocol is not None and protocol.status != Protocol.Status.DRAFT:
        raise DomainError(_("Only a draft protocol can be changed; suspend it and draft anew."))
    _validate_rules(rules)
    creating = protocol is None
    if creating:
        protocol = Protocol(created_by=actor)
    for name, value in fields.items():
        setattr(protocol, name, value)
    if not protocol.reference:
        raise DomainError(_("Give the protocol a reference."), field="reference")
    if Protocol.objects.filter(reference=protocol.reference).exclude(pk=protocol.pk).exists():
        raise DomainError(_("Another protocol has this reference."), field="reference")
    protocol.save()
    protocol.parties.all().delete()
    seen = set()
    for party in parties:
        key = (party["organisation"].pk, party["role"])
        if key not in seen:
            seen.add(key)
            ProtocolParty.objects.create(
                protocol=protocol, organisation=party["organisation"], role=party["role"]
            )
    protocol.rules.all().delete()
    seen = set()
    for rule in rules:
        key = (rule["party_role"], rule["data_category"])
        if key in seen:
            raise DomainError(
                _("Two rules for the same party role and data category."), field="rules"
            )
        seen.add(key)
        ProtocolRule.objects.create(
            protocol=protocol,
            party_role=rule["party_role"],
            data_category=rule["data_category"],
            max_level=rule["max_level"],
            purposes=sorted(set(rule["purposes"])),
        )
    protocol.areas.set(areas)
    protocol.approvals.all().delete()
    audit.record_each(
        actor,
        "protocol.create" if creating else "protocol.update",
        protocol,
        organisations=_party_organisations(protocol),
        detail={"parties": len(parties), "rules": len(rules), "areas": len(areas)},
    )
    return protocol


def signatory_organisations(actor, protocol: Protocol) -> list:
    """Party organisations for which the actor may sign (holds `protocol.approve` there)."""
    party_ids = protocol_org_ids(protocol)
    return [o for o in policy.organisations(actor, "protocol.approve") if o.pk in party_ids]


@audit.service
def approve_protocol(actor, protocol: Protocol, organisation) -> ProtocolApproval:
    if protocol.status != Protocol.Status.DRAFT:
        raise DomainError(_("Only a draft protocol is approved."))
    if organisation not in signatory_organisations(actor, protocol):
        policy.audit_refusal(actor, "protocol.approve", reason="not a signatory")
        raise DomainError(
            _("You cannot sign for this organisation on this protocol."), code="refused"
        )
    approval, created = ProtocolApproval.objects.get_or_create(
        protocol=protocol, organisation=organisation, defaults={"approved_by": actor}
    )
    if created:
        audit.record(
            actor,
            "protocol.approve",
            protocol,
            organisation=organisation,
            detail={"organisation": organisation.acronym},
        )
    return approval


@audit.service
def activate_protocol(actor, protocol: Protocol) -> Protocol:
    _require_manager(actor, protocol)
    if protocol.status not in (Protocol.Status.DRAFT, Protocol.Status.SUSPENDED):
        raise DomainError(_("This protocol cannot be activated."))
    missing = missing_pieces(protocol)
    if missing:
        raise DomainError(
            _("The protocol is incomplete: %(missing)s")
            % {"missing": " ".join(str(m) for m in missing)},
            code="incomplete",
        )
    if protocol.status == Protocol.Status.SUSPENDED:
        # Nothing shared before the suspension comes back by itself (older suspensions did not
        # withdraw): the owners confirm each disclosure again (`confirm_disclosure`).
        _withdraw_under(protocol, actor)
    protocol.status = Protocol.Status.ACTIVE
    protocol.activated_at = timezone.now()
    protocol.status_note = ""
    protocol.save()
    audit.record_each(
        actor, "protocol.activate", protocol, organisations=_party_organisations(protocol)
    )
    notify(
        _org_users(protocol_org_ids(protocol), "protocol.view"),
        "protocol.activated",
        {"protocol": protocol.reference},
    )
    return protocol


@audit.service
def suspend_protocol(actor, protocol: Protocol, *, reason: str) -> Protocol:
    """Cut access at once to everything shared under the protocol; tell the recipients."""
    is_signatory = bool(signatory_organisations(actor, protocol))
    if not is_signatory:
        _require_manager(actor, protocol)
    if protocol.status != Protocol.Status.ACTIVE:
        raise DomainError(_("Only an active protocol can be suspended."))
    if not reason.strip():
        raise DomainError(_("Say why the protocol is suspended."), field="reason")
    protocol.status = Protocol.Status.SUSPENDED
    protocol.suspended_at = timezone.now()
    protocol.status_note = reason.strip()[:300]
    protocol.save()
    audit.record_each(
        actor,
        "protocol.suspend",
        protocol,
        organisations=_party_organisations(protocol),
        # The reason is free text, kept on the protocol (shown to its readers); the audit log
        # keeps its length only: no user-typed text goes into an audit event's detail.
        detail={"reason_length": len(protocol.status_note)},
    )
    with unscoped():  # disclosures are guarded; the service reads every one under the protocol
        recipients = set(
            protocol.disclosures.filter(revoked_at__isnull=True).values_list(
                "recipient_id", flat=True
            )
        )
    _withdraw_under(protocol, actor)
    notify(
        _org_users(recipients, "incident.view"),
        "protocol.suspended",
        {"protocol": protocol.reference},
    )
    return protocol


def _withdraw_under(protocol: Protocol, actor) -> int:
    """Withdraw every disclosure still in effect under the protocol (reason: protocol), each
    audited in its owner's log; the recipients are told once, by the protocol's notice."""
    now = timezone.now()
    withdrawn = 0
    with unscoped():
        live = list(
            protocol.disclosures.filter(revoked_at__isnull=True).select_related(
                "incident", "owner", "recipient"
            )
        )
    for disclosure in live:
        _mark_revoked(
            disclosure, actor, Disclosure.Revocation.PROTOCOL, at=now, protocol=protocol.reference
        )
        withdrawn += 1
    return withdrawn


def may_confirm_again(disclosure: Disclosure) -> bool:
    """Withdrawn by its protocol's suspension, and the protocol is in force again."""
    return (
        disclosure.revoked_reason == Disclosure.Revocation.PROTOCOL
        and disclosure.protocol.in_force()
    )


def confirm_disclosure(actor, disclosure: Disclosure) -> Disclosure:
    """The owner shares again, under its protocol in force again, a record that the
    protocol's suspension withdrew. It is a new share: every check is made again (consent as
    it stands now, the protocol's rules and areas, the sharer's clearance, nothing already
    shared) and refusals are audited; the new disclosure is audited with the one it confirms.
    (Not one transaction with the share: a refusal inside it must stay in the audit log.)"""
    disclosure.refresh_from_db()
    if not may_confirm_again(disclosure):
        policy.audit_refusal(actor, "incident.share", disclosure.incident, reason="not_confirmable")
        raise DomainError(
            _(
                "Only a disclosure withdrawn by its protocol's suspension, under a protocol in "
                "force again, can be confirmed again."
            )
        )
    confirmed = share_incident(
        actor,
        disclosure.incident,
        protocol=disclosure.protocol,
        recipient=disclosure.recipient,
        purpose=disclosure.purpose,
        level=disclosure.level,
        recipient_user=disclosure.recipient_user,
        note=disclosure.note,
    )
    audit.record(
        actor,
        "disclosure.confirm",
        disclosure.incident,
        organisation=disclosure.owner,
        level=confirmed.level,
        detail={
            "disclosure": str(confirmed.public_id),
            "confirms": str(disclosure.public_id),
            "protocol": disclosure.protocol.reference,
        },
    )
    return confirmed


def expire_protocols(today: dt.date | None = None) -> int:
    """Mark active protocols past their end date as expired (access already stopped)."""
    today = today or timezone.localdate()
    expired = 0
    for protocol in Protocol.objects.filter(status=Protocol.Status.ACTIVE, valid_until__lt=today):
        with transaction.atomic():
            protocol.status = Protocol.Status.EXPIRED
            protocol.save(update_fields=["status", "updated_at"])
            audit.record_each(
                None, "protocol.expire", protocol, organisations=_party_organisations(protocol)
            )
            with unscoped():
                recipients = set(
                    protocol.disclosures.filter(revoked_at__isnull=True).values_list(
                        "recipient_id", flat=True
                    )
                )
            notify(
                _org_users(recipients, "incident.view"),
                "protocol.expired",
                {"protocol": protocol.reference},
            )
        expired += 1
    return expired


def _org_users(org_ids, action: str) -> list:
    return policy.holders(list(org_ids), action)


# --------------------------------------------------------------------------- disclosure


def in_force_protocols(organisation):
    """Protocols in force today to which the organisation is a party."""
    return (
        Protocol.objects.in_force()
        .filter(parties__organisation=organisation)
        .distinct()
        .with_terms()
    )


def assess_share(actor, incident, *, protocol, recipient, purpose, level, recipient_user=None):
    """Every reason a share would be refused (empty: allowed), with codes for the audit log,
    and the consents it would rely on."""
    reasons, codes = [], []

    def refuse(code, message):
        codes.append(code)
        reasons.append(message)

    if not policy.can(actor, "incident.share", incident):
        refuse("not_permitted", _("You may not share this incident."))
    if purpose in FORBIDDEN and level > FORBIDDEN_MAX_LEVEL:
        refuse(
            "forbidden_purpose",
            _(
                "“%(purpose)s” is not a purpose for which records are shared: information "
                "sharing is not intelligence gathering."
            )
            % {"purpose": Purpose(purpose).label},
        )
    if purpose not in Purpose.values:
        refuse("unknown_purpose", _("Choose a purpose."))
    if not protocol.in_force():
        refuse("protocol_not_in_force", _("The protocol is not in force."))
    owner_roles = protocol.party_roles(incident.owner)
    if not owner_roles:
        refuse(
            "owner_not_party",
            _("%(org)s is not a party to this protocol.") % {"org": incident.owner.acronym},
        )
    if recipient.pk == incident.owner_id:
        refuse("same_organisation", _("The incident already belongs to this organisation."))
    recipient_roles = protocol.party_roles(recipient)
    rule = protocol.rule(recipient_roles, incident.data_category) if recipient_roles else None
    if not recipient_roles:
        refuse(
            "recipient_not_party",
            _("%(org)s is not a party to this protocol.") % {"org": recipient.acronym},
        )
    elif rule is None:
        refuse(
            "category_not_covered",
            _("The protocol does not share %(category)s with %(org)s.")
            % {"category": incident.get_data_category_display(), "org": recipient.acronym},
        )
    else:
        if level > rule.max_level:
            refuse(
                "above_protocol_level",
                _("The protocol allows level %(max)s at most for %(org)s.")
                % {"max": rule.max_level, "org": recipient.acronym},
            )
        if purpose not in rule.purposes and purpose not in FORBIDDEN:
            refuse(
                "purpose_not_allowed",
                _("The protocol does not allow this purpose for %(org)s.")
                % {"org": recipient.acronym},
            )
    if not protocol.covers(incident.area):
        refuse(
            "outside_area",
            _("%(area)s is outside the protocol's geographic scope.") % {"area": incident.area},
        )
    if level < max(2, incident.classification):
        refuse(
            "below_classification",
            _("This record is classified at level %(level)s; it cannot be shared below it.")
            % {"level": incident.classification},
        )
    if level > policy.clearance(actor, incident):
        refuse("above_own_clearance", _("You cannot share more than you may see yourself."))
    basis = []
    if level >= 3:
        needed = policy.CONSENT_SCOPES_FOR_LEVEL[level]  # the one definition of the rule
        with unscoped():
            persons = list(Person.objects.filter(incident=incident).prefetch_related("consents"))
        if not persons:
            refuse(
                "no_person",
                _(
                    "Case details are shared only with the consent of the people concerned; "
                    "nobody is recorded on this incident."
                ),
            )
        for person in persons:
            active = [c for c in person.consents.all() if c.is_active and c.scope in needed]
            if not active:
                refuse(
                    "no_consent",
                    _("%(code)s has not consented to sharing at level %(level)s.")
                    % {"code": person.code, "level": level},
                )
            else:
                basis.append(
                    {
                        "person": person.code,
                        "consent": str(active[0].public_id),
                        "scope": active[0].scope,
                    }
                )
    if level >= 4:
        if recipient_user is None:
            refuse("no_named_recipient", _("Identities are shared with a named person only."))
        elif not policy.holds_in(recipient_user, "person.view_identity", recipient):
            refuse(
                "recipient_cannot_hold_identities",
                _("The named person cannot hold identities in %(org)s.")
                % {"org": recipient.acronym},
            )
    with unscoped():
        already = Disclosure.objects.filter(
            incident=incident,
            recipient=recipient,
            purpose=purpose,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists()
    if already:
        refuse(
            "already_shared",
            _(
                "This incident is already shared with %(org)s for this purpose; withdraw it first "
                "to share at another level."
            )
            % {"org": recipient.acronym},
        )
    return reasons, codes, basis


@audit.service
def share_incident(
    actor, incident, *, protocol, recipient, purpose, level, recipient_user=None, note=""
) -> Disclosure:
    level = int(level)
    reasons, codes, basis = assess_share(
        actor,
        incident,
        protocol=protocol,
        recipient=recipient,
        purpose=purpose,
        level=level,
        recipient_user=recipient_user,
    )
    if reasons:
        policy.record_refusal(
            actor,
            "disclosure.refused",
            incident,
            organisation=incident.owner,
            level=level,
            detail={
                "recipient": recipient.acronym,
                "purpose": purpose,
                "protocol": protocol.reference,
                "reasons": codes,
            },
        )
        raise SharingRefused(reasons, codes)
    disclosure = Disclosure.objects.create(
        protocol=protocol,
        incident=incident,
        owner=incident.owner,
        recipient=recipient,
        recipient_role=sorted(protocol.party_roles(recipient))[0],
        recipient_user=recipient_user if level >= 4 else None,
        purpose=purpose,
        level=level,
        consent_basis=basis,
        disclosed_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=protocol.retention_days),
        note=note.strip()[:300],
    )
    audit.record(
        actor,
        "disclosure.create",
        incident,
        organisation=incident.owner,
        level=level,
        detail={
            "disclosure": str(disclosure.public_id),
            "recipient": recipient.acronym,
            "purpose": purpose,
            "protocol": protocol.reference,
            "consents": [b["consent"] for b in basis],
        },
    )
    users = [recipient_user] if level >= 4 else _org_users([recipient.pk], "incident.view")
    notify(
        users,
        "disclosure.received",
        {
            "owner": incident.owner.acronym,
            "reference": incident.reference,
            "level": level,
            "purpose": purpose,
        },
        url=f"/sharing/received/{disclosure.public_id}/",
    )
    return disclosure


def _mark_revoked(disclosure: Disclosure, actor, reason: str, *, at=None, **detail) -> None:
    """Withdraw one disclosure and audit it in its owner's log (no notice: the callers tell
    the recipients, one by one or once for a whole protocol)."""
    disclosure.revoked_at = at or timezone.now()
    disclosure.revoked_reason = reason
    disclosure.save(update_fields=["revoked_at", "revoked_reason", "updated_at"])
    audit.record(
        actor,
        "disclosure.revoke",
        disclosure.incident,
        organisation=disclosure.owner,
        level=disclosure.level,
        detail={
            "disclosure": str(disclosure.public_id),
            "recipient": disclosure.recipient.acronym,
            "reason": reason,
            **detail,
        },
    )


def _revoke(disclosure: Disclosure, actor, reason: str) -> None:
    _mark_revoked(disclosure, actor, reason)
    users = (
        [disclosure.recipient_user]
        if disclosure.recipient_user_id
        else _org_users([disclosure.recipient_id], "incident.view")
    )
    notify(
        users,
        "disclosure.revoked",
        {
            "owner": disclosure.owner.acronym,
            "reference": disclosure.incident.reference,
            "reason": reason,
        },
    )


@audit.service
def revoke_disclosure(actor, disclosure: Disclosure) -> Disclosure:
    policy.require(actor, "incident.share", disclosure.incident)
    if disclosure.revoked_at is not None:
        raise DomainError(_("This disclosure was already withdrawn."))
    _revoke(disclosure, actor, Disclosure.Revocation.OWNER)
    return disclosure


def on_consent_changed(sender, incident, actor, **kwargs) -> None:
    """Withdraw at once every disclosure of the incident that consent no longer covers."""
    with unscoped():  # every disclosure of the incident, whoever may list it
        relying = Disclosure.objects.filter(incident=incident, revoked_at__isnull=True, level__gt=2)
        if not relying.exists():
            return  # nothing shared that consent covers: no need to read the consents
        allowed = policy.consent_level(incident)
        withdrawn = list(
            relying.filter(level__gt=allowed).select_related("recipient", "owner", "incident")
        )
    for disclosure in withdrawn:
        _revoke(disclosure, actor, Disclosure.Revocation.CONSENT)


# --------------------------------------------------------------------------- break-glass


@audit.service
def open_break_glass(actor, incident, *, reason: str, hours: int = 2) -> BreakGlass:
    policy.require(actor, "breakglass.request", incident)
    reason = (reason or "").strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise DomainError(
            _("Explain in at least %(n)s characters why you need these identities now.")
            % {"n": BREAK_GLASS_MIN_REASON},
            field="reason",
        )
    if int(hours) not in BREAK_GLASS_HOURS:
        raise DomainError(_("Choose a duration."), field="hours")
    access = BreakGlass.objects.create(
        user=actor,
        incident=incident,
        organisation=incident.owner,
        reason=reason,
        expires_at=timezone.now() + dt.timedelta(hours=int(hours)),
    )
    policy.forget(actor)
    audit.record(
        actor,
        "breakglass.open",
        incident,
        organisation=incident.owner,
        level=4,
        detail={"break_glass": str(access.public_id), "hours": int(hours)},
    )
    notify(
        _org_users([incident.owner_id], "breakglass.review"),
        "breakglass.used",
        {"user": actor.get_username(), "reference": incident.reference},
        url="/sharing/break-glass/",
    )
    return access


@audit.service
def review_break_glass(actor, access: BreakGlass, *, note: str = "") -> BreakGlass:
    if access.organisation not in policy.organisations(actor, "breakglass.review"):
        policy.audit_refusal(actor, "breakglass.review", reason="other organisation")
        raise DomainError(_("You cannot review this access."), code="refused")
    if access.reviewed_at is not None:
        raise DomainError(_("This access was already reviewed."))
    access.reviewed_by = actor
    access.reviewed_at = timezone.now()
    access.review_note = note.strip()[:300]
    access.save()
    audit.record(
        actor,
        "breakglass.review",
        access.incident,
        organisation=access.organisation,
        detail={"break_glass": str(access.public_id)},
    )
    return access
