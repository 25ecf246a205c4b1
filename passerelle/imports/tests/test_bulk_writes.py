"""The pieces the import path adds to core: `audit.record_many` (one lock, a chain that
verifies like `record`'s), `sequences.reserve` / `reserve_references` (blocks of numbers,
taken references skipped, given back on rollback), `bulk.insert` (what the ORM would store),
and two imports at once."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import translation

from passerelle.core import audit, bulk, sequences
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent, Counter
from passerelle.imports import pipeline
from passerelle.incidents.models import Incident, Person
from passerelle.incidents.tests.factories import incident_factory

from .helpers import row, victim


@pytest.mark.django_db
def test_record_many_chains_like_record_and_tampering_is_caught(org, monitor, incident):
    audit.record(monitor, "test.first", organisation=org)
    written = audit.record_many(
        monitor,
        [audit.Entry("test.bulk", incident, org, 2, detail={"n": n}) for n in range(5)]
        + [audit.Entry("test.ref", None, org, ref=("incidents.Incident", "abc"))],
        batch_size=2,
    )
    audit.record(monitor, "test.last", organisation=org)
    assert written == 6 and audit.verify() == []
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    bulked = [e for e in events if e.action == "test.bulk"]
    assert [e.detail for e in bulked] == [{"n": n} for n in range(5)]
    assert bulked[0].object_id == str(incident.public_id) and bulked[0].actor == monitor
    from django.db.models import QuerySet

    QuerySet(model=AuditEvent).filter(pk=bulked[2].pk).update(detail={"n": 99})
    assert [p.kind for p in audit.verify()] == ["modified"]


@pytest.mark.django_db
def test_record_many_of_nothing_writes_nothing(org, monitor):
    assert audit.record_many(monitor, []) == 0
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_reserve_hands_out_blocks_and_gives_them_back_on_rollback():
    assert list(sequences.reserve("t", 3)) == [1, 2, 3]
    with pytest.raises(RuntimeError), transaction.atomic():
        assert list(sequences.reserve("t", 5)) == [4, 5, 6, 7, 8]
        raise RuntimeError
    assert list(sequences.reserve("t", 2)) == [4, 5]
    assert sequences.next_value("t") == 6
    assert list(sequences.reserve("u", 2, seed=lambda: 10)) == [11, 12]
    assert list(sequences.reserve("u", 0)) == []


@pytest.mark.django_db
def test_reserve_references_skips_those_taken(monitor, areas):
    made = [incident_factory(monitor) for _ in range(3)]  # DRC-2013-000001 .. 000003
    with unscoped():
        Incident.objects.filter(pk=made[2].pk).update(reference="DRC-2013-000005")
    sequences.restart(Incident)  # the counter starts again after the 3 references stored
    got = sequences.reserve_references(prefix="DRC-2013-", width=6, model=Incident, count=3)
    assert got == ["DRC-2013-000004", "DRC-2013-000006", "DRC-2013-000007"]


@pytest.mark.django_db
def test_bulk_insert_stores_what_the_orm_reads_back(monitor, incident):
    import uuid

    public_id = uuid.uuid4()
    written = bulk.insert(
        Person,
        [
            {
                "public_id": public_id,
                "incident_id": incident.pk,
                "code": "V09-ABCD",
                "role": "victim",
                "full_name": "Mariam Bulk",
                "phone": "",
            }
        ],
    )
    assert written == 1
    with unscoped():
        person = Person.objects.get(public_id=public_id)
    assert person.full_name.reveal() == "Mariam Bulk"  # bound to its own row
    assert person.phone is None and person.sex == "u" and person.disability == "unknown"
    assert person.created_at is not None and person.age is None
    assert bulk.pks_by_public_id(Person, [public_id]) == {public_id: person.pk}


WRITERS = 3


@pytest.mark.django_db(transaction=True)
def test_imports_at_once_number_every_incident_once(user_with_role, org):
    import threading

    from django.db import connections

    from passerelle.accounts.models import User
    from passerelle.geography.loader import load_mali
    from passerelle.vocabularies.loader import sync_terms
    from passerelle.vocabularies.models import Term

    sync_terms(Term)
    load_mali()
    pks = [user_with_role("monitor").pk for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    errors, results = [], [None] * WRITERS

    def run(i):
        try:
            with translation.override("en"):
                actor = User.objects.get(pk=pks[i])
                rows = [row(n, key=f"w{i}-{n}", persons=[victim(n)]) for n in range(1, 151)]
                plan = pipeline.prepare(actor, organisation=org, rows=rows, source="x")
                barrier.wait(timeout=30)
                results[i] = pipeline.apply(actor, plan)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert [r["created"] for r in results] == [150] * WRITERS
    with unscoped():
        references = list(Incident.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 150 * WRITERS
    assert audit.verify() == []
    assert Counter.objects.filter(name__startswith="incidents.incident:").exists()
