"""The audit log: services append to it, and any change to the chain is detected."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle.core import audit
from passerelle.core.models import AuditEvent
from passerelle.incidents import services

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def _sql(statement: str, params=()) -> int:
    """Run raw SQL on the audit table (what someone with database access could do)."""
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=connection.ops.quote_name(TABLE)), params)
        return cursor.rowcount


def _actions(since: int = 0) -> list[str]:
    return list(AuditEvent.objects.filter(seq__gt=since).values_list("action", flat=True))


def _last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def _chain(n: int, actor=None) -> list[AuditEvent]:
    return [
        audit.record(actor, "test.event", detail={"n": i, "note": f"event {i}"}, level=i % 5)
        for i in range(n)
    ]


def _verify_command_fails() -> str:
    with translation.override("en"), pytest.raises(CommandError, match="NOT intact") as excinfo:
        call_command("verify_audit", stdout=_Sink(), stderr=_Sink())
    return str(excinfo.value)


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


# --------------------------------------------------------------------------- services append


def test_recording_an_incident_appends_a_create_event(monitor, areas):
    from passerelle.incidents.tests.factories import incident_factory

    start = _last_seq()
    incident = incident_factory(monitor, classification=3)
    event = AuditEvent.objects.get(seq=start + 1)
    assert _actions(start) == ["incident.create"]
    assert event.actor == monitor
    assert event.object_id == str(incident.public_id)
    assert event.object_type == "incidents.Incident"
    assert event.level == 3
    assert event.organisation == incident.owner


def test_each_service_appends_its_event(monitor, incident, person, user_with_role):
    start = _last_seq()
    services.update_incident(monitor, incident, narrative="Autre récit sans nom.")
    services.update_person(monitor, person, age=31)
    services.record_consent(monitor, person, scope="referral", given=True)
    verifier = user_with_role("verifier")
    services.change_verification_status(verifier, incident, to_status="under_verification")
    assert _actions(start) == [
        "incident.update",
        "person.update",
        "consent.record",
        "incident.verification",
    ]
    update = AuditEvent.objects.get(seq=start + 1)
    assert update.detail == {"fields": ["narrative"]}
    verification = AuditEvent.objects.get(seq=start + 4)
    assert verification.detail == {"from": "reported", "to": "under_verification"}
    assert verification.actor == verifier


def test_events_carry_no_personal_data(monitor, incident, person):
    services.update_person(monitor, person, full_name="Nouveau Nom Très Distinct")
    for event in AuditEvent.objects.all():
        text = f"{event.detail} {event.object_id} {event.actor_label}"
        for value in ("Fatoumata", "Maïga", "Nouveau Nom", "76 12 34 56", "Tassiga"):
            assert value not in text


def test_reading_a_level_3_detail_page_is_audited(monitor, incident, client_for):
    start = _last_seq()
    response = client_for(monitor).get(
        reverse("incidents:detail", kwargs={"public_id": incident.public_id})
    )
    assert response.status_code == 200
    reads = AuditEvent.objects.filter(seq__gt=start, action="incident.read")
    assert reads.count() == 1
    read = reads.get()
    assert read.level == 3
    assert read.actor == monitor
    assert read.object_id == str(incident.public_id)
    assert "narrative" in read.detail["fields"]


def test_reading_a_level_2_record_is_not_a_confidential_read(areas, client_as):
    from passerelle.incidents.tests.factories import incident_factory

    client = client_as("viewer")
    monitor = client_as("monitor").user
    incident = incident_factory(monitor, classification=2)
    start = _last_seq()
    response = client.get(reverse("incidents:detail", kwargs={"public_id": incident.public_id}))
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(seq__gt=start, action="incident.read").exists()


def test_reading_an_identity_is_audited_at_level_4(monitor, person, client_for):
    start = _last_seq()
    response = client_for(monitor).get(
        reverse("incidents:person", kwargs={"public_id": person.public_id})
    )
    assert "Fatoumata Maïga" in response.content.decode()
    read = AuditEvent.objects.get(seq__gt=start, action="person.read")
    assert read.level == 4
    assert {"full_name", "phone", "father_name"} <= set(read.detail["fields"])
    assert read.object_id == str(person.public_id)


def test_opening_the_identity_edit_form_is_audited(monitor, person, client_for):
    start = _last_seq()
    client_for(monitor).get(
        reverse("incidents:person_edit", kwargs={"public_id": person.public_id})
    )
    assert AuditEvent.objects.filter(seq__gt=start, action="person.read", level=4).count() == 1


def test_a_person_page_without_identity_is_audited_at_level_3(person, client_as):
    start = _last_seq()
    response = client_as("org_admin").get(
        reverse("incidents:person", kwargs={"public_id": person.public_id})
    )
    assert response.status_code == 200
    read = AuditEvent.objects.get(seq__gt=start, action="person.read")
    assert read.level == 3
    assert "full_name" not in read.detail["fields"]


# --------------------------------------------------------------------------- verification


def test_verify_audit_passes_on_an_intact_chain(monitor, incident, person):
    _chain(5, monitor)
    out = _Sink()
    with translation.override("en"):
        call_command("verify_audit", stdout=out)
    assert "Audit log intact" in out.text
    assert audit.verify() == []


def test_a_modified_detail_is_caught():
    events = _chain(5)
    assert _sql("UPDATE {table} SET detail = %s WHERE seq = %s", ['{"n": 99}', events[2].seq]) == 1
    message = _verify_command_fails()
    assert "1 problem" in message
    assert [(p.seq, p.kind) for p in audit.verify()] == [(events[2].seq, "modified")]


def test_a_modified_action_is_caught():
    events = _chain(5)
    _sql("UPDATE {table} SET action = %s WHERE seq = %s", ["innocent.event", events[1].seq])
    _verify_command_fails()
    assert {p.kind for p in audit.verify()} == {"modified"}


def test_a_modified_event_whose_hash_is_recomputed_breaks_the_next_link():
    events = _chain(5)
    target = AuditEvent.objects.get(seq=events[1].seq)
    target.action = "innocent.event"
    _sql(
        "UPDATE {table} SET action = %s, hash = %s WHERE seq = %s",
        [target.action, audit.compute_hash(target), target.seq],
    )
    _verify_command_fails()
    assert [(p.seq, p.kind) for p in audit.verify()] == [(events[2].seq, "reordered")]


def test_a_deleted_middle_event_is_caught():
    events = _chain(5)
    assert _sql("DELETE FROM {table} WHERE seq = %s", [events[2].seq]) == 1
    _verify_command_fails()
    kinds = {p.kind for p in audit.verify()}
    assert "missing" in kinds


def test_a_deleted_first_event_is_caught():
    _sql("DELETE FROM {table}")
    events = _chain(3)
    _sql("DELETE FROM {table} WHERE seq = %s", [events[0].seq])
    _verify_command_fails()


def test_a_swapped_pair_is_caught():
    events = _chain(5)
    a, b = events[1].seq, events[3].seq
    temporary = _last_seq() + 1000
    _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [temporary, a])
    _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [a, b])
    _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [b, temporary])
    _verify_command_fails()
    assert {p.seq for p in audit.verify()} >= {a, b}


@pytest.mark.parametrize("deleted", ["user", "organisation"])
def test_a_user_or_organisation_with_audit_events_cannot_be_deleted(deleted, user_with_role, org):
    """Their ids are hashed into the chain, so they are protected: deactivate them instead.
    The refused deletion leaves the log intact."""
    from passerelle.accounts.tests.factories import OrganisationFactory

    user = user_with_role("viewer")
    gone = OrganisationFactory(acronym="GONE")
    audit.record(user, "test.event", organisation=gone)
    audit.record(None, "test.event")
    assert audit.verify() == []
    with pytest.raises(ProtectedError):
        (user if deleted == "user" else gone).delete()
    assert audit.verify() == []


def test_saving_an_existing_event_is_refused():
    event = audit.record(None, "test.event")
    event.action = "other"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_deleting_an_event_is_refused():
    event = audit.record(None, "test.event")
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --------------------------------------------------------------------------- property

FIELDS = {
    "action": "'tampered.action'",
    "detail": "'{{\"n\": -1}}'",  # braces doubled for str.format
    "actor_label": "'mallory'",
    "object_id": "'00000000'",
    "outcome": "'refused'",
    "level": "CASE WHEN level = 4 THEN 3 ELSE 4 END",  # always a change
    "prev_hash": "'" + "f" * 64 + "'",
    "hash": "'" + "e" * 64 + "'",
}

tamperings = st.one_of(
    st.tuples(st.just("modify"), st.integers(0, 10_000), st.sampled_from(sorted(FIELDS))),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(1, 10_000)),
)


def _apply(operation, seqs: list[int]) -> None:
    kind, i, extra = operation
    if kind == "modify":
        seq = seqs[i % len(seqs)]
        statement = f"UPDATE {{table}} SET {extra} = {FIELDS[extra]} WHERE seq = %s"  # noqa: S608
        _sql(statement, [seq])
    elif kind == "delete":
        seq = seqs[i % (len(seqs) - 1)]  # the newest event has no successor to betray it
        _sql("DELETE FROM {table} WHERE seq = %s", [seq])
    else:
        a = seqs[i % len(seqs)]
        b = seqs[(i + extra) % len(seqs)]
        if a == b:
            b = seqs[(seqs.index(a) + 1) % len(seqs)]
        temporary = max(seqs) + 1000
        _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [temporary, a])
        _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [a, b])
        _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [b, temporary])


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(length=st.integers(2, 12), operation=tamperings)
def test_any_single_tampering_is_reported(length, operation):
    _sql("DELETE FROM {table}")
    seqs = [e.seq for e in _chain(length)]
    assert audit.verify() == []
    _apply(operation, seqs)
    assert audit.verify() != [], operation


def test_truncating_the_newest_events_is_caught():
    """Removing the newest events leaves a shorter chain that is intact in itself; the
    check needs an anchor outside the table (e.g. the last hash published elsewhere)."""
    _sql("DELETE FROM {table}")
    events = _chain(5)
    _sql("DELETE FROM {table} WHERE seq = %s", [events[-1].seq])
    assert audit.verify() != []


def test_bulk_update_and_delete_of_events_are_refused():
    audit.record(None, "test.event")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.update(action="other")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert audit.verify() == []
