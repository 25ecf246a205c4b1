"""The policy gate: every decision about who may see or do what on a record.

Public functions (re-exported by `passerelle.policy`):
    can(user, action, obj=None)         -> bool
    require(user, action, obj=None)     -> None or raises PermissionDenied (audited)
    scope(user, queryset, action)       -> the queryset restricted to what `can` allows
    get_or_404(user, Model, public_id, action) -> object, or Http404 for missing and forbidden
    clearance(user, obj)                -> the level the user holds on the record
    visible_fields(user, obj)           -> names of fields the user may see
    redact(user, obj)                   -> a read-only view with hidden fields removed

A user's clearance on a record is the highest of two grants:
- their role level in the record's owning organisation (level 4 only for the people named
  on the record, or during a break-glass access);
- for a record shared with their organisation (`sharing.Disclosure`): the minimum of the
  level disclosed (within the protocol's rule for their organisation's role), the consent
  of every person in the record (`consent_level`), and their own role's level there. Only
  read actions travel with a disclosure, while the disclosure is live: not withdrawn, within
  its retention period, under a protocol in force.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from passerelle.core import audit
from passerelle.core.guard import unscoped

from .fields import INCIDENT_FIELDS, PERSON_FIELDS
from .purposes import FORBIDDEN, ForbiddenPurpose, is_forbidden
from .roles import ACTION_LEVEL, CLASSIFICATION_INDEPENDENT, ROLES

DEFAULT_K = 5  # the small-cell threshold when no protocol sets a higher one
_CACHE_ATTR = "_passerelle_memberships"
_GLASS_ATTR = "_passerelle_break_glass"
_RECEIVES_ATTR = "_passerelle_receives"
_SHARED_ATTR = "_passerelle_shared"  # incident id -> (live disclosures, consent level or None)


def memberships(user) -> list:
    """Active memberships of an active user (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            user.memberships.filter(active=True, organisation__active=True).select_related(
                "organisation"
            )
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user) -> None:
    """Drop cached memberships and break-glass accesses (after they change)."""
    for attr in (_CACHE_ATTR, _GLASS_ATTR, _SHARED_ATTR, _RECEIVES_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def organisations(user, action: str | None = None) -> list:
    """Organisations in which the user holds `action` (or any role)."""
    seen = {}
    for m in memberships(user):
        if action is None or action in ROLES[m.role].actions:
            seen[m.organisation_id] = m.organisation
    return list(seen.values())


def _org_level(user, org_id: int, action: str | None) -> int:
    """Highest role level the user holds in an organisation with the action; -1 if none."""
    levels = [
        ROLES[m.role].level
        for m in memberships(user)
        if m.organisation_id == org_id and (action is None or action in ROLES[m.role].actions)
    ]
    return max(levels, default=-1)


def _record_of(obj):
    """The incident a record belongs to (the unit of ownership and classification)."""
    from passerelle.incidents.models import Consent, Incident, Person

    if isinstance(obj, Incident):
        return obj
    if isinstance(obj, Person):
        return obj.incident
    if isinstance(obj, Consent):
        return obj.person.incident
    from passerelle.referrals.models import Need

    if isinstance(obj, Need):
        return obj.incident
    raise TypeError(f"The policy does not know records of type {type(obj).__name__}")


def _is_named(user, incident) -> bool:
    if incident.recorded_by_id == user.pk:
        return True
    prefetched = getattr(incident, "_prefetched_objects_cache", {}).get("need_to_know")
    if prefetched is not None:  # lists prefetch it: no query per row
        return any(named.pk == user.pk for named in prefetched)
    with unscoped():
        return incident.need_to_know.filter(pk=user.pk).exists()


def _in_break_glass(user, incident) -> bool:
    """Is a break-glass access of this user open on the incident? (one query per request)"""
    from passerelle.sharing.models import BreakGlass

    cached = getattr(user, _GLASS_ATTR, None)
    if cached is None:
        cached = set(
            BreakGlass.objects.filter(user=user, expires_at__gt=timezone.now()).values_list(
                "incident_id", flat=True
            )
        )
        setattr(user, _GLASS_ATTR, cached)
    return incident.pk in cached


# The actions a disclosure carries to the recipient: reading, never changing.
SHARED_ACTIONS = frozenset({"incident.view", "person.view", "person.view_identity"})


def consent_level(incident) -> int:
    """The highest level every person in the record consented to share at.

    De-identified summaries (level 2) need no individual consent; case details (3) need
    every victim, witness and source to have consented to case-level sharing, identities
    (4) to identifiable sharing. A record with nobody in it is shared at level 2 at most.
    """
    from passerelle.incidents.models import Person

    with unscoped():
        persons = list(Person.objects.filter(incident=incident).prefetch_related("consents"))
    return _consent_level_of(persons)


def _consent_level_of(persons) -> int:
    from passerelle.incidents.models import Consent

    if not persons:
        return 2
    level = 4
    for person in persons:
        scopes = {c.scope for c in person.consents.all() if c.is_active}
        if Consent.Scope.IDENTIFIABLE_SHARING in scopes:
            own = 4
        elif Consent.Scope.CASE_SHARING in scopes:
            own = 3
        else:
            own = 2
        level = min(level, own)
    return level


def prefetch_shared(user, incidents) -> None:
    """Read, in two queries, what `shared_level` needs for a page of incidents (lists)."""
    from passerelle.incidents.models import Person
    from passerelle.sharing.models import Disclosure

    org_ids = {m.organisation_id for m in memberships(user)}
    ids = [i.pk for i in incidents if i.owner_id not in org_ids or len(org_ids) > 1]
    if not ids:
        return
    found = {pk: [] for pk in ids}
    for disclosure in Disclosure.objects.filter(
        incident_id__in=ids, recipient_id__in=org_ids, **live_filter()
    ).select_related("protocol", "recipient"):
        found[disclosure.incident_id].append(disclosure)
    needs_consent = [pk for pk, ds in found.items() if any(d.level > 2 for d in ds)]
    levels = {}
    if needs_consent:
        with unscoped():
            persons = Person.objects.filter(incident_id__in=needs_consent).prefetch_related(
                "consents"
            )
            by_incident = {}
            for person in persons:
                by_incident.setdefault(person.incident_id, []).append(person)
        levels = {pk: _consent_level_of(by_incident.get(pk, [])) for pk in needs_consent}
    cache = getattr(user, _SHARED_ATTR, None) or {}
    cache.update({pk: (ds, levels.get(pk)) for pk, ds in found.items()})
    setattr(user, _SHARED_ATTR, cache)


def live_disclosures(user, incident):
    """Disclosures of this incident to the user's organisations that are in effect now."""
    from passerelle.sharing.models import Disclosure

    cached = getattr(user, _SHARED_ATTR, {}).get(incident.pk)
    if cached is not None:
        return cached[0]
    org_ids = [m.organisation_id for m in memberships(user)]
    if not org_ids:
        return []
    return list(
        Disclosure.objects.filter(
            incident=incident, recipient_id__in=org_ids, **live_filter()
        ).select_related("protocol", "recipient")
    )


def live_filter(today=None) -> dict:
    """Filter arguments for disclosures in effect now: not withdrawn, within retention,
    under a protocol in force. The one definition of "live" (lists use it too)."""
    today = today or timezone.localdate()
    return {
        "revoked_at__isnull": True,
        "expires_at__gt": timezone.now(),
        "protocol__status": "active",
        "protocol__valid_from__lte": today,
        "protocol__valid_until__gte": today,
    }


def shared_level(user, incident, action: str | None = None, disclosures=None) -> int:
    """The level a disclosure gives the user on another organisation's record (-1: none)."""
    if action is not None and action not in SHARED_ACTIONS:
        return -1
    if disclosures is None:
        disclosures = live_disclosures(user, incident)
    best = -1
    consent = None
    for disclosure in disclosures:
        if is_forbidden(disclosure.purpose):
            continue  # never more than aggregates for intelligence or targeting
        if disclosure.owner_id == disclosure.recipient_id:
            continue
        role_level = _org_level(user, disclosure.recipient_id, action or "incident.view")
        if role_level < 1:
            continue
        level = min(disclosure.level, role_level)
        if disclosure.recipient_user_id != user.pk:
            level = min(level, 3)  # identities go to a named recipient only
        if level > 2:
            if consent is None:
                cached = getattr(user, _SHARED_ATTR, {}).get(incident.pk)
                consent = cached[1] if cached and cached[1] is not None else None
            if consent is None:
                consent = consent_level(incident)
            level = min(level, consent)
        best = max(best, level)
    return best


def _grants(user, incident, action: str | None) -> int:
    """The level granted to the user on an incident: own organisation, or a disclosure."""
    level = _org_level(user, incident.owner_id, action)
    if level >= 4 and not _is_named(user, incident) and not _in_break_glass(user, incident):
        level = 3  # identities only for the named people who need to know
    elsewhere = any(m.organisation_id != incident.owner_id for m in memberships(user))
    if level < 4 and elsewhere and (action is None or action in SHARED_ACTIONS):
        level = max(level, shared_level(user, incident, action))
    return level


def clearance(user, obj, action: str | None = None) -> int:
    """The classification level the user holds on this record (-1: none at all)."""
    if not memberships(user):
        return -1
    return _grants(user, _record_of(obj), action)


def required_level(action: str, incident) -> int:
    if action in CLASSIFICATION_INDEPENDENT:
        return ACTION_LEVEL.get(action, 2)
    return max(ACTION_LEVEL.get(action, 2), incident.classification)


def can(user, action: str, obj=None) -> bool:
    """May `user` perform `action` (on `obj`, when given)?"""
    if not memberships(user):
        return False
    if obj is None:
        return any(action in ROLES[m.role].actions for m in memberships(user))
    incident = _record_of(obj)
    return _grants(user, incident, action) >= required_level(action, incident)


def require(user, action: str, obj=None) -> None:
    """Raise PermissionDenied, and audit the refusal, unless `can`."""
    if not can(user, action, obj):
        audit_refusal(user, action, obj)
        raise PermissionDenied


def audit_refusal(user, action: str, obj=None, reason: str = "not permitted") -> None:
    audit.record_refusal(
        user if getattr(user, "is_authenticated", False) else None,
        "access.refused",
        obj,
        organisation=_record_of(obj).owner if obj is not None else None,
        outcome="refused",
        detail={"action": action, "reason": reason},
    )


def scope(user, queryset, action: str):
    """Restrict a queryset of incidents or persons to what `can(user, action, ·)` allows."""
    from passerelle.incidents.models import Consent, Incident, Person
    from passerelle.referrals.models import Need

    model = queryset.model
    prefix = {Incident: "", Person: "incident__", Consent: "person__incident__", Need: "incident__"}
    prefix = prefix.get(model)
    if prefix is None:
        raise TypeError(f"The policy cannot scope {model.__name__}")
    base = ACTION_LEVEL.get(action, 2)
    through = Incident.need_to_know.through
    incident_ref = f"{prefix}pk" if prefix else "pk"
    condition = None
    if user is not None and user.is_authenticated:
        from passerelle.sharing.models import BreakGlass

        named = (
            Q(**{f"{prefix}recorded_by": user})
            | Exists(through.objects.filter(incident_id=OuterRef(incident_ref), user_id=user.pk))
            | Exists(
                BreakGlass.objects.filter(
                    incident_id=OuterRef(incident_ref),
                    user_id=user.pk,
                    expires_at__gt=timezone.now(),
                )
            )
        )
        for org in organisations(user, action):
            level = _org_level(user, org.pk, action)
            unnamed = min(level, 3)
            owned = Q(**{f"{prefix}owner_id": org.pk})
            terms = []
            if action in CLASSIFICATION_INDEPENDENT:
                if unnamed >= base or (level >= base and level >= 4):
                    terms.append(owned if unnamed >= base else owned & named)
            elif unnamed >= base:
                terms.append(owned & Q(**{f"{prefix}classification__lte": unnamed}))
            if level >= 4 and level >= base:
                terms.append(owned & named & Q(**{f"{prefix}classification__lte": level}))
            if action in SHARED_ACTIONS:
                terms.extend(_shared_terms(user, org, level, base, prefix, incident_ref))
            for term in terms:
                condition = term if condition is None else condition | term
    if condition is None:
        return _mark_scoped(queryset.none())
    return _mark_scoped(queryset.filter(condition))


def _shared_terms(user, org, role_level: int, base: int, prefix: str, incident_ref: str) -> list:
    """SQL twin of `shared_level`: records disclosed to `org` that reach the needed level."""
    from passerelle.sharing.models import Disclosure

    if role_level < 1:
        return []
    if not _receives_shares(user, org.pk):
        return []  # nothing shared with this organisation: keep the query simple
    today = timezone.localdate()
    not_owned = ~Q(**{f"{prefix}owner_id": org.pk})  # own records follow the first grant
    terms = []
    for classification in (2, 3, 4):
        need = max(base, classification)
        if need > role_level:
            continue
        disclosed = Disclosure.objects.filter(
            incident_id=OuterRef(incident_ref),
            recipient_id=org.pk,
            level__gte=need,
            **live_filter(today),
        ).exclude(purpose__in=FORBIDDEN)
        if need >= 4:
            disclosed = disclosed.filter(recipient_user_id=user.pk)
        term = Q(**{f"{prefix}classification": classification}) & Exists(disclosed)
        if need >= 3:
            term &= _consented(need, incident_ref)
        terms.append(not_owned & term)
    return terms


def _receives_shares(user, org_id: int) -> bool:
    """Has anything been shared with this organisation (and not withdrawn)? Once per request."""
    from passerelle.sharing.models import Disclosure

    cache = getattr(user, _RECEIVES_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _RECEIVES_ATTR, cache)
    if org_id not in cache:
        cache[org_id] = Disclosure.objects.filter(
            recipient_id=org_id, revoked_at__isnull=True
        ).exists()
    return cache[org_id]


def _consented(level: int, incident_ref: str) -> Q:
    """SQL twin of `consent_level(incident) >= level` for levels 3 and 4."""
    from passerelle.incidents.models import Consent, Person

    scopes = [Consent.Scope.IDENTIFIABLE_SHARING]
    if level == 3:
        scopes.append(Consent.Scope.CASE_SHARING)
    with unscoped():
        persons = Person.objects.filter(incident_id=OuterRef(incident_ref))
        lacking = Person.objects.filter(incident_id=OuterRef(incident_ref)).exclude(
            Exists(
                Consent.objects.filter(
                    person_id=OuterRef("pk"),
                    scope__in=scopes,
                    given=True,
                    withdrawn_at__isnull=True,
                )
            )
        )
        return Exists(persons.mark_scoped()) & ~Exists(lacking.mark_scoped())


def _mark_scoped(queryset):
    """Let a guarded queryset run; Consent's plain manager needs no mark."""
    mark = getattr(queryset, "mark_scoped", None)
    return mark() if mark is not None else queryset


def get_or_404(user, model, public_id, action: str):
    """Fetch by public id and check `action`; the same 404 for missing and forbidden."""
    with unscoped():
        obj = model.objects.filter(public_id=public_id).first()
    if obj is None:
        raise Http404
    if not can(user, action, obj):
        audit_refusal(user, action, obj)
        raise Http404
    return obj


def visible_fields(user, obj) -> set[str]:
    """Names of the fields of `obj` this user may see."""
    from passerelle.incidents.models import Incident, Person

    table = INCIDENT_FIELDS if isinstance(obj, Incident) else PERSON_FIELDS
    if not isinstance(obj, Incident | Person):
        raise TypeError(type(obj).__name__)
    level = clearance(user, obj)
    if isinstance(obj, Person) and not can(user, "person.view_identity", obj):
        level = min(level, 3)
    if isinstance(obj, Person) and not can(user, "person.view", obj):
        level = min(level, 2)
    return {name for name, needed in table.items() if needed <= level}


def aggregate_scope(user, purpose: str):
    """Incidents that may be counted in aggregate tables (level 1) for this user and purpose,
    the small-cell threshold k to apply (the highest of the protocols in force with partners,
    whatever the purpose), and the protocols that contributed.

    Counted: the records of the user's own organisations, and those of the other parties to a
    protocol in force that gives the user's organisation a rule (any level) for the record's
    data category, with the declared purpose, inside the protocol's areas. A forbidden purpose
    is served nothing, not even aggregates: `ForbiddenPurpose` is raised with its reason, after
    a refusal is audited for the asker's organisations and for every partner whose records a
    protocol in force would have let them count (`refuse_forbidden_aggregate`). A person who
    refused to be counted in statistics, or withdrew their consent to it
    (`Consent.refuses_aggregate_reporting`), takes their whole incident out.
    """
    from passerelle.incidents.models import Consent, Incident, Person
    from passerelle.sharing.models import Protocol

    own = organisations(user, "aggregate.view")
    if not own:
        return _mark_scoped(Incident.objects.none()), DEFAULT_K, []
    if is_forbidden(purpose):
        refuse_forbidden_aggregate(user, purpose, own)
    condition = Q(owner__in=own)
    k = DEFAULT_K
    used = []
    protocols = (
        Protocol.objects.in_force().filter(parties__organisation__in=own).distinct().with_terms()
    )
    own_ids = {o.pk for o in own}
    for protocol in protocols:
        roles = {p.role for p in protocol.parties.all() if p.organisation_id in own_ids}
        owners = {p.organisation_id for p in protocol.parties.all()} - own_ids
        categories = {
            r.data_category
            for r in protocol.rules.all()
            if r.party_role in roles and purpose in r.purposes
        }
        if not owners:
            continue
        # k from every protocol with partners, whatever the purpose: tables asked for two
        # purposes are suppressed and rounded alike, so they cannot be told apart by k.
        k = max(k, protocol.k_threshold)
        if not categories:
            continue
        in_areas = Q(pk__in=[])
        for area in protocol.areas.all():
            in_areas |= Q(area__pcode__startswith=area.pcode)
        condition |= Q(owner_id__in=owners, data_category__in=categories) & in_areas
        used.append(protocol)
    with unscoped():
        refused = Person.objects.filter(incident_id=OuterRef("pk")).filter(
            Consent.refuses_aggregate_reporting("pk")
        )
        qs = Incident.objects.filter(condition).exclude(Exists(refused.mark_scoped()))
    return _mark_scoped(qs), k, used


def refuse_forbidden_aggregate(user, purpose: str, own=None):
    """Refuse statistics asked for a forbidden purpose: audit one refusal in each of the
    asker's organisations and one in each partner organisation whose records the asker could
    otherwise count (any other party to a protocol in force with them), then raise
    `ForbiddenPurpose` carrying the translated reason."""
    from passerelle.sharing.models import Protocol

    own = organisations(user, "aggregate.view") if own is None else own
    own_ids = {o.pk for o in own}
    partners = {}
    for protocol in Protocol.objects.in_force().filter(parties__organisation__in=own).distinct():
        for party in protocol.parties.select_related("organisation"):
            if party.organisation_id not in own_ids:
                partners[party.organisation_id] = party.organisation
    actor = user if getattr(user, "is_authenticated", False) else None
    for org, whose in [*((o, "own") for o in own), *((o, "partner") for o in partners.values())]:
        audit.record_refusal(
            actor,
            "aggregate.refused",
            organisation=org,
            level=1,
            outcome="refused",
            detail={
                "action": "aggregate.view",
                "purpose": purpose,
                "reason": "forbidden_purpose",
                "records": whose,
            },
        )
    raise ForbiddenPurpose(purpose)
