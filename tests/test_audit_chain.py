"""The audit log: services append to it, and any change to the chain is detected."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import ProtectedError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle.core import audit
from passerelle.core.models import AuditEvent, AuditHead
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


# --------------------------------------------------------------------------- the keyed chain

OTHER_AUDIT_KEY = "Y" * 43 + "="
HEAD = AuditHead._meta.db_table


def _head_sql(statement: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement.format(head=connection.ops.quote_name(HEAD)), params)
        return cursor.rowcount


def _checkpoint_file(tmp_path, name="checkpoint.json") -> str:
    path = tmp_path / name
    with translation.override("en"):
        call_command("audit_checkpoint", output=str(path), stderr=_Sink())
    return str(path)


def _verify_with(path: str) -> str:
    out = _Sink()
    with translation.override("en"):
        call_command("verify_audit", checkpoint=[path], stdout=out, stderr=_Sink())
    return out.text


def _verify_with_fails(path: str) -> str:
    err = _Sink()
    with translation.override("en"), pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_audit", checkpoint=[path], stdout=_Sink(), stderr=err)
    return err.text


def test_each_hash_is_an_hmac_under_the_audit_key():
    event = _chain(2)[-1]
    keys = audit.load_keys()
    body = audit._canonical(event)
    assert event.hash == hmac.new(keys.chain, body, hashlib.sha256).hexdigest()
    assert event.hash != hashlib.sha256(body).hexdigest()


def test_the_chain_does_not_verify_under_another_key():
    _chain(3)
    assert audit.verify() == []
    with override_settings(AUDIT_KEY=OTHER_AUDIT_KEY):
        problems = audit.verify()
    assert problems and {p.kind for p in problems} == {"modified"}


def test_editing_an_event_and_recomputing_the_chain_without_the_key_is_caught():
    """Someone with database access edits an event and recomputes every later hash and
    the head with plain SHA-256 (the old, unkeyed algorithm): the keys do not match."""
    _sql("DELETE FROM {table}")
    events = _chain(5)
    target = events[1].seq
    _sql("UPDATE {table} SET action = %s WHERE seq = %s", ["innocent.event", target])
    prev = AuditEvent.objects.get(seq=target - 1).hash
    for event in AuditEvent.objects.filter(seq__gte=target).order_by("seq"):
        event.prev_hash = prev
        new_hash = audit.unkeyed_hash(event)
        _sql(
            "UPDATE {table} SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev, new_hash, event.seq],
        )
        prev = new_hash
    _head_sql("UPDATE {head} SET hash = %s", [prev])
    problems = audit.verify()
    assert problems[0].seq == events[1].seq
    assert {p.kind for p in problems} == {"unkeyed"}  # every link is consistent...
    _verify_command_fails()  # ...but not keyed


def test_a_missing_head_is_an_error_when_events_exist():
    _chain(3)
    assert _head_sql("DELETE FROM {head}") == 1
    problems = audit.verify()
    assert [p.kind for p in problems] == ["head"]
    _verify_command_fails()


def test_an_empty_log_without_head_is_intact():
    _sql("DELETE FROM {table}")
    _head_sql("DELETE FROM {head}")
    assert audit.verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_head_moved_back_without_deleting_events_is_caught():
    """Caught in verify_audit's snapshot (outside a transaction, as the command runs)."""
    events = _chain(4)
    _head_sql("UPDATE {head} SET seq = %s, hash = %s", [events[1].seq, events[1].hash])
    assert "head" in {p.kind for p in audit.verify()}


# --------------------------------------------------------------------------- checkpoints


def test_a_checkpoint_is_signed_and_verifies_while_the_log_grows(tmp_path):
    events = _chain(3)
    path = _checkpoint_file(tmp_path)
    data = json.loads(open(path).read())
    assert (data["seq"], data["hash"]) == (events[-1].seq, events[-1].hash)
    assert data["key"] == audit.key_fingerprint() and len(data["mac"]) == 64
    _chain(2)
    assert "is in the log" in _verify_with(path)


def test_the_checkpoint_command_prints_to_stdout():
    _chain(1)
    out = _Sink()
    call_command("audit_checkpoint", stdout=out)
    checkpoint = audit.parse_checkpoint(out.text)
    assert checkpoint.seq == _last_seq()


def test_deleting_the_newest_events_and_updating_the_head_is_caught_by_a_checkpoint(tmp_path):
    _sql("DELETE FROM {table}")
    events = _chain(5)
    path = _checkpoint_file(tmp_path)
    # the attacker removes the two newest events and points the head at the third
    _sql("DELETE FROM {table} WHERE seq > %s", [events[2].seq])
    _head_sql("UPDATE {head} SET seq = %s, hash = %s", [events[2].seq, events[2].hash])
    assert audit.verify() == []  # honest: without an anchor outside, a shorter log is intact
    message = _verify_with_fails(path)
    assert f"event {events[-1].seq}" in message and "removed" in message


def test_deleting_the_head_row_is_caught_with_or_without_a_checkpoint(tmp_path):
    _chain(3)
    path = _checkpoint_file(tmp_path)
    _head_sql("DELETE FROM {head}")
    _verify_command_fails()
    assert "head row is missing" in _verify_with_fails(path)


def test_a_rewritten_log_does_not_match_the_checkpoint(tmp_path):
    """Events replaced by others (same numbers) since the checkpoint: the hash differs."""
    _sql("DELETE FROM {table}")
    events = _chain(3)
    path = _checkpoint_file(tmp_path)
    _sql("DELETE FROM {table} WHERE seq = %s", [events[-1].seq])
    _head_sql("UPDATE {head} SET seq = %s, hash = %s", [events[1].seq, events[1].hash])
    _chain(1)  # a new event takes the removed one's number
    assert audit.verify() == []
    assert "rewritten" in _verify_with_fails(path)


def test_an_edited_or_foreign_checkpoint_is_refused(tmp_path):
    _chain(3)
    path = _checkpoint_file(tmp_path)
    data = json.loads(open(path).read())
    data["seq"] -= 1
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    with translation.override("en"), pytest.raises(CommandError, match="not valid"):
        call_command("verify_audit", checkpoint=[str(edited)], stdout=_Sink(), stderr=_Sink())
    with override_settings(AUDIT_KEY=OTHER_AUDIT_KEY):
        with pytest.raises(audit.CheckpointError, match="another key"):
            audit.parse_checkpoint(open(path).read())
    with pytest.raises(audit.CheckpointError):
        audit.parse_checkpoint("not json")


# --------------------------------------------------------------------------- re-chaining


def _write_unkeyed_chain(n: int) -> None:
    """A log as written before the key: plain SHA-256 links."""
    _sql("DELETE FROM {table}")
    events = _chain(n)
    prev = audit.GENESIS
    for event in events:
        event.prev_hash = prev
        new_hash = audit.unkeyed_hash(event)
        _sql(
            "UPDATE {table} SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev, new_hash, event.seq],
        )
        prev = new_hash
    _head_sql("UPDATE {head} SET hash = %s", [prev])


def test_an_unkeyed_log_is_reported_and_rechained_once():
    _write_unkeyed_chain(5)
    problems = audit.verify()
    assert problems and {p.kind for p in problems} == {"unkeyed"}
    out = _Sink()
    with translation.override("en"):
        call_command("rechain_audit", stdout=out, stderr=_Sink())
    assert "5 events re-chained" in out.text
    assert audit.verify() == []
    assert AuditEvent.objects.order_by("-seq").first().action == "audit.rechained"
    out = _Sink()
    with translation.override("en"):
        call_command("rechain_audit", stdout=out)
    assert "already chained" in out.text


def test_a_broken_unkeyed_log_is_not_rechained_without_force():
    _write_unkeyed_chain(4)
    first = AuditEvent.objects.order_by("seq").first()
    _sql("UPDATE {table} SET action = %s WHERE seq = %s", ["innocent.event", first.seq])
    with translation.override("en"), pytest.raises(CommandError, match="nothing was re-chained"):
        call_command("rechain_audit", stdout=_Sink(), stderr=_Sink())
    assert audit.verify() != []
    with translation.override("en"):
        call_command("rechain_audit", force=True, stdout=_Sink(), stderr=_Sink())
    assert audit.verify() == []
    assert AuditEvent.objects.order_by("-seq").first().detail["problems"] == 1


def test_rotating_the_audit_key(tmp_path):
    _chain(3)
    old_file = tmp_path / "old.key"
    old_file.write_text(settings.AUDIT_KEY)
    with override_settings(AUDIT_KEY=OTHER_AUDIT_KEY):
        assert audit.verify() != []
        call_command("rechain_audit", old_key_file=str(old_file), stdout=_Sink())
        assert audit.verify() == []
    assert audit.verify() != []


# --------------------------------------------------------------------------- concurrent writes


def _use_wal_on_sqlite():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")


def _write_in_thread(n: int = 1) -> None:
    errors = []

    def write():
        try:
            for _i in range(n):
                audit.record(None, "test.concurrent")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(30)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_an_event_written_while_the_log_is_verified_is_no_false_alarm(monkeypatch):
    """Another connection appends (and moves the head) in the middle of the walk."""
    _use_wal_on_sqlite()
    _chain(6)
    original = audit.compute_hash
    state = {"written": False}

    def compute_and_write_once(event, keys=None):
        if not state["written"]:
            state["written"] = True
            _write_in_thread(2)
        return original(event, keys)

    monkeypatch.setattr(audit, "compute_hash", compute_and_write_once)
    assert audit.verify() == []
    assert state["written"]
    monkeypatch.undo()
    assert audit.verify() == []


@pytest.mark.django_db(transaction=True)
def test_many_writers_during_verification_raise_no_false_alarm():
    _use_wal_on_sqlite()
    _chain(30)
    stop = threading.Event()
    errors: list = []
    written = [0]

    def writer():
        try:
            while not stop.is_set():
                audit.record(None, "test.concurrent")
                written[0] += 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        results = [audit.verify(batch_size=7) for _ in range(8)]
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not errors, errors
    assert written[0] > 0
    assert all(r == [] for r in results), results
    assert audit.verify() == []


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    import base64
    import os
    import secrets
    import subprocess
    import sys

    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("PASSERELLE_", "DATABASE_URL"))
    }
    environ.update(
        PASSERELLE_ENV="production",
        PASSERELLE_VAR_DIR=str(tmp_path),
        PASSERELLE_SECRET_KEY=secrets.token_urlsafe(50),
        PASSERELLE_FIELD_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        PASSERELLE_ALLOWED_HOSTS="passerelle.example.org",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "No audit key" in result.stderr
    assert not (tmp_path / "audit.key").exists()


def test_a_malformed_or_reused_audit_key_fails_the_system_check():
    from passerelle.core.checks import audit_key_is_usable

    assert audit_key_is_usable() == []
    with override_settings(AUDIT_KEY="not base64 at all!"):
        assert [e.id for e in audit_key_is_usable()] == ["passerelle.E002"]
    with override_settings(AUDIT_KEY=settings.FIELD_KEY):
        errors = audit_key_is_usable()
        assert [e.id for e in errors] == ["passerelle.E002"] and "own key" in errors[0].msg
