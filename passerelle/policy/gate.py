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

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from passerelle.core import audit
from passerelle.core.guard import unscoped

from . import cache as _cache
from .fields import INCIDENT_FIELDS, PERSON_FIELDS
from .purposes import FORBIDDEN, ForbiddenPurpose, is_forbidden
from .registry import Family, Rule, derived, family_of, value_at
from .roles import ACTION_LEVEL, CLASSIFICATION_INDEPENDENT, ROLES

DEFAULT_K = 5  # the small-cell threshold when no protocol sets a higher one


def _model(label: str):
    """A model of an app above the policy, found through Django's app registry: the policy
    names what it reads but never imports the apps that register their families with it."""
    return apps.get_model(label)


def memberships(user) -> list:
    """Active memberships of an active user (cached for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cache = _cache.for_user(user)
    cached = cache.get("memberships")
    if cached is None:
        cached = list(
            user.memberships.filter(active=True, organisation__active=True).select_related(
                "organisation"
            )
        )
        cache["memberships"] = cached
    return cached


def forget(user) -> None:
    """Drop what the request cached about the user: memberships, break-glass accesses,
    disclosures (after they change)."""
    _cache.forget(user)


def organisations(user, action: str | None = None) -> list:
    """Organisations in which the user holds `action` (or any role)."""
    seen = {}
    for m in memberships(user):
        if action is None or action in ROLES[m.role].actions:
            seen[m.organisation_id] = m.organisation
    return list(seen.values())


def _org_level(user, org_id: int, action: str | None) -> int:
    """Highest role level the user holds in an organisation with the action; -1 if none
    (never above the `ceiling` of the user's authentication)."""
    levels = [
        ROLES[m.role].level
        for m in memberships(user)
        if m.organisation_id == org_id and (action is None or action in ROLES[m.role].actions)
    ]
    return min(max(levels, default=-1), ceiling(user))


UNVERIFIED_CEILING = 2


def ceiling(user) -> int:
    """The highest level the user's authentication lets them hold: level 3-4 data only with a
    second factor. A user object that says whether it was verified with two factors
    (django-otp's `is_verified()`, set on a session's user by its middleware and on an API
    token's user by `api.authentication`) and says no holds level 2 at most; one that says
    nothing (a service, a command, a task) is not limited. The pages never reach this with an
    unverified user who needs two factors (`TwoFactorRequiredMiddleware` asks for a code
    first), so the limit only ever bites on the API (docs/api.md)."""
    verified = getattr(user, "is_verified", None)
    if verified is None or verified():
        return 4
    return UNVERIFIED_CEILING


# --------------------------------------------------------------------------- organisations


def _is_organisation(obj) -> bool:
    meta = getattr(obj, "_meta", None)
    return meta is not None and meta.label == "accounts.Organisation"


def _org_id(organisation) -> int:
    return organisation if isinstance(organisation, int) else organisation.pk


def level_in(user, organisation, action: str | None = None) -> int:
    """The highest role level the user holds in the organisation with the action (-1: none)."""
    return _org_level(user, _org_id(organisation), action)


def roles_holding(action: str, min_level: int | None = None) -> list[str]:
    """The roles that hold the action (at `min_level` or above)."""
    return [
        name
        for name, role in ROLES.items()
        if action in role.actions and (min_level is None or role.level >= min_level)
    ]


def holders(organisation, action: str, *, min_level: int | None = None) -> list:
    """The active users who hold `action` in the organisation (an organisation, its id, or
    several of either), each once: who is told, who may be named receiver or assignee."""
    several = isinstance(organisation, list | tuple | set | frozenset)
    many = organisation if several else [organisation]
    ids = [_org_id(o) for o in many]
    users = {}
    for m in (
        _model("accounts.Membership")
        .objects.filter(
            organisation_id__in=ids,
            active=True,
            user__is_active=True,
            role__in=roles_holding(action, min_level),
        )
        .select_related("user")
    ):
        users.setdefault(m.user_id, m.user)
    return list(users.values())


def holds_in(user, action: str, organisation, *, min_level: int | None = None) -> bool:
    """Does the user hold `action` in that organisation (at `min_level` or above)? The same
    answer as `can(user, action, organisation)`, with an optional level."""
    level = _org_level(user, _org_id(organisation), action)
    return level >= 0 and (min_level is None or level >= min_level)


def scope_organisations(user, queryset, action: str, *, everywhere: str | None = None):
    """The organisations of `queryset` in which the user holds `action` — every one of them
    when the user holds `everywhere` (e.g. `servicemap.manage` for `service.manage`): whose
    services, focal points or trainings the user may describe."""
    if everywhere is not None and can(user, everywhere):
        return queryset
    return queryset.filter(pk__in=[o.pk for o in organisations(user, action)])


# --------------------------------------------------------------------------- records


def _record_of(obj):
    """The incident a record belongs to (the unit of ownership and classification)."""
    family = family_of(obj)
    path = getattr(family, "record_path", None)
    if path is None:
        raise TypeError(f"{type(obj).__name__} is not a case record")
    return value_at(obj, path) if path else obj


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
    cache = _cache.for_user(user)
    cached = cache.get("break_glass")
    if cached is None:
        own = _model("sharing.BreakGlass").objects.filter(user=user, expires_at__gt=timezone.now())
        cached = set(_mark_scoped(own).values_list("incident_id", flat=True))  # the user's own
        cache["break_glass"] = cached
    return incident.pk in cached


# The actions a disclosure carries to the recipient: reading, never changing.
SHARED_ACTIONS = frozenset({"incident.view", "person.view", "person.view_identity"})


def consent_level(incident) -> int:
    """The highest level every person in the record consented to share at.

    De-identified summaries (level 2) need no individual consent; case details (3) need
    every victim, witness and source to have consented to case-level sharing, identities
    (4) to identifiable sharing. A record with nobody in it is shared at level 2 at most.
    """
    return _consent_levels([incident.pk])[incident.pk]


def _consent_levels(incident_ids) -> dict[int, int]:
    """`consent_level` of several incidents in two queries (persons, then their consents)."""
    with unscoped():
        persons = (
            _model("incidents.Person")
            .objects.filter(incident_id__in=incident_ids)
            .prefetch_related("consents")
        )
        by_incident = {}
        for person in persons:
            by_incident.setdefault(person.incident_id, []).append(person)
    return {pk: _consent_level_of(by_incident.get(pk, [])) for pk in incident_ids}


# The consent scopes that allow sharing a record at each level above 2: the one table the
# Python (`person_consent_level`) and the SQL (`_consented`) forms of the rule read.
CONSENT_SCOPES_FOR_LEVEL = {
    4: ("identifiable_sharing",),
    3: ("identifiable_sharing", "case_sharing"),
}


def person_consent_level(consents) -> int:
    """The level one person's consents allow their record to be shared at (2, 3 or 4): the one
    definition of the consent level, used by the gate, sharing and referrals."""
    scopes = {c.scope for c in consents if c.is_active}
    for level in (4, 3):
        if scopes & set(CONSENT_SCOPES_FOR_LEVEL[level]):
            return level
    return 2


def _consent_level_of(persons) -> int:
    if not persons:
        return 2
    return min(person_consent_level(person.consents.all()) for person in persons)


def prefetch_shared(user, incidents) -> None:
    """Read, in two queries, what `shared_level` needs for a page of incidents (lists)."""
    org_ids = {m.organisation_id for m in memberships(user)}
    ids = [i.pk for i in incidents if i.owner_id not in org_ids or len(org_ids) > 1]
    if not ids:
        return
    found = {pk: [] for pk in ids}
    received = _received(org_ids, incident_id__in=ids)
    for disclosure in received.select_related("protocol", "recipient"):
        found[disclosure.incident_id].append(disclosure)
    needs_consent = [pk for pk, ds in found.items() if any(d.level > 2 for d in ds)]
    levels = _consent_levels(needs_consent) if needs_consent else {}
    if user is None or not getattr(user, "is_authenticated", False):
        return
    shared = _cache.for_user(user).setdefault("shared", {})
    shared.update({pk: (ds, levels.get(pk)) for pk, ds in found.items()})


def _shared_cache(user) -> dict:
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return _cache.for_user(user).get("shared", {})


def live_disclosures(user, incident):
    """Disclosures of this incident to the user's organisations that are in effect now."""
    cached = _shared_cache(user).get(incident.pk)
    if cached is not None:
        return cached[0]
    org_ids = [m.organisation_id for m in memberships(user)]
    if not org_ids:
        return []
    return list(_received(org_ids, incident=incident).select_related("protocol", "recipient"))


def _received(org_ids, **filters):
    """Disclosures to these organisations (the user's own) that are in effect now."""
    received = _model("sharing.Disclosure").objects.filter(
        recipient_id__in=org_ids, **live_filter(), **filters
    )
    return _mark_scoped(received)


def received_disclosures(user):
    """Every disclosure to the user's organisations that is in effect now, newest first: the
    received list and its export (each row then opened through `shared_level` / `redact`)."""
    org_ids = [m.organisation_id for m in memberships(user)]
    return _received(org_ids).select_related("protocol", "owner", "recipient", "incident")


def in_force_filter(today=None, prefix: str = "") -> dict:
    """Filter arguments for protocols in force on a day (today by default): active, and the
    day within their validity. The one SQL definition of "in force"
    (`Protocol.in_force()` is its Python twin, `ProtocolQuerySet.in_force` uses it)."""
    today = today or timezone.localdate()
    return {
        f"{prefix}status": "active",
        f"{prefix}valid_from__lte": today,
        f"{prefix}valid_until__gte": today,
    }


def within(area, areas) -> bool:
    """Is `area` inside one of `areas` (its P-code starts with one of theirs)? The one
    definition of a protocol's geographic coverage (`Protocol.covers`); `within_q` is its SQL
    twin. (A request's area only needs to overlap a protocol's: `inforequests`.)"""
    return area is not None and any(area.pcode.startswith(a.pcode) for a in areas)


def within_q(areas, path: str = "area") -> Q:
    """SQL twin of `within`: rows whose area (at `path`) lies inside one of `areas`."""
    condition = Q(pk__in=[])
    for area in areas:
        condition |= Q(**{f"{path}__pcode__startswith": area.pcode})
    return condition


def live_filter(today=None) -> dict:
    """Filter arguments for disclosures in effect now: not withdrawn, within retention,
    under a protocol in force. The one definition of "live" (lists use it too)."""
    return {
        "revoked_at__isnull": True,
        "expires_at__gt": timezone.now(),
        **in_force_filter(today, "protocol__"),
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
                cached = _shared_cache(user).get(incident.pk)
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
    family = family_of(obj)
    if family.level is None:
        raise TypeError(f"{family.name} records have no clearance level")
    return family.level(user, obj, action)


def required_level(action: str, incident) -> int:
    if action in CLASSIFICATION_INDEPENDENT:
        return ACTION_LEVEL.get(action, 2)
    return max(ACTION_LEVEL.get(action, 2), incident.classification)


def can(user, action: str, obj=None) -> bool:
    """May `user` perform `action` — anywhere (no `obj`), in an organisation (`obj` is an
    `Organisation`: organisation-scoped actions), or on a record of any registered family?"""
    if not memberships(user):
        return False
    rule = derived(action)
    if rule is not None:  # an action derived from roles and data (registry.register_action)
        return bool(rule(user, obj))
    if obj is None:
        return any(action in ROLES[m.role].actions for m in memberships(user))
    if _is_organisation(obj):
        return holds_in(user, action, obj)
    return family_of(obj).decide(user, action, obj)


def require(user, action: str, obj=None) -> None:
    """Raise PermissionDenied, and audit the refusal, unless `can`."""
    if not can(user, action, obj):
        audit_refusal(user, action, obj)
        raise PermissionDenied


def owner_of(obj):
    """The organisation whose audit log records what happens to a record."""
    if obj is None:
        return None
    if _is_organisation(obj):
        return obj
    family = family_of(obj, strict=False)
    return family.owner_of(obj) if family is not None else getattr(obj, "organisation", None)


def record_refusal(actor, event: str, obj=None, **kwargs) -> None:
    """Write a refusal to the audit log: the one way a refusal is recorded, inside the policy
    or outside it (a service refusing a share, a referral, a request). The organisation is
    the record's owner unless given."""
    kwargs.setdefault("organisation", owner_of(obj))
    kwargs.setdefault("outcome", "refused")
    audit.record_refusal(
        actor if getattr(actor, "is_authenticated", False) else None, event, obj, **kwargs
    )


def audit_refusal(
    user, action: str, obj=None, reason: str = "not permitted", organisation=None
) -> None:
    record_refusal(
        user,
        "access.refused",
        obj,
        organisation=organisation if organisation is not None else owner_of(obj),
        detail={"action": action, "reason": reason},
    )


def refuse_404(user, action: str, obj=None, *, organisation=None, reason="not permitted"):
    """Audit the refusal and answer as for a missing record (the same 404 for both)."""
    audit_refusal(user, action, obj, reason=reason, organisation=organisation)
    raise Http404


def scope(user, queryset, action: str):
    """Restrict a queryset of any registered family to what `can(user, action, ·)` allows."""
    family = family_of(queryset.model)
    condition = family.q(user, action) if memberships(user) else None
    if condition is None:
        return _mark_scoped(queryset.none())
    return _mark_scoped(queryset.filter(condition))


def _records_condition(user, action: str, prefix: str):
    """SQL twin of `_grants(...) >= required_level(...)` for records at `prefix`."""
    base = ACTION_LEVEL.get(action, 2)
    through = _model("incidents.Incident").need_to_know.through
    incident_ref = f"{prefix}pk" if prefix else "pk"
    condition = None
    if user is not None and user.is_authenticated:
        named = (
            Q(**{f"{prefix}recorded_by": user})
            | Exists(through.objects.filter(incident_id=OuterRef(incident_ref), user_id=user.pk))
            | Exists(
                _model("sharing.BreakGlass").objects.filter(
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
    return condition


def _shared_terms(user, org, role_level: int, base: int, prefix: str, incident_ref: str) -> list:
    """SQL twin of `shared_level`: records disclosed to `org` that reach the needed level."""
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
        disclosed = (
            _model("sharing.Disclosure")
            .objects.filter(
                incident_id=OuterRef(incident_ref),
                recipient_id=org.pk,
                level__gte=need,
                **live_filter(today),
            )
            .exclude(purpose__in=FORBIDDEN)
        )
        if need >= 4:
            disclosed = disclosed.filter(recipient_user_id=user.pk)
        term = Q(**{f"{prefix}classification": classification}) & Exists(disclosed)
        if need >= 3:
            term &= _consented(need, incident_ref)
        terms.append(not_owned & term)
    return terms


def _receives_shares(user, org_id: int) -> bool:
    """Has anything been shared with this organisation (and not withdrawn)? Once per request."""
    cache = _cache.for_user(user)
    receiving = cache.get("receives")
    if receiving is None:
        # one query for every organisation of the user, not one per organisation
        org_ids = {m.organisation_id for m in memberships(user)}
        received = _model("sharing.Disclosure").objects.filter(
            recipient_id__in=org_ids, revoked_at__isnull=True
        )  # what the user's own organisations received
        receiving = cache["receives"] = set(
            _mark_scoped(received).order_by().values_list("recipient_id", flat=True).distinct()
        )
    return org_id in receiving


def _consented(level: int, incident_ref: str) -> Q:
    """SQL twin of `consent_level(incident) >= level` for levels 3 and 4."""
    Person, Consent = _model("incidents.Person"), _model("incidents.Consent")
    with unscoped():
        persons = Person.objects.filter(incident_id=OuterRef(incident_ref))
        lacking = Person.objects.filter(incident_id=OuterRef(incident_ref)).exclude(
            Exists(
                Consent.objects.filter(
                    person_id=OuterRef("pk"),
                    scope__in=CONSENT_SCOPES_FOR_LEVEL[level],
                    given=True,
                    withdrawn_at__isnull=True,
                )
            )
        )
        return Exists(persons.mark_scoped()) & ~Exists(lacking.mark_scoped())


def _mark_scoped(queryset):
    """Let a guarded queryset run (the policy's own reads); a plain manager needs no mark."""
    mark = getattr(queryset, "mark_scoped", None)
    return mark() if mark is not None else queryset


def get_or_404(user, model, public_id, action: str):
    """Fetch a record of any family by public id and check `action`; the same 404 (the
    refusal audited) for missing and forbidden."""
    family = family_of(model)
    with unscoped():
        found = model._default_manager.filter(public_id=public_id)
        if family.related:
            found = found.select_related(*family.related)
        obj = found.first()
    if obj is None:
        raise Http404
    if not can(user, action, obj):
        refuse_404(user, action, obj)
    return obj


def visible_fields(user, obj) -> set[str]:
    """Names of the fields of `obj` this user may see."""
    family = family_of(obj)
    if family.fields is None:
        raise TypeError(type(obj).__name__)
    return family.fields(user, obj)


def _record_fields(user, obj) -> set[str]:
    """visible_fields for incidents and persons."""
    is_person = family_of(obj).record_path != ""
    table = PERSON_FIELDS if is_person else INCIDENT_FIELDS
    level = clearance(user, obj)
    if is_person and not can(user, "person.view_identity", obj):
        level = min(level, 3)
    if is_person and not can(user, "person.view", obj):
        level = min(level, 2)
    return {name for name, needed in table.items() if needed <= level}


def _redact_record(user, obj, **options):
    from .redact import redact_record

    return redact_record(user, obj, **options)


def records_family(name: str, models: tuple, record_path: str, *, shows_fields=False) -> Family:
    """The family of a case record: the incident itself (`record_path` ""), or a record that
    belongs to one (a person: "incident"; a consent: "person__incident"). Its grant is the
    clearance the user holds on the incident (`_grants`, its SQL twin `_records_condition`)."""
    prefix = f"{record_path}__" if record_path else ""

    def level(user, obj, action=None):
        return _grants(user, _record_of(obj), action)

    def allows(user, action, obj):
        incident = _record_of(obj)
        return _grants(user, incident, action) >= required_level(action, incident)

    def condition(user, action, outer=""):
        return _records_condition(user, action, outer + prefix)

    family = Family(
        name=name,
        models=tuple(models),
        condition=condition,
        allows=allows,
        level=level,
        owner=lambda obj: _record_of(obj).owner,
        fields=_record_fields if shows_fields else None,
        redact=_redact_record if shows_fields else None,
    )
    family.record_path = record_path
    return family


class OnRecord(Rule):
    """The clearance rule of the case record at `path` (a disclosure's incident), for a fixed
    action: its SQL is `_records_condition` at that path, its test `can` on the record."""

    def __init__(self, path: str, action: str):
        self.path, self.action = path, action

    def q(self, user, prefix=""):
        return _records_condition(user, self.action, f"{prefix}{self.path}__")

    def test(self, user, obj):
        record = value_at(obj, self.path)
        return record is not None and can(user, self.action, record)


def redact(user, obj, **options):
    """What the user may see of a record of any family that shows fields (incidents, persons,
    referrals): hidden fields removed, coarsened or decrypted; level-3/4 reads audited."""
    family = family_of(obj)
    if family.redact is None:
        raise TypeError(f"The policy cannot redact {type(obj).__name__}")
    return family.redact(user, obj, **options)


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
    Consent, Person = _model("incidents.Consent"), _model("incidents.Person")
    Incident = _model("incidents.Incident")
    Protocol = _model("sharing.Protocol")
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
        in_areas = within_q(protocol.areas.all())
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
    Protocol = _model("sharing.Protocol")
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
