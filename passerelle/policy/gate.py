"""The policy gate: every decision about who may see or do what on a record.

Public functions (re-exported by `passerelle.policy`):
    can(user, action, obj=None)         -> bool
    require(user, action, obj=None)     -> None or raises PermissionDenied (audited)
    scope(user, queryset, action)       -> the queryset restricted to what `can` allows
    get_or_404(user, Model, public_id, action) -> object, or Http404 for missing and forbidden
    clearance(user, obj)                -> the level the user holds on the record
    visible_fields(user, obj)           -> names of fields the user may see
    redact(user, obj)                   -> a read-only view with hidden fields removed

Today a user's clearance comes from their memberships in the record's owning
organisation. Protocols with other organisations add grants in `_grants`
without changing any caller.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from passerelle.core import audit
from passerelle.core.guard import unscoped

from .fields import INCIDENT_FIELDS, PERSON_FIELDS
from .roles import ACTION_LEVEL, CLASSIFICATION_INDEPENDENT, ROLES

_CACHE_ATTR = "_passerelle_memberships"


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
    """Drop cached memberships (after they change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


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
    raise TypeError(f"The policy does not know records of type {type(obj).__name__}")


def _is_named(user, incident) -> bool:
    if incident.recorded_by_id == user.pk:
        return True
    prefetched = getattr(incident, "_prefetched_objects_cache", {}).get("need_to_know")
    if prefetched is not None:  # lists prefetch it: no query per row
        return any(named.pk == user.pk for named in prefetched)
    with unscoped():
        return incident.need_to_know.filter(pk=user.pk).exists()


def _grants(user, incident, action: str | None) -> int:
    """Levels granted to the user on an incident, from every source (today: own organisation)."""
    level = _org_level(user, incident.owner_id, action)
    if level >= 4 and not _is_named(user, incident):
        level = 3  # identities only for the named people who need to know
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

    model = queryset.model
    prefix = {Incident: "", Person: "incident__", Consent: "person__incident__"}.get(model)
    if prefix is None:
        raise TypeError(f"The policy cannot scope {model.__name__}")
    base = ACTION_LEVEL.get(action, 2)
    through = Incident.need_to_know.through
    condition = None
    if user is not None and user.is_authenticated:
        named = Q(**{f"{prefix}recorded_by": user}) | Exists(
            through.objects.filter(
                incident_id=OuterRef(f"{prefix}pk" if prefix else "pk"), user_id=user.pk
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
            for term in terms:
                condition = term if condition is None else condition | term
    if condition is None:
        return _mark_scoped(queryset.none())
    return _mark_scoped(queryset.filter(condition))


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
