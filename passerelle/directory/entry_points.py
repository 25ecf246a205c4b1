"""The "points d'entrée" document: who to go to for what, objective by objective.

`build()` returns plain data (dicts, lists, strings, dates) that the template renders, in the
language active when it is called (bilingual names and titles follow it): call it inside
`translation.override(language)`.

For each active strategy objective (in order): its thematic areas, and for each one the
current focal points "in the mission" (organisations of type mission or mission component)
and "in the cluster" (every other organisation); then the components relevant to the
objective, directly or indirectly, with their activities; then the open questions and
concerns (resolved ones are left out). Thematic areas with focal points but under no
active objective follow, then the annex "Who does what": each organisation's role.

An area narrows the document to the focal points and actors concerned by it: those whose
coverage contains the area (the whole country always does; a region filter keeps the
national ones) or lies within it (a cercle's focal point under its region).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from passerelle.accounts.models import Organisation

from .models import ActorProfile, FocalPoint, Objective, ObjectiveComponent, ThematicArea
from .services import is_mission_side

MISSION, CLUSTER = "mission", "cluster"


def concerns(listed, area) -> bool:
    """Do areas listed (none: the whole country) contain the area or lie within it?"""
    if area is None or not listed:
        return True
    return any(area.pcode.startswith(a.pcode) or a.pcode.startswith(area.pcode) for a in listed)


def side(organisation) -> str:
    return MISSION if is_mission_side(organisation) else CLUSTER


def current_focal_points(*, area=None, on: dt.date | None = None) -> list[FocalPoint]:
    """Focal points in office on `on` (default today) of active organisations, concerned by
    the area when one is given."""
    found = (
        FocalPoint.objects.current(on)
        .filter(organisation__active=True)
        .select_related("organisation", "thematic_area", "place", "deputy")
        .prefetch_related("areas")
        .order_by("thematic_area__order", "organisation__acronym", "name", "pk")
    )
    return [fp for fp in found if concerns(list(fp.areas.all()), area)]


def deputy_of(fp: FocalPoint) -> str:
    if fp.deputy_name:
        return fp.deputy_name
    return fp.deputy.display_name if fp.deputy_id else ""


def focal_point_row(fp: FocalPoint) -> dict:
    return {
        "public_id": fp.public_id,
        "name": fp.name,
        "title": fp.title,
        "organisation": fp.organisation.acronym,
        "organisation_name": fp.organisation.display_name,
        "side": side(fp.organisation),
        "thematic_area": fp.thematic_area.name,
        "email": fp.email,
        "phone": fp.phone,
        "duty_station": fp.place.name if fp.place_id else "",
        "areas": [a.name for a in sorted(fp.areas.all(), key=lambda a: a.pcode)],
        "deputy": deputy_of(fp),
        "since": fp.since,
        "until": fp.until,
        "note": fp.note,
    }


def theme_sections(themes, focal_points: list[FocalPoint]) -> list[dict]:
    """For each thematic area, its focal points in the mission and in the cluster."""
    by_theme: dict[int, dict[str, list]] = {}
    for fp in focal_points:
        rows = by_theme.setdefault(fp.thematic_area_id, {MISSION: [], CLUSTER: []})
        rows[side(fp.organisation)].append(focal_point_row(fp))
    sections = []
    for theme in themes:
        rows = by_theme.get(theme.pk, {MISSION: [], CLUSTER: []})
        sections.append(
            {
                "code": theme.code,
                "name": theme.name,
                "description": theme.description,
                "mission": rows[MISSION],
                "cluster": rows[CLUSTER],
            }
        )
    return sections


def component_row(component: ObjectiveComponent) -> dict:
    organisation = component.organisation
    return {
        "organisation": organisation.acronym,
        "organisation_name": organisation.display_name,
        "side": side(organisation),
        "relevance": component.relevance,
        "activities": component.activities,
    }


def objective_section(objective: Objective, focal_points: list[FocalPoint]) -> dict:
    """An objective with its thematic areas' focal points, components and open notes (uses
    prefetched thematic_areas, components and notes)."""
    themes = sorted(objective.thematic_areas.all(), key=lambda t: (t.order, t.code))
    components = sorted(
        objective.components.all(), key=lambda c: (c.relevance, c.organisation.acronym)
    )
    notes = [n for n in objective.notes.all() if not n.resolved]
    return {
        "public_id": objective.public_id,
        "code": objective.code,
        "title": objective.title,
        "description": objective.description,
        "themes": theme_sections(themes, focal_points),
        "direct": [component_row(c) for c in components if c.relevance == "direct"],
        "indirect": [component_row(c) for c in components if c.relevance == "indirect"],
        "questions": [n.text for n in notes if n.kind == "question"],
        "concerns": [n.text for n in notes if n.kind == "concern"],
    }


def actor_row(organisation, profile: ActorProfile | None) -> dict:
    return {
        "acronym": organisation.acronym,
        "name": organisation.display_name,
        "type": organisation.get_type_display(),
        "side": side(organisation),
        "role": profile.role if profile else "",
        "thematic_areas": [t.name for t in profile.thematic_areas.all()] if profile else [],
        "areas": [a.name for a in sorted(profile.areas.all(), key=lambda a: a.pcode)]
        if profile
        else [],
        "contact": profile.contact if profile else "",
        "has_profile": profile is not None,
    }


def annex(*, area, focal_points: list[FocalPoint], component_org_ids: set[int]) -> dict:
    """Who does what: the organisations that described their role, name focal points or are
    relevant to an objective; the mission's side first."""
    profiles = {
        p.organisation_id: p
        for p in ActorProfile.objects.prefetch_related("thematic_areas", "areas")
    }
    with_focal_points = {fp.organisation_id for fp in focal_points}
    rows = {MISSION: [], CLUSTER: []}
    for organisation in Organisation.objects.filter(active=True).order_by("acronym"):
        profile = profiles.get(organisation.pk)
        involved = organisation.pk in with_focal_points or organisation.pk in component_org_ids
        if profile is None and not involved:
            continue
        if profile is not None and not involved and not concerns(list(profile.areas.all()), area):
            continue
        rows[side(organisation)].append(actor_row(organisation, profile))
    return rows


def build(*, area=None, on: dt.date | None = None) -> dict:
    """The whole document (see the module's docstring)."""
    on = on or timezone.localdate()
    focal_points = current_focal_points(area=area, on=on)
    objectives = list(
        Objective.objects.filter(active=True)
        .order_by("order", "code")
        .prefetch_related("thematic_areas", "components__organisation", "notes")
    )
    sections = [objective_section(o, focal_points) for o in objectives]
    in_objectives = {t.pk for o in objectives for t in o.thematic_areas.all()}
    with_focal_points = {fp.thematic_area_id for fp in focal_points}
    others = theme_sections(
        [
            t
            for t in ThematicArea.objects.all()
            if t.pk in with_focal_points and t.pk not in in_objectives
        ],
        focal_points,
    )
    component_orgs = {c.organisation_id for o in objectives for c in o.components.all()}
    return {
        "on": on,
        "area": area.name if area is not None else "",
        "area_pcode": area.pcode if area is not None else "",
        "objectives": sections,
        "other_themes": others,
        "annex": annex(area=area, focal_points=focal_points, component_org_ids=component_orgs),
        "focal_point_count": len(focal_points),
    }
