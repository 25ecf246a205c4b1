"""The policy for referrals: who sees a referral, at which level, and who may act on it.

A referral has two sides.
- The **referring organisation** (the incident's owner): its users see the referral as they
  see the person referred — `person.view` on the person, identities as `person.view_identity`.
- The **provider** (the service's organisation): users holding `referral.respond` there see a
  referral once it is sent, never a draft, and only what the referral carries: its own level
  (2: the referral itself; 3: with the case summary; 4: with the person's name and contact,
  to the named receiver only), no higher than their role's level. The incident, its narrative
  and the other people in it are never reachable from a referral.
  The case content stays visible while the referral is live: not withdrawn, the person's
  referral consent still active, and the protocol it travelled under still in force. Otherwise
  the provider keeps the level-1 stub (reference, service, status, dates) for their records.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q

from passerelle.core import audit

from .gate import (
    _mark_scoped,
    _model,
    _org_level,
    can,
    get_or_404,
    in_force_filter,
    memberships,
    organisations,
    scope,
)

# What each level of a referral shows to its reader.
REFERRAL_FIELDS = {
    "reference": 1,
    "service": 1,
    "status": 1,
    "dates": 1,
    "urgency": 1,
    "sex": 2,
    "age_group": 2,
    "disability": 2,
    "area": 2,  # the cercle (admin 2), never finer below level 3
    "need": 2,
    "summary": 3,
    "code": 3,
    "provider_note": 3,
    "history": 3,
    "identity": 4,
}

_STUB = 1


def sender_level(user, referral) -> int:
    """The level a user of the referring side holds on the referral (-1: none)."""
    if not any(m.organisation_id == referral.sender_id for m in memberships(user)):
        return -1
    if not can(user, "person.view", referral.person):
        return -1
    return 4 if can(user, "person.view_identity", referral.person) else 3


def is_live(referral) -> bool:
    """May the provider still see the case content of the referral?"""
    if referral.status in ("draft", "withdrawn"):
        return False
    if not has_referral_consent(referral.person):
        return False
    return referral.protocol is None or referral.protocol.in_force()


def has_referral_consent(person) -> bool:
    """Is the person's consent to be referred on record and not withdrawn? (A consent given
    again replaces the earlier one, so the referral relies on the person, not on one row.)"""
    Consent = _model("incidents.Consent")
    prefetched = getattr(person, "_prefetched_objects_cache", {}).get("consents")
    if prefetched is not None:  # lists prefetch them: no query per row
        return any(
            c.scope == Consent.Scope.REFERRAL and c.given and c.withdrawn_at is None
            for c in prefetched
        )
    standing = Consent.objects.filter(
        person=person, scope=Consent.Scope.REFERRAL, given=True, withdrawn_at__isnull=True
    )
    return _mark_scoped(standing).exists()


def referral_consent(person):
    """The person's standing answer on referral, given or refused (None if never asked or
    withdrawn), for a person the caller already holds through the policy: the consent a
    referral relies on, shown on the referral form."""
    Consent = _model("incidents.Consent")
    answers = Consent.objects.filter(
        person=person, scope=Consent.Scope.REFERRAL, withdrawn_at__isnull=True
    )
    return _mark_scoped(answers).order_by("-given_at").first()


def consents_prefetch(path: str = "person__consents") -> Prefetch:
    """For lists of referrals: the persons' consents, which `has_referral_consent` reads per
    row (the policy's own read of a guarded table, not shown as such)."""
    return Prefetch(path, queryset=_mark_scoped(_model("incidents.Consent").objects.all()))


def provider_level(user, referral) -> int:
    """The level a user of the provider holds on the referral (-1: none)."""
    if referral.status == "draft":
        return -1
    role_level = _org_level(user, referral.provider_id, "referral.respond")
    if role_level < 1:
        return -1
    if not is_live(referral):
        return _STUB
    level = min(referral.level, role_level)
    if referral.receiver_id != user.pk:
        level = min(level, 3)  # a name and a phone number go to the named receiver only
    return level


def referral_level(user, referral) -> int:
    """The level at which the user may read the referral (-1: not at all)."""
    if not memberships(user):
        return -1
    return max(sender_level(user, referral), provider_level(user, referral))


def referral_fields(user, referral) -> set[str]:
    level = referral_level(user, referral)
    return {name for name, needed in REFERRAL_FIELDS.items() if needed <= level}


def may_act(user, referral, side: str) -> bool:
    """May the user move the referral as its sender ("sender") or its provider ("provider")?"""
    if side == "sender":
        return (
            _org_level(user, referral.sender_id, "referral.create") >= 3
            and sender_level(user, referral) >= 3
        )
    if side == "provider":
        return provider_level(user, referral) >= 2
    raise ValueError(side)


def scope_referrals(user, queryset, box: str):
    """Referrals the user may see in a box: "sent" (referring side) or "received" (provider)."""
    Person = _model("incidents.Person")
    condition = None
    if box == "sent":
        orgs = [o.pk for o in organisations(user, "referral.create")]
        if orgs:
            persons = scope(user, Person.objects.all(), "person.view")
            condition = Q(sender_id__in=orgs) & Exists(persons.filter(pk=OuterRef("person_id")))
    elif box == "received":
        orgs = [o.pk for o in organisations(user, "referral.respond")]
        if orgs:
            condition = Q(provider_id__in=orgs) & ~Q(status="draft")
    else:
        raise ValueError(box)
    if condition is None:
        return _mark_scoped(queryset.none())
    return _mark_scoped(queryset.filter(condition))


def needs_scope(user, queryset):
    """Needs of the people the user may see (`person.view`)."""
    Person = _model("incidents.Person")
    persons = scope(user, Person.objects.all(), "person.view")
    return _mark_scoped(queryset.filter(Exists(persons.filter(pk=OuterRef("person_id")))))


def get_referral_or_404(user, public_id):
    """The referral if the user may read it at all; the same 404 for missing and forbidden."""
    return get_or_404(user, _model("referrals.Referral"), public_id, "referral.view")


# --------------------------------------------------------------------------- the family
# SQL twins of `referral_level(...) >= 1` and `may_act(...)`, for the family registered by
# referrals/policy_rules.py; a property test holds them to agree.

RELATED = (
    "person__incident__area",
    "person__age_group",
    "service",
    "provider",
    "sender",
    "protocol",
    "receiver",
    "created_by",
)


def live_condition(prefix: str = "") -> Q:
    """SQL twin of `is_live`: not a draft nor withdrawn, the person's referral consent active,
    the protocol (if any) in force."""
    consent = _model("incidents.Consent").objects.filter(
        person_id=OuterRef(f"{prefix}person_id"),
        scope="referral",
        given=True,
        withdrawn_at__isnull=True,
    )
    return (
        ~Q(**{f"{prefix}status__in": ("draft", "withdrawn")})
        & Exists(_mark_scoped(consent))
        & (
            Q(**{f"{prefix}protocol__isnull": True})
            | Q(**in_force_filter(prefix=f"{prefix}protocol__"))
        )
    )


def _sees_person(user, prefix: str) -> Q:
    persons = scope(user, _model("incidents.Person").objects.all(), "person.view")
    return Exists(persons.filter(pk=OuterRef(f"{prefix}person_id")))


def referral_condition(user, action: str, prefix: str = "") -> Q | None:
    """The referrals on which the user may perform the action (None: none)."""
    member_of = {m.organisation_id for m in memberships(user)}
    if not member_of:
        return None
    terms = []
    if action == "referral.view":
        terms.append(Q(**{f"{prefix}sender_id__in": member_of}) & _sees_person(user, prefix))
        responds = {o.pk for o in organisations(user, "referral.respond")}
        if responds:
            terms.append(
                Q(**{f"{prefix}provider_id__in": responds}) & ~Q(**{f"{prefix}status": "draft"})
            )
    elif action == "referral.create":  # move it as its sender
        senders = {pk for pk in member_of if _org_level(user, pk, "referral.create") >= 3}
        if senders:
            terms.append(Q(**{f"{prefix}sender_id__in": senders}) & _sees_person(user, prefix))
    elif action == "referral.respond":  # move it as its provider
        providers = {pk for pk in member_of if _org_level(user, pk, "referral.respond") >= 2}
        if providers:
            terms.append(
                Q(**{f"{prefix}provider_id__in": providers, f"{prefix}level__gte": 2})
                & live_condition(prefix)
            )
    if not terms:
        return None
    condition = terms[0]
    for term in terms[1:]:
        condition |= term
    return condition


def referral_allows(user, action: str, referral) -> bool:
    if action == "referral.view":
        return referral_level(user, referral) >= 1
    if action == "referral.create":
        return may_act(user, referral, "sender")
    if action == "referral.respond":
        return may_act(user, referral, "provider")
    return False


def referral_level_of(user, referral, action=None) -> int:
    return referral_level(user, referral)


def redact_referral(user, referral, *, audit_reads: bool = True) -> dict:
    """What the user may see of a referral, decrypted where allowed; reading the case summary
    (level 3) or the person's identity (level 4) is audited."""
    from passerelle.core.fields import OpenedRows, reveal

    from .redact import _coarse_area

    level = referral_level(user, referral)
    shown = {name for name, needed in REFERRAL_FIELDS.items() if needed <= level}
    person = referral.person
    values = {"level": level, "fields": shown}
    if "sex" in shown:
        values["sex"] = person.get_sex_display()
        values["age_group"] = person.age_group
        values["age"] = person.age if level >= 3 else None
        values["disability"] = person.get_disability_display()
    if "area" in shown:
        values["area"] = _coarse_area(person.incident.area, level)
    if "code" in shown:
        values["code"] = person.code
    if "summary" in shown:
        values["summary"] = reveal(referral.summary)
    if "provider_note" in shown:
        values["provider_note"] = reveal(referral.provider_note)
    if "history" in shown:  # each step's note is sealed, opened at this level
        history = referral.history.select_related("actor", "organisation")
        values["history"] = OpenedRows(history, "note")
    if "identity" in shown:
        values["full_name"] = reveal(person.full_name)
        values["phone"] = reveal(person.phone)
        values["address"] = reveal(person.address)
    if audit_reads and level >= 3:
        audit.record(
            user,
            "referral.read",
            referral,
            organisation=referral.provider if provider_level(user, referral) >= 3 else None,
            level=level,
            detail={"fields": sorted(n for n in shown if REFERRAL_FIELDS[n] >= 3)},
        )
    return values
