"""The mapping of trainings: the duplicate rule, its properties, and the write services."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passerelle.coordination import trainings
from passerelle.coordination.models import Training
from passerelle.core.errors import DomainError
from passerelle.core.models import AuditEvent
from passerelle.geography.models import Area

from .training_fixtures import make_training

D = dt.date


def unsaved(pk, pcode, start, days=1, *, topic="poc", audience="mission_military", end=None):
    """A training not written to the database: the duplicate rule reads only its fields."""
    return Training(
        pk=pk,
        topic=topic,
        audience=audience,
        area=Area(pcode=pcode, level=len(pcode) // 2 - 1),
        starts_on=start,
        ends_on=end or start + dt.timedelta(days=days - 1),
    )


def pairs(items, window=0):
    return {(a.pk, b.pk) for a, b in trainings.likely_duplicates(items, window_days=window)}


# --------------------------------------------------------------------------- the rule, by case


def test_same_cercle_overlapping_periods_are_flagged():
    a = unsaved(1, "ML0506", D(2013, 9, 2), 3)
    b = unsaved(2, "ML0506", D(2013, 9, 4), 2)
    assert pairs([a, b]) == {(1, 2)}


def test_a_region_training_overlaps_a_training_in_one_of_its_cercles():
    region = unsaved(1, "ML05", D(2013, 9, 2), 5)
    cercle = unsaved(2, "ML0501", D(2013, 9, 3))
    assert pairs([cercle, region]) == {(1, 2)}


def test_a_national_training_overlaps_every_area():
    national = unsaved(1, "ML", D(2013, 9, 1), 10)
    gao = unsaved(2, "ML0703", D(2013, 9, 5))
    assert pairs([national, gao]) == {(1, 2)}


def test_two_different_cercles_are_not_duplicates():
    assert (
        pairs([unsaved(1, "ML0501", D(2013, 9, 2)), unsaved(2, "ML0502", D(2013, 9, 2))]) == set()
    )


def test_a_cercle_of_another_region_is_not_contained():
    assert (
        pairs([unsaved(1, "ML05", D(2013, 9, 2), 5), unsaved(2, "ML0703", D(2013, 9, 3))]) == set()
    )


@pytest.mark.parametrize(
    "changes",
    [{"topic": "ihl"}, {"audience": "mission_police"}],
    ids=["another topic", "another audience"],
)
def test_another_topic_or_audience_is_not_a_duplicate(changes):
    a = unsaved(1, "ML0506", D(2013, 9, 2), 3)
    b = unsaved(2, "ML0506", D(2013, 9, 2), 3, **changes)
    assert pairs([a, b]) == set()


def test_adjacent_periods_do_not_overlap_unless_a_window_is_given():
    a = unsaved(1, "ML0506", D(2013, 9, 2), 3)  # 2 to 4 September
    b = unsaved(2, "ML0506", D(2013, 9, 5), 2)  # 5 to 6 September
    assert pairs([a, b]) == set()
    assert pairs([a, b], window=1) == {(1, 2)}


def test_the_window_reaches_that_many_days_and_no_more():
    a = unsaved(1, "ML0506", D(2013, 9, 2))
    b = unsaved(2, "ML0506", D(2013, 9, 12))
    assert pairs([a, b], window=9) == set()
    assert pairs([a, b], window=10) == {(1, 2)}


def test_same_day_trainings_touch():
    assert pairs([unsaved(1, "ML0506", D(2013, 9, 2)), unsaved(2, "ML0506", D(2013, 9, 2))]) == {
        (1, 2)
    }


def test_a_long_training_still_running_is_found_after_short_ones_ended():
    long = unsaved(1, "ML05", D(2013, 9, 1), 30)
    short = [unsaved(pk, "ML0506", D(2013, 9, pk)) for pk in range(2, 6)]
    late = unsaved(9, "ML0501", D(2013, 9, 25))
    found = pairs([long, *short, late])
    assert (1, 9) in found and all((1, pk) in found for pk in range(2, 6))
    assert (2, 9) not in found


def test_duplicate_flags_lists_the_others_both_ways():
    a = unsaved(1, "ML0506", D(2013, 9, 2), 3)
    b = unsaved(2, "ML05", D(2013, 9, 3))
    c = unsaved(3, "ML0701", D(2013, 9, 3))
    flags = trainings.duplicate_flags([a, b, c])
    assert [t.pk for t in flags[1]] == [2]
    assert [t.pk for t in flags[2]] == [1]
    assert 3 not in flags


# --------------------------------------------------------------------------- properties

PCODES = ["ML", "ML05", "ML0501", "ML0506", "ML07", "ML0701", "ML0703"]


@st.composite
def training_sets(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    items = []
    for pk in range(1, count + 1):
        start = D(2013, 9, 1) + dt.timedelta(days=draw(st.integers(0, 40)))
        items.append(
            unsaved(
                pk,
                draw(st.sampled_from(PCODES)),
                start,
                draw(st.integers(1, 8)),
                topic=draw(st.sampled_from(["poc", "ihl"])),
                audience=draw(st.sampled_from(["mission_military", "national_forces"])),
            )
        )
    return items


def brute_force(items, window):
    """The rule as the mission report puts it, every pair compared."""
    gap = dt.timedelta(days=window)
    found = set()
    for a, b in itertools.combinations(items, 2):
        same_kind = a.topic == b.topic and a.audience == b.audience
        nested = a.area.pcode.startswith(b.area.pcode) or b.area.pcode.startswith(a.area.pcode)
        overlap = a.ends_on >= b.starts_on - gap and b.ends_on >= a.starts_on - gap
        if same_kind and nested and overlap:
            found.add((min(a.pk, b.pk), max(a.pk, b.pk)))
    return found


@settings(max_examples=200, deadline=None)
@given(training_sets(), st.integers(0, 10))
def test_the_sweep_agrees_with_comparing_every_pair(items, window):
    assert pairs(items, window) == brute_force(items, window)


@settings(max_examples=100, deadline=None)
@given(training_sets(), st.integers(0, 10), st.randoms())
def test_the_order_of_the_trainings_does_not_matter(items, window, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert pairs(shuffled, window) == pairs(items, window)


@settings(max_examples=100, deadline=None)
@given(training_sets(), st.integers(0, 10))
def test_flags_are_symmetric_and_never_point_to_the_training_itself(items, window):
    flags = trainings.duplicate_flags(items, window_days=window)
    for pk, others in flags.items():
        assert pk not in {o.pk for o in others}
        for other in others:
            assert pk in {t.pk for t in flags[other.pk]}


@settings(max_examples=100, deadline=None)
@given(training_sets(), st.integers(0, 10), st.integers(1, 10))
def test_widening_the_window_never_removes_a_pair(items, window, more):
    assert pairs(items, window) <= pairs(items, window + more)


def test_a_large_table_is_swept_not_compared_pair_by_pair():
    """10,000 trainings in 60 areas over two years (50 million pairs): done in well under the
    time comparing every pair would take; the same answer as brute force on a sample."""
    rnd = random.Random(2013)
    places = [f"ML{r:02d}{c:02d}" for r in range(1, 11) for c in range(1, 6)]
    places += [f"ML{r:02d}" for r in range(1, 11)]
    items = [
        unsaved(
            pk,
            rnd.choice(places),
            D(2013, 1, 1) + dt.timedelta(days=rnd.randrange(730)),
            rnd.randrange(1, 5),
            topic=rnd.choice(["poc", "ihl", "gbv"]),
            audience=rnd.choice(["mission_military", "national_forces"]),
        )
        for pk in range(10_000)
    ]
    started = time.perf_counter()
    found = pairs(items)
    assert time.perf_counter() - started < 5
    assert found and all(a < b for a, b in found)
    sample = items[:400]
    assert pairs(sample) == brute_force(sample, 0)


# --------------------------------------------------------------------------- services


@pytest.fixture
def mopti(areas):
    return areas["ML0506"]


def _fields(org, area, **changes):
    fields = {
        "provider": org,
        "title": "Protection des civils — contingent de Mopti",
        "topic": "poc",
        "audience": "mission_military",
        "area": area,
        "starts_on": D(2013, 9, 2),
        "ends_on": D(2013, 9, 4),
        "participants": 25,
        "women": 3,
        "language": "Français",
        "note": "",
    }
    fields.update(changes)
    return fields


def test_a_focal_point_records_a_training_of_their_organisation(org, mopti, user_with_role):
    actor = user_with_role("focal_point", org)
    training = trainings.save_training(actor, None, fields=_fields(org, mopti))
    assert training.provider == org and training.recorded_by == actor
    event = AuditEvent.objects.get(action="training.create")
    assert event.actor == actor and event.organisation == org
    assert event.detail["area"] == "ML0506" and event.detail["participants"] == 25


def test_a_manager_of_another_organisation_is_refused_and_audited(
    org, other_org, mopti, user_with_role
):
    outsider = user_with_role("org_admin", other_org)
    with pytest.raises(DomainError) as caught:
        trainings.save_training(outsider, None, fields=_fields(org, mopti))
    assert caught.value.field == "provider"
    assert not Training.objects.exists()
    assert AuditEvent.objects.filter(action="access.refused", actor=outsider).exists()


def test_an_im_officer_records_and_changes_any_providers_trainings(
    org, other_org, mopti, user_with_role
):
    im = user_with_role("im_officer", other_org)
    training = trainings.save_training(im, None, fields=_fields(org, mopti))
    trainings.save_training(im, training, fields={"participants": 40, "women": 10})
    training.refresh_from_db()
    assert (training.participants, training.women, training.provider) == (40, 10, org)
    assert AuditEvent.objects.filter(action="training.update").count() == 1


def test_moving_a_training_to_another_provider_needs_both(org, other_org, mopti, user_with_role):
    actor = user_with_role("org_admin", org)
    training = trainings.save_training(actor, None, fields=_fields(org, mopti))
    with pytest.raises(DomainError):
        trainings.save_training(actor, training, fields={"provider": other_org})
    training.refresh_from_db()
    assert training.provider == org


def test_a_viewer_may_not_record_a_training(org, mopti, user_with_role):
    with pytest.raises(DomainError):
        trainings.save_training(user_with_role("viewer", org), None, fields=_fields(org, mopti))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": D(2013, 9, 1)}, "ends_on"),
        ({"women": 26}, "women"),
        ({"participants": -1, "women": None}, "participants"),
        ({"women": -2}, "women"),
        ({"topic": "astrology"}, "topic"),
        ({"title": "  "}, "title"),
    ],
    ids=["ends before it starts", "more women", "negative", "negative women", "topic", "title"],
)
def test_wrong_values_are_refused_at_their_field(org, mopti, user_with_role, changes, field):
    actor = user_with_role("focal_point", org)
    with pytest.raises(DomainError) as caught:
        trainings.save_training(actor, None, fields=_fields(org, mopti, **changes))
    assert caught.value.field == field
    assert not Training.objects.exists()


def test_an_unknown_field_is_a_programming_error(org, mopti, user_with_role):
    with pytest.raises(ValueError):
        trainings.save_training(
            user_with_role("focal_point", org), None, fields={**_fields(org, mopti), "x": 1}
        )


def test_delete_is_audited_and_refused_to_outsiders(org, other_org, mopti, user_with_role):
    training = make_training(org, mopti)
    with pytest.raises(DomainError):
        trainings.delete_training(user_with_role("focal_point", other_org), training)
    assert Training.objects.filter(pk=training.pk).exists()
    trainings.delete_training(user_with_role("focal_point", org), training)
    assert not Training.objects.filter(pk=training.pk).exists()
    assert AuditEvent.objects.get(action="training.delete").detail["area"] == "ML0506"


def test_flags_for_finds_duplicates_outside_the_filtered_rows(org, other_org, areas):
    mine = make_training(org, areas["ML0506"])
    theirs = make_training(other_org, areas["ML05"], start=D(2013, 9, 3))
    elsewhere = make_training(other_org, areas["ML0701"])
    flags = trainings.flags_for([mine])
    assert [t.pk for t in flags[mine.pk]] == [theirs.pk]
    assert elsewhere.pk not in flags
