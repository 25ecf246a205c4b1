"""Every write on the directory (focal points, strategy objectives and their notes, actor
profiles): actor first, atomic, audited. And `route`, which tells the requests register to whom
a request for an organisation, a thematic area and an area goes.

Who may write:
- an organisation's own focal points and profile: `focalpoint.manage` in that organisation
  (org_admin), or `directory.manage` (im_officer) for every organisation;
- strategy objectives and their questions and concerns: `directory.manage` only.
Reading needs `directory.view` (everyone): the directory holds work contacts, no case data.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.accounts.models import Membership, Organisation
from passerelle.core import audit
from passerelle.core.errors import DomainError, Refused

from .models import (
    ActorProfile,
    FocalPoint,
    Objective,
    ObjectiveComponent,
    ObjectiveNote,
    ThematicArea,
)

MISSION_TYPES = (Organisation.Type.MISSION, Organisation.Type.MISSION_COMPONENT)

FOCAL_POINT_FIELDS = (
    "organisation",
    "thematic_area",
    "user",
    "name",
    "title",
    "email",
    "phone",
    "place",
    "deputy",
    "deputy_name",
    "since",
    "until",
    "note",
)
OBJECTIVE_FIELDS = (
    "code",
    "order",
    "title_fr",
    "title_en",
    "description_fr",
    "description_en",
    "active",
)
PROFILE_FIELDS = ("role_fr", "role_en", "contact")


class DirectoryRefused(Refused):
    """A write the actor may not make (the view answers 404, as for a missing record)."""


def is_mission_side(organisation) -> bool:
    """The mission (and its components) on one side; the cluster's members on the other."""
    return organisation.type in MISSION_TYPES


# --------------------------------------------------------------------------- who may write


def may_manage_directory(user) -> bool:
    return policy.can(user, "directory.manage")


def may_manage(user, organisation) -> bool:
    """May the user name the focal points of, and describe, this organisation?"""
    if may_manage_directory(user):
        return True
    return organisation.pk in {o.pk for o in policy.organisations(user, "focalpoint.manage")}


def manageable_organisations(user):
    """The active organisations whose focal points and profile the user may manage."""
    queryset = Organisation.objects.filter(active=True)
    if may_manage_directory(user):
        return queryset
    ids = [o.pk for o in policy.organisations(user, "focalpoint.manage")]
    return queryset.filter(pk__in=ids)


def _refuse(actor, action: str, obj=None, *, organisation=None, message=None):
    policy.audit_refusal(actor, action, obj, organisation=organisation)
    raise DirectoryRefused(
        [message or _("You may not change this part of the directory.")], ["not_permitted"]
    )


def require_manage(actor, organisation, obj=None) -> None:
    """Refuse (audited) unless the actor may manage the organisation's directory entries."""
    if not may_manage(actor, organisation):
        _refuse(
            actor,
            "focalpoint.manage",
            obj,
            organisation=organisation,
            message=_("You may not manage the focal points of %(org)s.") % {"org": organisation},
        )


def require_manage_directory(actor, obj=None) -> None:
    if not may_manage_directory(actor):
        _refuse(
            actor,
            "directory.manage",
            obj,
            message=_("Only those who maintain the whole directory may change the objectives."),
        )


# --------------------------------------------------------------------------- focal points


def _is_active_member(user, organisation) -> bool:
    return (
        user.is_active
        and Membership.objects.filter(
            user=user, organisation=organisation, active=True, organisation__active=True
        ).exists()
    )


def _check_focal_point(fp: FocalPoint) -> None:
    """The rules a focal point follows, whoever names it."""
    organisation = fp.organisation
    if not organisation.active:
        raise DomainError(
            _("%(org)s is no longer active: it cannot name focal points.") % {"org": organisation},
            field="organisation",
        )
    if not (fp.name or "").strip():
        raise DomainError(_("Give the focal point's name."), field="name")
    if fp.since is None:
        raise DomainError(_("Give the date from which the person is focal point."), field="since")
    if fp.until is not None and fp.until < fp.since:
        raise DomainError(_("The end date cannot be before the start date."), field="until")
    for field in ("user", "deputy"):
        account = getattr(fp, field)
        if account is not None and not _is_active_member(account, organisation):
            raise DomainError(
                _("%(user)s is not an active member of %(org)s.")
                % {"user": account.display_name, "org": organisation},
                field=field,
            )
    if fp.deputy_id and fp.deputy_id == fp.user_id:
        raise DomainError(
            _("The deputy must be someone other than the focal point."), field="deputy"
        )
    if fp.deputy_name.strip() and fp.deputy_name.strip().casefold() == fp.name.strip().casefold():
        raise DomainError(
            _("The deputy must be someone other than the focal point."), field="deputy_name"
        )
    if fp.place is not None and fp.place.level == 0:
        raise DomainError(_("Choose a town, cercle or region as duty station."), field="place")


def _focal_point_detail(fp: FocalPoint, areas) -> dict:
    """What the audit log keeps of a focal point: no names, no contacts."""
    return {
        "thematic_area": fp.thematic_area.code,
        "areas": sorted(a.pcode for a in areas),
        "since": fp.since,
        "until": fp.until,
        "has_account": fp.user_id is not None,
    }


@audit.service
def save_focal_point(actor, focal_point: FocalPoint | None, *, fields: dict, areas) -> FocalPoint:
    """Name a focal point (focal_point None) or change one. `fields` holds values of
    FOCAL_POINT_FIELDS (all of organisation, thematic_area, name and since for a new one);
    `areas` the areas covered (empty: the whole country)."""
    unknown = set(fields) - set(FOCAL_POINT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown focal point fields: {sorted(unknown)}")
    areas = list(areas or [])
    created = focal_point is None
    if not created:
        require_manage(actor, focal_point.organisation, focal_point)
    organisation = fields.get("organisation") or (None if created else focal_point.organisation)
    if organisation is None:
        raise DomainError(_("Choose the organisation."), field="organisation")
    require_manage(actor, organisation, focal_point)
    if created:
        focal_point = FocalPoint()
        if fields.get("thematic_area") is None:
            raise DomainError(_("Choose the thematic area."), field="thematic_area")
    for name, value in fields.items():
        if name in ("title", "email", "phone", "deputy_name", "note", "name"):
            value = (value or "").strip()
        setattr(focal_point, name, value)
    _check_focal_point(focal_point)
    focal_point.save()
    focal_point.areas.set(areas)
    audit.record(
        actor,
        "focalpoint.create" if created else "focalpoint.update",
        focal_point,
        organisation=focal_point.organisation,
        detail=_focal_point_detail(focal_point, areas),
    )
    return focal_point


@audit.service
def end_focal_point(actor, focal_point: FocalPoint, *, until: dt.date) -> FocalPoint:
    """The person stops being focal point after `until` (kept in the directory's history)."""
    require_manage(actor, focal_point.organisation, focal_point)
    if until is None:
        raise DomainError(_("Give the last day as focal point."), field="until")
    if until < focal_point.since:
        raise DomainError(_("The end date cannot be before the start date."), field="until")
    focal_point.until = until
    focal_point.save(update_fields=["until", "updated_at"])
    audit.record(
        actor,
        "focalpoint.end",
        focal_point,
        organisation=focal_point.organisation,
        detail={"thematic_area": focal_point.thematic_area.code, "until": until},
    )
    return focal_point


# --------------------------------------------------------------------------- routing


def coverage_level(focal_point: FocalPoint, area) -> int | None:
    """How specifically the focal point covers the area: the deepest level among its areas
    that contain the area (-1: it covers the whole country, listing no area); None when it
    does not cover the area. Without an area, only a focal point listing no area covers it
    (as `FocalPoint.covers`). Reads the focal point's (prefetched) areas."""
    listed = list(focal_point.areas.all())
    if not listed:
        return -1
    if area is None:
        return None
    levels = [a.level for a in listed if area.pcode.startswith(a.pcode)]
    return max(levels) if levels else None


def route(addressee_org, thematic_area, area, on: dt.date | None = None) -> FocalPoint | None:
    """The focal point to whom a request to `addressee_org` on `thematic_area` (a
    ThematicArea or its code) about `area` goes: among the organisation's focal points for
    that thematic area in office on `on` (default today) whose coverage contains the area,
    the most specific (a cercle before its region, a region before the whole country), then
    the longest in office, then the first named. None when there is none."""
    if addressee_org is None or thematic_area is None:
        return None
    on = on or timezone.localdate()
    candidates = FocalPoint.objects.current(on).filter(organisation=addressee_org)
    if isinstance(thematic_area, ThematicArea):
        candidates = candidates.filter(thematic_area=thematic_area)
    else:
        candidates = candidates.filter(thematic_area__code=thematic_area)
    best, best_key = None, None
    for focal_point in candidates.prefetch_related("areas"):
        level = coverage_level(focal_point, area)
        if level is None:
            continue
        key = (-level, focal_point.since, focal_point.pk)
        if best_key is None or key < best_key:
            best, best_key = focal_point, key
    return best


# --------------------------------------------------------------------------- objectives


def _check_components(components: list[dict]) -> list[dict]:
    seen, clean = set(), []
    relevances = set(ObjectiveComponent.Relevance.values)
    for row in components:
        organisation = row.get("organisation")
        if organisation is None:
            continue
        if organisation.pk in seen:
            raise DomainError(
                _("%(org)s is listed twice among the relevant components.") % {"org": organisation},
                field="components",
            )
        relevance = row.get("relevance") or ObjectiveComponent.Relevance.DIRECT
        if relevance not in relevances:
            raise DomainError(_("Choose direct or indirect relevance."), field="components")
        seen.add(organisation.pk)
        clean.append(
            {
                "organisation": organisation,
                "relevance": relevance,
                "activities": (row.get("activities") or "").strip(),
            }
        )
    return clean


@audit.service
def save_objective(
    actor, objective: Objective | None, *, fields: dict, thematic_areas, components
) -> Objective:
    """Create or change a strategy objective, its thematic areas and the components relevant
    to it (`components`: dicts of organisation, relevance and activities; the list replaces
    the objective's components)."""
    require_manage_directory(actor, objective)
    unknown = set(fields) - set(OBJECTIVE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown objective fields: {sorted(unknown)}")
    created = objective is None
    objective = objective or Objective()
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(objective, name, value)
    if not objective.code:
        raise DomainError(_("Give the objective a code."), field="code")
    if Objective.objects.filter(code=objective.code).exclude(pk=objective.pk).exists():
        raise DomainError(
            _("Another objective already has the code %(code)s.") % {"code": objective.code},
            field="code",
        )
    if not (objective.title_fr or objective.title_en):
        raise DomainError(_("Give a title in French or in English."), field="title_fr")
    rows = _check_components(list(components or []))
    objective.save()
    objective.thematic_areas.set(list(thematic_areas or []))
    keep = [row["organisation"].pk for row in rows]
    objective.components.exclude(organisation_id__in=keep).delete()
    for row in rows:
        ObjectiveComponent.objects.update_or_create(
            objective=objective,
            organisation=row["organisation"],
            defaults={"relevance": row["relevance"], "activities": row["activities"]},
        )
    audit.record(
        actor,
        "objective.create" if created else "objective.update",
        objective,
        organisation=audit.home_organisation(actor),
        detail={
            "code": objective.code,
            "active": objective.active,
            "thematic_areas": sorted(t.code for t in objective.thematic_areas.all()),
            "components": sorted(row["organisation"].acronym for row in rows),
        },
    )
    return objective


@audit.service
def add_objective_note(actor, objective: Objective, *, kind: str, text: str) -> ObjectiveNote:
    """Add an open question for the mission, or a concern, under an objective."""
    require_manage_directory(actor, objective)
    if kind not in ObjectiveNote.Kind.values:
        raise DomainError(_("Choose an open question or a concern."), field="kind")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the question or concern."), field="text")
    note = ObjectiveNote.objects.create(
        objective=objective, kind=kind, text=text, added_on=timezone.localdate()
    )
    audit.record(
        actor,
        "objective.note_add",
        objective,
        organisation=audit.home_organisation(actor),
        detail={"note": note.pk, "kind": kind},
    )
    return note


@audit.service
def resolve_objective_note(actor, note: ObjectiveNote, *, resolved: bool = True) -> ObjectiveNote:
    """Mark a question answered or a concern dealt with (or open it again)."""
    require_manage_directory(actor, note.objective)
    if note.resolved != resolved:
        note.resolved = resolved
        note.save(update_fields=["resolved"])
    audit.record(
        actor,
        "objective.note_resolve" if resolved else "objective.note_reopen",
        note.objective,
        organisation=audit.home_organisation(actor),
        detail={"note": note.pk, "kind": note.kind},
    )
    return note


# --------------------------------------------------------------------------- profiles


@audit.service
def save_profile(actor, organisation, *, fields: dict, thematic_areas, areas) -> ActorProfile:
    """Describe what an organisation does in protection (its role, in French and English),
    its thematic areas and where it works."""
    require_manage(actor, organisation)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
    profile, created = ActorProfile.objects.get_or_create(organisation=organisation)
    for name, value in fields.items():
        setattr(profile, name, (value or "").strip())
    profile.save()
    profile.thematic_areas.set(list(thematic_areas or []))
    profile.areas.set(list(areas or []))
    audit.record(
        actor,
        "actorprofile.create" if created else "actorprofile.update",
        profile,
        organisation=organisation,
        detail={
            "thematic_areas": sorted(t.code for t in profile.thematic_areas.all()),
            "areas": sorted(a.pcode for a in profile.areas.all()),
        },
    )
    return profile
