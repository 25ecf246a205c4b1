"""The demo directory: focal points of the mission and of the cluster, the objectives of the
Protection Cluster's 2013 strategy (relevant mission components, open questions, concerns) and
actor profiles — the "points d'entrée" of the joint protection mission report.

Rows are written with the models directly (directory data, no case data): each is matched on
its natural key (a focal point by organisation, thematic area and name; an objective by code;
a profile by organisation) and created only when missing, so loading twice creates nothing and
never overwrites what a demo user changed in between. Existing rows are read in one query per
model and new ones inserted in bulk. Texts are in `directory_data`.
"""

from __future__ import annotations

import random
import time

from django.db import transaction

from passerelle.directory.models import (
    ActorProfile,
    FocalPoint,
    Objective,
    ObjectiveComponent,
    ObjectiveNote,
    ThematicArea,
)
from passerelle.directory.thematic_areas import sync_thematic_areas
from passerelle.geography.models import Area

from . import clock
from .directory_data import FOCAL_POINTS, OBJECTIVES, PROFILES
from .names import normalise

SEED = 2013 + 7
EMAIL_DOMAIN = "demo.passerelle.invalid"


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(["66", "76", "79", "65"])
    return f"+223 {prefix} " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(3))


def _email(name: str) -> str:
    return ".".join(normalise(name).split()[:3]) + "@" + EMAIL_DOMAIN


def load_focal_points(orgs, users, themes, areas, rng) -> int:
    existing = set(
        FocalPoint.objects.filter(organisation__in=list(orgs.values())).values_list(
            "organisation_id", "thematic_area_id", "name"
        )
    )
    new, coverage = [], []
    for row in FOCAL_POINTS:
        user = users[row["user"]] if row.get("user") else None
        name = row.get("name") or user.get_full_name()
        phone = _phone(rng)  # drawn for every row: the same numbers whatever exists
        org, theme = orgs[row["org"]], themes[row["theme"]]
        if (org.pk, theme.pk, name) in existing:
            continue
        new.append(
            FocalPoint(
                organisation=org,
                thematic_area=theme,
                name=name,
                user=user,
                title=row.get("title", ""),
                email=user.email if user else _email(name),
                phone=phone,
                place=areas[row["place"]] if row.get("place") else None,
                deputy=users[row["deputy"]] if row.get("deputy") else None,
                deputy_name=row.get("deputy_name", ""),
                since=clock.shift(row["since"]),  # the story's dates, in the present
                until=clock.shift(row["until"]) if row.get("until") else None,
                note=row.get("note", ""),
            )
        )
        coverage.append(row.get("areas", []))
    FocalPoint.objects.bulk_create(new)
    _link(FocalPoint.areas.through, "focalpoint", "area", new, coverage, areas)
    return len(new)


def _link(through, left: str, right: str, objects, keys, lookup) -> None:
    """Fill a many-to-many table for objects just created (primary keys set by bulk_create)."""
    through.objects.bulk_create(
        through(**{f"{left}_id": obj.pk, f"{right}_id": lookup[key].pk})
        for obj, listed in zip(objects, keys, strict=True)
        for key in listed
    )


def load_objectives(orgs, themes) -> dict:
    done = {"objectives": 0, "components": 0, "notes": 0}
    objectives = {
        o.code: o for o in Objective.objects.filter(code__in=[r["code"] for r in OBJECTIVES])
    }
    new_objectives = []
    for order, row in enumerate(OBJECTIVES, start=1):
        if row["code"] not in objectives:
            objective = Objective(
                code=row["code"],
                order=order,
                title_fr=row["title_fr"],
                title_en=row["title_en"],
                description_fr=row["description_fr"],
                description_en=row["description_en"],
            )
            new_objectives.append(objective)
            objectives[row["code"]] = objective
    Objective.objects.bulk_create(new_objectives)
    themed = {r["code"]: r["themes"] for r in OBJECTIVES}
    _link(
        Objective.thematic_areas.through,
        "objective",
        "thematicarea",
        new_objectives,
        [themed[o.code] for o in new_objectives],
        themes,
    )
    done["objectives"] = len(new_objectives)
    ids = [o.pk for o in objectives.values()]
    components = set(
        ObjectiveComponent.objects.filter(objective_id__in=ids).values_list(
            "objective_id", "organisation_id"
        )
    )
    noted = set(
        ObjectiveNote.objects.filter(objective_id__in=ids).values_list("objective_id", "text")
    )
    new_components, new_notes = [], []
    for row in OBJECTIVES:
        objective = objectives[row["code"]]
        for acronym, relevance, activities in row["components"]:
            if (objective.pk, orgs[acronym].pk) not in components:
                new_components.append(
                    ObjectiveComponent(
                        objective=objective,
                        organisation=orgs[acronym],
                        relevance=relevance,
                        activities=activities,
                    )
                )
        for kind, text, resolved, added_on in row["notes"]:
            if (objective.pk, text) not in noted:
                new_notes.append(
                    ObjectiveNote(
                        objective=objective,
                        kind=kind,
                        text=text,
                        resolved=resolved,
                        added_on=clock.shift(added_on),
                    )
                )
    ObjectiveComponent.objects.bulk_create(new_components)
    ObjectiveNote.objects.bulk_create(new_notes)
    done["components"], done["notes"] = len(new_components), len(new_notes)
    return done


def load_profiles(orgs, themes, areas) -> int:
    existing = set(
        ActorProfile.objects.filter(organisation__in=list(orgs.values())).values_list(
            "organisation_id", flat=True
        )
    )
    new, codes, pcodes = [], [], []
    for acronym, (role_fr, role_en, themed, where) in PROFILES.items():
        if orgs[acronym].pk in existing:
            continue
        new.append(
            ActorProfile(
                organisation=orgs[acronym],
                role_fr=role_fr,
                role_en=role_en,
                contact=f"protection.{acronym.lower()}@{EMAIL_DOMAIN}",
            )
        )
        codes.append(themed)
        pcodes.append(where)
    ActorProfile.objects.bulk_create(new)
    through = ActorProfile.thematic_areas.through
    _link(through, "actorprofile", "thematicarea", new, codes, themes)
    _link(ActorProfile.areas.through, "actorprofile", "area", new, pcodes, areas)
    return len(new)


def load_directory(orgs, users, seed: int = SEED) -> dict:
    """Focal points, strategy objectives and actor profiles of the demo (idempotent); returns
    the counts of rows created and the time taken."""
    start = time.perf_counter()
    rng = random.Random(seed)
    sync_thematic_areas(ThematicArea)  # a flushed database (transactional tests) lost them
    themes = {t.code: t for t in ThematicArea.objects.all()}
    areas = {a.pcode: a for a in Area.objects.filter(pcode__startswith="ML").only("id", "pcode")}
    with transaction.atomic():
        result = {"focal_points": load_focal_points(orgs, users, themes, areas, rng)}
        result.update(load_objectives(orgs, themes))
        result["profiles"] = load_profiles(orgs, themes, areas)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result
