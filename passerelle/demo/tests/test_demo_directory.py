"""The demo directory (passerelle.demo.directory): focal points on both sides, strategy
objectives with their components and notes, actor profiles; idempotent and fictional."""

import datetime as dt

import pytest
from django.utils import timezone

from passerelle.demo import clock, directory, loader
from passerelle.demo.directory_data import FOCAL_POINTS, OBJECTIVES, PROFILES
from passerelle.demo.names import PUBLIC_FIGURES, normalise
from passerelle.demo.tests.test_load_demo import _uses_annex_name
from passerelle.directory.models import (
    ActorProfile,
    FocalPoint,
    Objective,
    ObjectiveComponent,
    ObjectiveNote,
)
from passerelle.directory.services import is_mission_side


@pytest.fixture
def world(db):
    """Demo areas, organisations and users (without incidents), as the demo loader makes them."""
    loader.load_areas_if_needed()
    result = loader.Result()
    orgs = loader.load_organisations(result)
    users = loader.load_users(orgs, result)
    return orgs, users


@pytest.fixture
def loaded(world):
    return directory.load_directory(*world)


def _snapshot() -> dict:
    return {
        "focal_points": sorted(
            FocalPoint.objects.values_list("organisation__acronym", "name", "updated_at")
        ),
        "fp_areas": FocalPoint.areas.through.objects.count(),
        "objectives": sorted(Objective.objects.values_list("code", "updated_at")),
        "components": ObjectiveComponent.objects.count(),
        "notes": ObjectiveNote.objects.count(),
        "profiles": sorted(ActorProfile.objects.values_list("organisation__acronym", "updated_at")),
    }


def test_loading_twice_creates_nothing(world):
    first = directory.load_directory(*world)
    assert first["focal_points"] == len(FOCAL_POINTS)
    assert first["objectives"] == len(OBJECTIVES)
    assert first["profiles"] == len(PROFILES)
    before = _snapshot()

    second = directory.load_directory(*world)
    assert _snapshot() == before
    assert {k: v for k, v in second.items() if k != "seconds"} == dict.fromkeys(
        ("focal_points", "objectives", "components", "notes", "profiles"), 0
    )
    assert first["seconds"] < 2 and second["seconds"] < 2


def test_counts(loaded):
    assert 28 <= FocalPoint.objects.count() <= 36
    assert 5 <= Objective.objects.count() <= 6
    assert ActorProfile.objects.count() >= 16
    for objective in Objective.objects.prefetch_related("components", "notes", "thematic_areas"):
        assert objective.thematic_areas.exists(), objective.code
        assert objective.title_fr and objective.title_en
        assert objective.components.filter(relevance="direct").exists(), objective.code
        notes = list(objective.notes.all())
        open_questions = [n for n in notes if n.kind == "question" and not n.resolved]
        concerns = [n for n in notes if n.kind == "concern"]
        assert 2 <= len(open_questions) <= 3, objective.code
        assert 1 <= len(concerns) <= 2, objective.code
        assert sum(n.resolved for n in notes) == 1, objective.code
    for profile in ActorProfile.objects.prefetch_related("thematic_areas"):
        assert profile.role_fr and profile.role_en
        assert profile.thematic_areas.exists(), profile.organisation.acronym


@pytest.mark.parametrize("theme", ["child_protection", "gbv", "human_rights"])
def test_both_sides_have_a_current_focal_point(loaded, theme):
    current = FocalPoint.objects.current().filter(thematic_area__code=theme)
    sides = {is_mission_side(fp.organisation) for fp in current.select_related("organisation")}
    assert sides == {True, False}


def test_past_focal_points_were_replaced(loaded):
    past = FocalPoint.objects.filter(until__isnull=False)
    assert past.count() >= 2
    today = timezone.localdate()
    for fp in past:
        assert clock.shift(dt.date(2013, 1, 1)) <= fp.until <= clock.shift(dt.date(2013, 12, 31))
        assert not fp.is_current()
        successors = FocalPoint.objects.current(today).filter(
            organisation=fp.organisation, thematic_area=fp.thematic_area, since__gt=fp.until
        )
        assert successors.exists(), fp.name


def test_coverage_mixes_national_regional_and_cercle(loaded):
    levels = {fp.specificity() for fp in FocalPoint.objects.prefetch_related("areas")}
    assert {-1, 1, 2} <= levels  # the whole country, regions, cercles
    stations = set(FocalPoint.objects.values_list("place__pcode", flat=True))
    assert {"ML0901", "ML0506", "ML0703", "ML0605"} <= stations
    # a cercle of Gao finds the CPA field adviser and the national CPA focal point
    from passerelle.geography.models import Area

    bourem = Area.objects.get(pcode="ML0702")
    names = set(
        FocalPoint.objects.current()
        .filter(thematic_area__code="child_protection", organisation__acronym="MINUSMA-CPA")
        .covering(bourem)
        .values_list("name", flat=True)
    )
    assert names == {"Oumar Dicko", "Claire Ndiaye"}


def test_accounts_belong_to_the_focal_points_organisation(loaded, world):
    _orgs, users = world
    linked = FocalPoint.objects.exclude(user=None).select_related("user", "organisation")
    assert linked.count() >= 10
    for fp in linked:
        assert fp.name == fp.user.get_full_name()
        assert fp.user.memberships.filter(organisation=fp.organisation, active=True).exists()
    for fp in FocalPoint.objects.exclude(deputy=None).select_related("deputy"):
        assert fp.deputy_id != fp.user_id
        assert fp.deputy.memberships.filter(organisation=fp.organisation).exists()
    cpa = FocalPoint.objects.get(user=users["cpa.focal_point"])
    assert cpa.thematic_area.code == "child_protection" and cpa.areas.count() == 0


def test_names_are_fictional(loaded):
    refused = {normalise(n) for n in PUBLIC_FIGURES}
    for fp in FocalPoint.objects.all():
        for name in (fp.name, fp.deputy_name):
            assert not _uses_annex_name(name), name
            assert normalise(name) not in refused, name
            assert "traore" not in normalise(name), name
        assert fp.email.endswith(".invalid")


def test_dates_are_of_the_demo_period(loaded):
    for fp in FocalPoint.objects.all():
        # the story's 2013, in the present (demo/clock.py)
        assert clock.shift(dt.date(2013, 1, 1)) <= fp.since <= clock.shift(dt.date(2013, 12, 31))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_demo_points_d_entree_print_in_both_languages(loaded, world, client_for, language):
    """The issue's bar: with the demo directory, the points d'entrée PDF renders in French
    and in English, with every objective and the focal points of both sides."""
    from django.urls import reverse

    from passerelle.directory.tests.pdftext import pdf_text

    _orgs, users = world
    response = client_for(users["unhcr.focal_point"], language="fr").get(
        reverse("directory:entry_points") + f"?format=pdf&lang={language}"
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = " ".join(pdf_text(response.content).split())
    for objective in OBJECTIVES:
        words = objective[f"title_{language}"].split()[:4]
        assert " ".join(words) in text, objective["code"]
    other = "en" if language == "fr" else "fr"
    assert OBJECTIVES[0][f"title_{other}"] not in text
    points = FocalPoint.objects.current().filter(
        organisation__acronym__in=["MINUSMA-CPA", "UNICEF"], areas__isnull=True
    )
    assert len(points) >= 2
    for point in points:
        assert point.name in text
