"""`services.route`: to whom a request to an organisation, on a thematic area, about an area
goes. The most specific current focal point of that organisation for that thematic area whose
coverage contains the area; ties go to the longest in office, then the first named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..models import FocalPoint
from ..services import route

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_a_cercle_focal_point_comes_before_the_region_and_the_country(org, areas, make_fp):
    national = make_fp(org, "child_protection", "National")
    region = make_fp(org, "child_protection", "Gao region", areas=[areas["ML07"]])
    cercle = make_fp(org, "child_protection", "Ansongo", areas=[areas["ML0701"]])
    assert route(org, "child_protection", areas["ML0701"]) == cercle
    assert route(org, "child_protection", areas["ML0703"]) == region  # Gao cercle: the region
    assert route(org, "child_protection", areas["ML07"]) == region
    assert route(org, "child_protection", areas["ML0601"]) == national  # Timbuktu: the country
    assert route(org, "child_protection", None) == national


def test_a_focal_point_for_other_areas_is_not_chosen(org, areas, make_fp):
    make_fp(org, "gbv", "Timbuktu", areas=[areas["ML06"]])
    make_fp(org, "gbv", "Ansongo", areas=[areas["ML0701"]])
    assert route(org, "gbv", areas["ML0703"]) is None
    assert route(org, "gbv", areas["ML07"]) is None  # a cercle does not cover its region
    assert route(org, "gbv", None) is None


def test_ended_and_future_focal_points_are_ignored(org, areas, make_fp, today):
    make_fp(org, "gbv", "Gone", areas=[areas["ML0701"]], since=today - 90 * DAY, until=today - DAY)
    make_fp(org, "gbv", "Not yet", areas=[areas["ML0701"]], since=today + DAY)
    national = make_fp(org, "gbv", "National")
    assert route(org, "gbv", areas["ML0701"]) == national
    last_day = make_fp(org, "gbv", "Last day", areas=[areas["ML0701"]], until=today)
    assert route(org, "gbv", areas["ML0701"]) == last_day


def test_the_date_asked_decides_who_was_in_office(org, areas, make_fp, today):
    before = make_fp(
        org, "gbv", "Before", areas=[areas["ML07"]], since=today - 90 * DAY, until=today - 10 * DAY
    )
    now = make_fp(org, "gbv", "Now", areas=[areas["ML07"]], since=today - 9 * DAY)
    assert route(org, "gbv", areas["ML0701"]) == now
    assert route(org, "gbv", areas["ML0701"], on=today - 20 * DAY) == before
    assert route(org, "gbv", areas["ML0701"], on=today - 100 * DAY) is None


def test_other_organisations_and_thematic_areas_are_ignored(org, other_org, areas, make_fp, theme):
    make_fp(other_org, "child_protection", "AMSS Ansongo", areas=[areas["ML0701"]])
    make_fp(org, "gbv", "DRC GBV Ansongo", areas=[areas["ML0701"]])
    assert route(org, "child_protection", areas["ML0701"]) is None
    mine = make_fp(org, "child_protection", "DRC CP Gao", areas=[areas["ML07"]])
    assert route(org, theme("child_protection"), areas["ML0701"]) == mine
    assert route(other_org, "gbv", areas["ML0701"]) is None


def test_ties_go_to_the_longest_in_office_then_the_first_named(org, areas, make_fp, today):
    later = make_fp(org, "hlp", "Later", areas=[areas["ML07"]], since=today - 5 * DAY)
    earlier = make_fp(org, "hlp", "Earlier", areas=[areas["ML07"]], since=today - 50 * DAY)
    assert route(org, "hlp", areas["ML0701"]) == earlier
    twin = make_fp(org, "hlp", "Twin", areas=[areas["ML07"]], since=today - 50 * DAY)
    assert route(org, "hlp", areas["ML0701"]) == earlier and earlier.pk < twin.pk
    assert later.pk  # still current, only less senior


def test_coverage_is_judged_for_the_area_asked_not_the_narrowest_area_listed(org, areas, make_fp):
    """A focal point for Gao region and Ansongo cercle covers a Gao-cercle request only as a
    region: a Gao-cercle focal point comes first."""
    both = make_fp(org, "poc", "Both", areas=[areas["ML07"], areas["ML0701"]])
    gao = make_fp(org, "poc", "Gao cercle", areas=[areas["ML0703"]])
    assert route(org, "poc", areas["ML0703"]) == gao
    assert route(org, "poc", areas["ML0701"]) == both


def test_nothing_to_route_without_organisation_or_thematic_area(org, areas, make_fp):
    make_fp(org, "gbv", "National")
    assert route(None, "gbv", areas["ML07"]) is None
    assert route(org, None, areas["ML07"]) is None


# --------------------------------------------------------------------------- property

POOL = ["ML07", "ML0701", "ML0703", "ML06", "ML0601", "ML01"]
TARGETS = ["ML07", "ML0701", "ML0702", "ML0703", "ML06", "ML0601", "ML0101", "ML09", None]

candidate = st.fixed_dictionaries(
    {
        "mine": st.booleans(),
        "same_theme": st.booleans(),
        "areas": st.lists(st.sampled_from(POOL), max_size=2, unique=True),
        "since": st.integers(min_value=-20, max_value=3),
        "length": st.one_of(st.none(), st.integers(min_value=0, max_value=30)),
    }
)


def _level_for(fp: FocalPoint, area) -> int | None:
    """How specifically `fp` covers `area`, computed from the P-codes themselves."""
    listed = list(fp.areas.all())
    if not listed:
        return -1
    if area is None:
        return None
    inside = [a.level for a in listed if area.pcode[: len(a.pcode)] == a.pcode]
    return max(inside) if inside else None


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(candidates=st.lists(candidate, max_size=7), target=st.sampled_from(TARGETS))
def test_the_focal_point_chosen_covers_the_area_and_none_is_more_specific(
    candidates, target, org, other_org, areas, theme
):
    today = timezone.localdate()
    area = areas[target] if target else None
    wanted, other_theme = theme("child_protection"), theme("gbv")
    with transaction.atomic():
        for c in candidates:
            since = today + c["since"] * DAY
            fp = FocalPoint.objects.create(
                organisation=org if c["mine"] else other_org,
                thematic_area=wanted if c["same_theme"] else other_theme,
                name="x",
                since=since,
                until=None if c["length"] is None else since + c["length"] * DAY,
            )
            fp.areas.set([areas[p] for p in c["areas"]])

        chosen = route(org, wanted, area)

        eligible = [
            fp
            for fp in FocalPoint.objects.filter(organisation=org, thematic_area=wanted)
            if fp.is_current(today) and fp.covers(area)
        ]
        if not eligible:
            assert chosen is None
        else:
            assert chosen is not None
            assert chosen.organisation_id == org.pk and chosen.thematic_area_id == wanted.pk
            assert chosen.is_current(today) and chosen.covers(area)
            assert chosen in FocalPoint.objects.current(today).covering(area)
            best = _level_for(chosen, area)
            for other in eligible:
                level = _level_for(other, area)
                assert level <= best, "a more specific focal point was passed over"
                if level == best:
                    assert (chosen.since, chosen.pk) <= (other.since, other.pk)
        transaction.set_rollback(True)
