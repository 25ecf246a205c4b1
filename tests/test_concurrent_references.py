"""References are unique by construction, also when several people save at once.

Real threads, each with its own database connection, start together (a barrier) and write
through the services: incidents ("DRC-2013-000001"), persons ("V01-…"), referrals
("REF-DRC-2026-0001") and requests ("RQ-2026-0001"). Run on SQLite (the field office's
database: IMMEDIATE transactions, busy timeout, WAL) and on PostgreSQL (DATABASE_URL=postgres…:
row locks on core.Counter). Before core.sequences, incidents took 6 random hex digits (a
collision in about 2% of demo loads) and referrals and requests count+1 / max+1 (two writers
got the same number).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.db import connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.accounts.models import User
from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core import audit, sequences
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, Counter
from passerelle.directory.models import ThematicArea
from passerelle.directory.thematic_areas import sync_thematic_areas
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Incident, Person
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.inforequests import services as request_services
from passerelle.inforequests.models import Request
from passerelle.policy.purposes import Purpose
from passerelle.referrals import services as referral_services
from passerelle.referrals.models import Referral, ServiceType
from passerelle.referrals.tests.factories import service_factory
from passerelle.vocabularies.loader import sync_terms
from passerelle.vocabularies.models import Term

WRITERS = 6

concurrent = pytest.mark.django_db(transaction=True)


def at_once(work, n: int = WRITERS) -> list:
    """Run `work(i)` for i in 0..n-1 in n threads released together; return the results in
    order and fail with every exception any thread raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer is still waiting"
    assert not errors, errors
    return results


def _user(pk) -> User:
    return User.objects.get(pk=pk)  # one instance per thread


@pytest.fixture
def terms(transactional_db):
    # Transactional tests empty the database between tests, migration data included.
    sync_terms(Term)


# --------------------------------------------------------------------------- the counter


@concurrent
def test_concurrent_writers_get_distinct_consecutive_values_from_a_new_counter():
    # The counter does not exist yet: the writers also race to create it.
    def work(i):
        values = []
        for _ in range(5):
            with transaction.atomic():
                values.append(sequences.next_value("test:race"))
        return values

    values = [v for vs in at_once(work) for v in vs]
    assert sorted(values) == list(range(1, 5 * WRITERS + 1))
    assert Counter.objects.get(name="test:race").value == 5 * WRITERS


@concurrent
def test_a_writer_that_audited_first_does_not_deadlock_with_one_holding_a_number():
    # PostgreSQL: the audit append lock and a counter row, taken in opposite orders by two
    # transactions, would deadlock; core.sequences takes the audit lock first.
    numbered = threading.Event()

    def holds_a_number_then_audits():
        with transaction.atomic():
            value = sequences.next_value("test:order")
            numbered.set()
            time.sleep(0.5)
            audit.record(None, "test.second")
            return value

    def audits_then_asks_for_a_number():
        assert numbered.wait(timeout=30)
        with transaction.atomic():
            audit.record(None, "test.first")
            return sequences.next_value("test:order")

    work = [holds_a_number_then_audits, audits_then_asks_for_a_number]
    assert sorted(at_once(lambda i: work[i](), n=2)) == [1, 2]


@pytest.mark.django_db
def test_a_writer_that_rolls_back_gives_its_number_back():
    assert sequences.next_value("test:rollback") == 1
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert sequences.next_value("test:rollback") == 2
        1 / 0  # noqa: B018 - the save fails after the number was taken
    assert sequences.next_value("test:rollback") == 2


@pytest.mark.django_db
def test_a_new_counter_starts_after_the_references_already_stored():
    Group.objects.bulk_create(Group(name=f"G-2013-{n:04d}") for n in (1, 2, 3))
    Group.objects.create(name="G-2014-0009")  # another year: not counted
    assert sequences.next_reference(prefix="G-2013-", width=4, model=Group, field="name") == (
        "G-2013-0004"
    )
    assert sequences.next_reference(prefix="G-2014-", width=4, model=Group, field="name") == (
        "G-2014-0002"
    )
    # ...and "G-2014-0009", numbered outside the counter, is skipped when reached.
    names = [
        sequences.next_reference(prefix="G-2014-", width=4, model=Group, field="name")
        for _ in range(8)
    ]
    assert names == [f"G-2014-{n:04d}" for n in (3, 4, 5, 6, 7, 8, 10, 11)]


@pytest.mark.django_db
def test_a_restarted_counter_follows_the_references_a_loader_renumbered():
    def new_group():
        prefix = "G-2026-"
        name = sequences.next_reference(prefix=prefix, width=4, model=Group, field="name")
        return Group.objects.create(name=name)

    made = [new_group() for _ in range(5)]
    for n, group in enumerate(made[:4], start=1):  # the demo moves its records back in time
        Group.objects.filter(pk=group.pk).update(name=f"G-2013-{n:04d}")
    assert sequences.restart(Group) == 1
    assert new_group().name == "G-2026-0002"  # after the one stored under the prefix
    assert new_group().name == "G-2026-0003"


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    existing=st.sets(
        st.one_of(
            st.integers(min_value=1, max_value=40).map(lambda n: f"{n:04d}"),
            st.text("0123456789ABCDEF", min_size=4, max_size=6),  # older random references
        ),
        max_size=25,
    ),
    wanted=st.integers(min_value=1, max_value=30),
)
def test_new_references_never_repeat_a_stored_one_or_each_other(existing, wanted):
    with transaction.atomic():
        Group.objects.bulk_create(Group(name=f"P-{suffix}") for suffix in existing)
        made = [
            sequences.next_reference(prefix="P-", width=4, model=Group, field="name")
            for _ in range(wanted)
        ]
        assert len(set(made)) == wanted
        assert not set(made) & {f"P-{suffix}" for suffix in existing}
        transaction.set_rollback(True)  # the next example starts from an empty table


# --------------------------------------------------------------------------- incidents


@concurrent
def test_concurrent_monitors_record_incidents_with_distinct_sequential_references(
    terms, org, areas, user_with_role
):
    monitors = [user_with_role("monitor").pk for _ in range(WRITERS)]

    def work(i):
        actor = _user(monitors[i])
        return [incident_factory(actor, organisation=org).reference for _ in range(3)]

    references = [r for rs in at_once(work) for r in rs]
    assert sorted(references) == [f"DRC-2013-{n:06d}" for n in range(1, 3 * WRITERS + 1)]
    assert AuditEvent.objects.filter(action="incident.create").count() == 3 * WRITERS


@pytest.mark.django_db
def test_existing_references_keep_their_values_and_new_ones_do_not_collide(monitor, areas):
    older = [incident_factory(monitor) for _ in range(3)]
    with unscoped():
        # Written before counters, with 6 random hex digits (one of them all digits).
        for incident, legacy in zip(older, ("A3F2B1", "000004", "0B0B0B"), strict=True):
            Incident.objects.filter(pk=incident.pk).update(reference=f"DRC-2013-{legacy}")
        Counter.objects.all().delete()  # as on a database from before core/0004_counter
    newer = [incident_factory(monitor).reference for _ in range(3)]
    assert newer == ["DRC-2013-000005", "DRC-2013-000006", "DRC-2013-000007"]
    with unscoped():
        kept = set(
            Incident.objects.filter(pk__in=[i.pk for i in older]).values_list(
                "reference", flat=True
            )
        )
    assert kept == {"DRC-2013-A3F2B1", "DRC-2013-000004", "DRC-2013-0B0B0B"}


@concurrent
def test_concurrent_additions_to_one_incident_give_each_person_a_different_number(
    terms, monitor, areas
):
    incident = incident_factory(monitor)

    def work(i):
        with unscoped():
            target = Incident.objects.get(pk=incident.pk)
        return person_factory(_user(monitor.pk), target, role="witness").code

    codes = at_once(work)
    assert sorted(code.split("-")[0] for code in codes) == [
        f"W{n:02d}" for n in range(1, WRITERS + 1)
    ]
    with unscoped():
        assert Person.objects.filter(incident=incident).count() == WRITERS


# --------------------------------------------------------------------------- referrals


@concurrent
def test_concurrent_referrals_get_distinct_references(terms, org, monitor, areas):
    in_house = service_factory(org, service_type=ServiceType.PSYCHOSOCIAL, areas=[areas["ML07"]])
    incident = incident_factory(monitor, area=areas["ML0701"])
    persons = []
    for _ in range(WRITERS):
        person = person_factory(monitor, incident)
        incident_services.record_consent(monitor, person, scope="referral", given=True)
        persons.append(person.pk)

    def work(i):
        with unscoped():
            person = Person.objects.get(pk=persons[i])
        return referral_services.create_referral(
            _user(monitor.pk), person, in_house, summary="Soutien psychosocial."
        ).reference

    references = at_once(work)
    year = timezone.localdate().year
    assert sorted(references) == [f"REF-DRC-{year}-{n:04d}" for n in range(1, WRITERS + 1)]
    with unscoped():
        assert Referral.objects.count() == WRITERS


# --------------------------------------------------------------------------- requests


@concurrent
def test_concurrent_requests_get_distinct_references(terms, areas, user_with_role):
    sync_thematic_areas(ThematicArea)
    mission = OrganisationFactory(acronym="MINUSMA", name="MINUSMA", type="mission")
    hrd = OrganisationFactory(
        acronym="HRD", name="Human Rights Division", type="mission_component", parent=mission
    )
    unfpa = OrganisationFactory(acronym="UNFPA", name="UNFPA", type="un_agency")
    user_with_role("focal_point", unfpa)
    askers = [user_with_role("monitor", hrd).pk for _ in range(WRITERS)]
    gbv = ThematicArea.objects.get(code="gbv")

    def work(i):
        return request_services.file_request(
            _user(askers[i]),
            asker=hrd,
            addressee=unfpa,
            kind="information",
            thematic_area=gbv,
            data_category="",
            level=1,
            purpose=Purpose.ANALYSIS,
            area=areas["ML07"],
            period_start=dt.date(2013, 7, 1),
            period_end=dt.date(2013, 9, 30),
            subject=f"Nombre de cas de VBG à Gao, trimestre {i + 1}",
            body="Merci de partager le nombre de cas rapportés, pour le rapport de la Mission.",
        ).reference

    references = at_once(work)
    year = timezone.localdate().year
    assert sorted(references) == [f"RQ-{year}-{n:04d}" for n in range(1, WRITERS + 1)]
    with unscoped():
        assert Request.objects.count() == WRITERS
