"""The demo's incidents as import rows (`loader.DemoRows`): drawn from one seed, the same
rows every time; codes the import knows; victims recorded as persons inside the counts; the
story's owners, regions and verification paths."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from passerelle.demo import loader
from passerelle.geography.models import Area
from passerelle.imports.rows import IncidentIn
from passerelle.incidents.models import (
    VERIFICATION_TRANSITIONS,
    Consent,
    Person,
    VerificationStatus,
)
from passerelle.referrals.models import ServiceType
from passerelle.vocabularies.models import Term

pytestmark = pytest.mark.django_db

N = 400


def _draw(seed: int, n: int = N):
    rows = loader.DemoRows(random.Random(seed), seed=seed)
    return [rows.draw(number) for number in range(1, n + 1)]


@pytest.fixture
def drawn(areas):
    return _draw(loader.SEED)


def test_the_same_seed_draws_the_same_rows(areas):
    first, again = _draw(7, 120), _draw(7, 120)
    assert [row for _, row, _ in first] == [row for _, row, _ in again]
    assert [story for *_, story in first] == [story for *_, story in again]
    other = _draw(8, 120)
    assert [row.values for _, row, _ in other] != [row.values for _, row, _ in first]
    # keys name the seed and the position: a second demo with another seed never collides
    assert [row.key for _, row, _ in first[:3]] == ["demo-7-1", "demo-7-2", "demo-7-3"]
    assert {row.key for _, row, _ in first}.isdisjoint({row.key for _, row, _ in other})


def test_rows_carry_codes_the_import_resolves(drawn):
    terms = {(t.vocabulary, t.code): t for t in Term.objects.filter(active=True)}
    cercles = {a.pcode: a for a in Area.objects.filter(level=2)}
    V = Term.Vocabulary
    for acronym, row, _ in drawn:
        assert isinstance(row, IncidentIn)
        assert acronym in loader.OWNERS
        values = row.values
        assert values["area"] in cercles
        category = terms[(V.CATEGORY, values["category"])]
        assert category.parent is not None and category.parent.parent_id is None
        if values["sub_type"]:
            assert terms[(V.CATEGORY, values["sub_type"])].parent_id == category.pk
        assert (V.PERPETRATOR, values["perpetrator"]) in terms
        for field, vocabulary in (
            ("source_type", V.SOURCE_TYPE),
            ("source_reliability", V.RELIABILITY),
        ):
            assert not values[field] or (vocabulary, values[field]) in terms
        assert values["classification"] in (None, 3, 4)
        assert values["reported_on"] >= values["occurred_on"]
        assert ("latitude" in values) == ("longitude" in values)
        for sex, age in row.victim_counts:
            assert sex in "fmu" and (V.AGE_GROUP, age) in terms
        for person in row.persons:
            assert person.role in Person.Role.values
            assert (V.AGE_GROUP, person.age_group) in terms
            assert (V.DISPLACEMENT, person.displacement_status) in terms
            assert set(person.consents) <= set(Consent.Scope.values)
            assert set(person.needs) <= set(ServiceType.values)
            assert person.age is None or 0 <= person.age <= 120
            assert not person.phone or all(c.isdigit() or c in "+ -()" for c in person.phone)


def test_victims_recorded_as_persons_are_inside_the_counts(drawn):
    for _, row, _ in drawn:
        victims = Counter((p.sex, p.age_group) for p in row.persons if p.role == "victim")
        for cell, recorded in victims.items():
            assert row.victim_counts.get(cell, 0) >= recorded, row.key
        assert len(row.persons) <= 3


def test_the_story_keeps_its_shape(drawn):
    owners = Counter(acronym for acronym, _, _ in drawn)
    assert owners.most_common(1)[0][0] in ("DRC", "UNHCR")  # the biggest monitors
    persons = [p for _, row, _ in drawn for p in row.persons]
    assert 1.0 < len(persons) / len(drawn) < 1.7  # about 1.3 persons an incident
    assert sum(bool(p.full_name) for p in persons) > 0.8 * len(persons)
    for acronym, row, story in drawn:
        regions = loader.OWNERS[acronym].regions
        assert regions is None or row.values["area"][:4] in regions
        assert story.acronym == acronym
        assert not story.named or acronym == "DRC"
        status = VerificationStatus.REPORTED
        for to_status, note in story.path:
            assert to_status in VERIFICATION_TRANSITIONS[status]
            assert bool(note) == (to_status in ("not_verified", "discarded"))
            status = VerificationStatus(to_status)
        if row.values["classification"] is None:
            sensitive = row.values["category"].split(".")[0] in ("gbv", "crsv")
            assert story.classification == (3 if sensitive else 2)


def test_the_demo_is_written_through_the_import_path(areas):
    from django.utils import timezone

    from passerelle.core import audit
    from passerelle.core.guard import unscoped
    from passerelle.core.models import AuditEvent
    from passerelle.imports.models import ImportedSubmission
    from passerelle.incidents.models import Incident, VerificationEvent

    result = loader.Result()
    orgs = loader.load_organisations(result)
    users = loader.load_users(orgs, result)
    loader.load_incidents(orgs, users, result, loader.SMALL_INCIDENTS)
    assert result.incidents == loader.SMALL_INCIDENTS
    with unscoped():
        incidents = {i.pk: i for i in Incident.objects.all()}
        keys = dict(ImportedSubmission.objects.values_list("incident_id", "key"))
        # every demo incident is an imported submission, keyed demo-<seed>-<n>
        assert set(keys) == set(incidents)
        assert all(key.startswith(f"demo-{loader.SEED}-") for key in keys.values())
        # consents dated the day the persons were interviewed (the report), never later than now
        consents = list(Consent.objects.select_related("person__incident"))
        assert len(consents) == result.consents > 0
        now = timezone.now()
        for consent in consents:
            reported = consent.person.incident.reported_on
            interviewed = dt.datetime.combine(reported, dt.time(10, 0), dt.UTC)
            assert consent.given_at == consent.created_at <= now
            # at ten on the day it was reported; today's are capped at the time of loading
            assert consent.given_at == interviewed or (
                interviewed > now and consent.given_at.date() == reported
            )
        # each incident's status is where its verification steps ended
        steps = list(VerificationEvent.objects.order_by("id"))
        assert len(steps) == result.verification_steps > 0
        last = {}
        for step in steps:
            assert step.from_status == last.get(step.incident_id, VerificationStatus.REPORTED)
            last[step.incident_id] = step.to_status
        for pk, incident in incidents.items():
            assert incident.verification_status == last.get(pk, VerificationStatus.REPORTED)
        named = Incident.need_to_know.through.objects.count()
        assert named == result.named
    # one audit event per record written and per step, the chain intact
    actions = dict.fromkeys(
        ["incident.create", "person.create", "consent.record", "incident.verification"], 0
    )
    for action in AuditEvent.objects.values_list("action", flat=True):
        if action in actions:
            actions[action] += 1
    assert actions == {
        "incident.create": result.incidents,
        "person.create": result.persons,
        "consent.record": result.consents,
        "incident.verification": result.verification_steps,
    }
    assert AuditEvent.objects.filter(action="incident.need_to_know").count() == result.named
    assert AuditEvent.objects.filter(action="import.apply").exists()
    assert not audit.verify()
