"""The one import path: validation with the services' rules, classification (new, update,
unchanged, edits), all or nothing, rights, encryption at rest, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone, translation

from passerelle.core import audit
from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.imports import pipeline
from passerelle.imports.models import ImportBatch, ImportedSubmission
from passerelle.incidents.models import Consent, Incident, Person, VictimCount
from passerelle.referrals.models import Need

from .helpers import row, victim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def importer(user_with_role):
    return user_with_role("monitor", username="drc.importer")


def counts():
    with unscoped():
        return {
            "incidents": Incident.objects.count(),
            "persons": Person.objects.count(),
            "consents": Consent.objects.count(),
            "needs": Need.objects.count(),
            "submissions": ImportedSubmission.objects.count(),
        }


def run(actor, org, rows, **kwargs):
    plan = pipeline.prepare(actor, organisation=org, rows=rows, source="xlsform")
    assert not plan.errors, [(e.row, e.column, str(e.message)) for e in plan.errors]
    return plan, pipeline.apply(actor, plan, **kwargs)


def test_new_rows_are_created_with_persons_consents_needs_and_counts(importer, org, areas):
    rows = [
        row(1, persons=[victim(1, consents={"referral": True}, needs=["psychosocial_service"])]),
        row(2, victim_counts={("m", "18_59"): 3}),
    ]
    plan, result = run(importer, org, rows)
    assert plan.counts()["to_create"] == 2
    assert result["created"] == 2 and result["persons"] == 1
    assert result["consents"] == 1 and result["needs"] == 1
    with unscoped():
        first = ImportedSubmission.objects.get(key=rows[0].key).incident
        assert first.owner == org and first.recorded_by == importer
        assert first.reference.startswith("DRC-2013-")
        person = first.persons.get()
        assert person.code.startswith("V01-")
        assert person.full_name.reveal() == "Aminata Traoré-00001"
        # the victim recorded as a person is counted
        assert [(c.sex, c.age_group.code, c.count) for c in first.victim_counts.all()] == [
            ("f", "18_59", 1)
        ]
        second = ImportedSubmission.objects.get(key=rows[1].key).incident
        assert second.total_victims == 3
        assert first.narrative.reveal() == "Tirs sur le marché numéro 1."


def test_references_skip_those_already_taken(importer, org, areas, monitor):
    from passerelle.incidents.tests.factories import incident_factory

    existing = incident_factory(monitor, occurred_on=dt.date(2013, 3, 1), area=areas["ML0701"])
    run(importer, org, [row(n) for n in range(1, 4)])
    with unscoped():
        references = list(Incident.objects.values_list("reference", flat=True))
    assert len(set(references)) == 4 and existing.reference in references


def test_same_file_twice_changes_nothing(importer, org, areas):
    rows = [row(n, persons=[victim(n)]) for n in range(1, 6)]
    run(importer, org, rows)
    before, events = counts(), AuditEvent.objects.count()
    plan, result = run(importer, org, rows)
    assert plan.unchanged == 5 and result["created"] == 0 and result["updated"] == 0
    assert counts() == before
    assert list(AuditEvent.objects.filter(seq__gt=events).values_list("action", flat=True)) == [
        "import.apply"
    ]


def test_newer_version_updates_the_incident_and_its_person(importer, org, areas):
    t0 = timezone.now() - dt.timedelta(days=2)
    run(importer, org, [row(1, persons=[victim(1)], version=t0)])
    edited = row(
        1,
        persons=[victim(1, full_name="Aminata Traoré", age=30)],
        version=t0 + dt.timedelta(hours=1),
        narrative="Tirs corrigés.",
    )
    before = counts()
    plan, result = run(importer, org, [edited])
    assert plan.to_update == 1 and result["updated"] == 1
    assert counts() == before
    with unscoped():
        incident = ImportedSubmission.objects.get(key=edited.key).incident
        assert incident.narrative.reveal() == "Tirs corrigés."
        person = incident.persons.get()
        assert person.full_name.reveal() == "Aminata Traoré" and person.age == 30
    update = AuditEvent.objects.filter(action="incident.update").get()
    assert update.detail["fields"] == ["narrative"]
    person_update = AuditEvent.objects.filter(action="person.update").get()
    assert person_update.detail["fields"] == ["age", "full_name"] and person_update.level == 4
    # the same version again, or an older one: unchanged
    plan, _ = run(importer, org, [edited])
    assert plan.unchanged == 1
    old = row(1, persons=[victim(1)], version=t0)
    assert pipeline.prepare(importer, organisation=org, rows=[old], source="x").unchanged == 1


def test_an_edit_replacing_a_known_key_updates_and_the_old_export_changes_nothing(
    importer, org, areas
):
    original = row(1, key="uuid:a", persons=[victim(1)])
    run(importer, org, [original])
    edit = row(1, key="uuid:b", replaces="uuid:a", narrative="Corrigé.", persons=[victim(1)])
    plan, result = run(importer, org, [edit])
    assert plan.to_update == 1 and counts()["incidents"] == 1
    with unscoped():
        old = ImportedSubmission.objects.get(key="uuid:a")
        new = ImportedSubmission.objects.get(key="uuid:b")
        assert old.replaced_by == "uuid:b" and new.incident_id == old.incident_id
        assert new.incident.narrative.reveal() == "Corrigé."
        assert new.persons == old.persons
    before = counts()
    plan = pipeline.prepare(importer, organisation=org, rows=[original, edit], source="x")
    assert plan.unchanged == 2 and not plan.errors
    pipeline.apply(importer, plan)
    assert counts() == before


def test_an_original_and_its_edit_in_one_file_make_one_incident(importer, org, areas):
    rows = [
        row(2, key="uuid:b", replaces="uuid:a", narrative="Corrigé."),
        row(1, key="uuid:a"),
    ]
    plan, result = run(importer, org, rows)
    assert (plan.to_create, plan.to_update) == (1, 1)
    with unscoped():
        assert Incident.objects.get().narrative.reveal() == "Corrigé."


def test_duplicated_key_is_an_error_on_the_later_row_and_nothing_is_written(importer, org, areas):
    rows = [row(1, key="k"), row(2), row(3, key="k")]
    plan = pipeline.prepare(importer, organisation=org, rows=rows, source="x")
    assert [(e.row, e.column, e.code) for e in plan.errors] == [(4, "key", "duplicate")]
    assert "row 2" in str(plan.errors[0].message)
    with pytest.raises(DomainError):
        pipeline.apply(importer, plan)
    assert counts()["incidents"] == 0


def test_errors_use_the_services_rules_and_name_row_and_column(importer, org, areas):
    future = timezone.now().date() + dt.timedelta(days=3)
    rows = [
        row(1, occurred_on=future),
        row(2, area="ML99"),
        row(3, area="ML"),  # the country: refused as by the form
        row(4, category="nope"),
        row(5, persons=[victim(5, phone="call me")]),
        row(6, persons=[victim(6, age=150)]),
        row(7, latitude="14.5"),
    ]
    plan = pipeline.prepare(importer, organisation=org, rows=rows, source="x")
    found = {(e.row, e.column): str(e.message) for e in plan.errors}
    assert found[(2, "date_incident")] == "The date of the incident cannot be in the future."
    assert "ML99" in found[(3, "cercle")]
    assert found[(4, "cercle")] == "Choose at least a region, not the whole country."
    assert "nope" in found[(5, "category")]
    assert found[(6, "persons.0.phone")].startswith("A phone number may contain only")
    assert found[(7, "persons.0.age")] == "Age must be between 0 and 120 years."
    assert found[(8, "latitude")] == "Give both latitude and longitude, or neither."
    assert plan.rows == [] and len(plan.errors) == 7


def test_reader_errors_come_first_and_block_the_import(importer, org, areas):
    from passerelle.imports.rows import RowError

    reader = RowError(9, "date", "Enter a valid date.", "date")
    plan = pipeline.prepare(importer, organisation=org, rows=[row(1)], source="x", errors=[reader])
    assert plan.errors == [reader]
    with pytest.raises(DomainError):
        pipeline.apply(importer, plan)


def test_a_viewer_is_refused_and_the_refusal_audited(user_with_role, org, areas):
    viewer = user_with_role("viewer")
    with pytest.raises(DomainError):
        pipeline.prepare(viewer, organisation=org, rows=[row(1)], source="x")
    refusal = AuditEvent.objects.filter(action="access.refused").get()
    assert refusal.detail["action"] == "import.run" and refusal.actor == viewer


def test_an_im_officer_may_import_incidents_but_no_identities(user_with_role, org, areas):
    officer = user_with_role("im_officer")
    plan, result = run(officer, org, [row(1)])
    assert result["created"] == 1
    plan = pipeline.prepare(
        officer, organisation=org, rows=[row(2, persons=[victim(2)])], source="x"
    )
    assert [(e.row, e.column, e.code) for e in plan.errors] == [(3, "persons.0.role", "forbidden")]
    refused = AuditEvent.objects.filter(action="access.refused").values_list("detail", flat=True)
    assert {"action": "person.create", "reason": "bulk import"} in list(refused)


def test_identities_need_the_identity_right(user_with_role, org, areas, monkeypatch):
    from passerelle import policy

    real = policy.level_in

    def no_identity(user, organisation, action=None):
        return 3 if action == "person.view_identity" else real(user, organisation, action)

    monkeypatch.setattr(policy, "level_in", no_identity)
    monitor = user_with_role("monitor")
    plan = pipeline.prepare(
        monitor, organisation=org, rows=[row(1, persons=[victim(1)])], source="x"
    )
    assert [(e.column, e.code) for e in plan.errors] == [("nom", "forbidden")]
    plan = pipeline.prepare(
        monitor,
        organisation=org,
        rows=[row(1, persons=[victim(1, identity=False)])],
        source="x",
    )
    assert not plan.errors


def test_an_error_raised_mid_apply_leaves_nothing(importer, org, areas, monkeypatch):
    rows = [row(n, persons=[victim(n)]) for n in range(1, 2500)]
    plan = pipeline.prepare(importer, organisation=org, rows=rows, source="x")
    events = AuditEvent.objects.count()
    calls = []

    def boom(done, total):
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        pipeline.apply(importer, plan, progress=boom)
    assert calls == [1000, 2000]
    assert counts() == dict.fromkeys(counts(), 0)
    assert AuditEvent.objects.count() == events


def test_cancel_rolls_everything_back(importer, org, areas):
    rows = [row(n) for n in range(1, 1500)]
    plan = pipeline.prepare(importer, organisation=org, rows=rows, source="x")
    polls = []

    def cancelled():
        polls.append(1)
        return len(polls) > 1

    with pytest.raises(pipeline.ImportCancelled):
        pipeline.apply(importer, plan, cancelled=cancelled)
    assert counts()["incidents"] == 0 and not VictimCount.objects.exists()


def test_identities_are_encrypted_at_rest(importer, org, areas):
    run(importer, org, [row(1, persons=[victim(1, full_name="Mariam Unique-Nom")])])
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name, phone, full_name_index FROM incidents_person")
        stored = cursor.fetchall()
        cursor.execute("SELECT narrative FROM incidents_incident")
        narrative = cursor.fetchone()[0]
    assert stored and "Mariam" not in str(stored) and stored[0][0].startswith("p1:")
    assert "marché" not in narrative
    from passerelle.incidents import services

    assert list(services.find_persons(importer, name="mariam unique nom")) != []


def test_audit_chain_verifies_after_a_large_import(importer, org, areas):
    audit.record(importer, "test.before", organisation=org)
    rows = [row(n, persons=[victim(n, consents={"referral": True})]) for n in range(1, 2001)]
    plan, result = run(importer, org, rows)
    assert result["created"] == 2000
    assert audit.verify() == []
    actions = AuditEvent.objects.values_list("action", flat=True)
    assert list(actions).count("incident.create") == 2000
    assert list(actions).count("person.create") == 2000
    assert list(actions).count("consent.record") == 2000
    event = AuditEvent.objects.get(action="import.apply")
    assert event.detail["created"] == 2000 and "Aminata" not in str(event.detail)
    audit.record(importer, "test.after", organisation=org)
    assert audit.verify() == []


def test_apply_records_the_batch(importer, org, areas):
    batch = ImportBatch.objects.create(
        organisation=org, created_by=importer, source="xlsform", payload="abc"
    )
    plan, result = run(importer, org, [row(1)], batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.payload is None
    assert batch.result["created"] == 1 and batch.to_create == 1
    sub = ImportedSubmission.objects.get()
    assert sub.batch == batch and len(sub.digest) == 64
    incident_event = AuditEvent.objects.get(action="incident.create")
    assert incident_event.detail == {"import": str(batch.public_id)}


def test_an_edit_needs_the_right_to_change_the_incident(user_with_role, org, areas):
    officer = user_with_role("im_officer")  # imports, but may not edit incidents
    t0 = timezone.now() - dt.timedelta(days=1)
    run(officer, org, [row(1, version=t0)])
    edited = row(1, version=t0 + dt.timedelta(hours=1), narrative="Changé.")
    plan = pipeline.prepare(officer, organisation=org, rows=[edited], source="x")
    assert [(e.row, e.column, e.code) for e in plan.errors] == [(2, "key", "forbidden")]
    refusal = AuditEvent.objects.filter(action="access.refused").last()
    assert refusal.detail == {"action": "incident.edit", "reason": "bulk import"}
    monitor = user_with_role("monitor")
    assert pipeline.prepare(monitor, organisation=org, rows=[edited], source="x").to_update == 1


def test_a_version_without_time_zone_is_read_as_utc(importer, org, areas):
    naive = dt.datetime(2013, 3, 1, 10, 0)  # noqa: DTZ001 - what a source may give
    run(importer, org, [row(1, version=naive)])
    stored = ImportedSubmission.objects.get().version
    assert stored == naive.replace(tzinfo=dt.UTC)
    newer = row(1, version=naive + dt.timedelta(hours=1), narrative="Changé.")
    assert pipeline.prepare(importer, organisation=org, rows=[newer], source="x").to_update == 1
    wrong = row(2, version="hier")
    plan = pipeline.prepare(importer, organisation=org, rows=[wrong], source="x")
    assert [(e.row, e.column) for e in plan.errors] == [(3, "version")]


def test_an_edit_adds_persons_changes_consent_and_counts(importer, org, areas):
    t0 = timezone.now() - dt.timedelta(days=1)
    first = victim(1, consents={"referral": True}, needs=["legal_assistance_service"])
    run(importer, org, [row(1, persons=[first], version=t0)])
    edited = row(
        1,
        version=t0 + dt.timedelta(hours=2),
        persons=[
            victim(1, consents={"referral": False}, needs=["legal_assistance_service"]),
            victim(2, sex="m", age=40),
        ],
    )
    plan, result = run(importer, org, [edited])
    assert result["updated"] == 1 and result["persons"] == 1
    with unscoped():
        incident = ImportedSubmission.objects.get().incident
        codes = sorted(p.code[:3] for p in incident.persons.all())
        assert codes == ["V01", "V02"]
        answers = list(
            Consent.objects.filter(person__incident=incident).values_list("given", "withdrawn_at")
        )
        assert sorted(g for g, w in answers if w is None) == [False]
        assert len(answers) == 2 and Need.objects.count() == 1  # the need was already there
        cells = sorted((c.sex, c.age_group.code, c.count) for c in incident.victim_counts.all())
        assert cells == [("f", "18_59", 1), ("m", "18_59", 1)]
        assert ImportedSubmission.objects.get().persons == sorted(
            incident.persons.values_list("pk", flat=True)
        )
    update = AuditEvent.objects.get(action="incident.update")
    assert update.detail["fields"] == ["victim_counts"]
    assert AuditEvent.objects.filter(action="consent.record").count() == 2
    assert audit.verify() == []


def _without_identity_right(monkeypatch):
    from passerelle import policy

    real = policy.level_in

    def no_identity(user, organisation, action=None):
        return 3 if action == "person.view_identity" else real(user, organisation, action)

    monkeypatch.setattr(policy, "level_in", no_identity)


def test_an_edit_by_an_importer_without_the_identity_right_keeps_the_identities(
    importer, org, areas, monkeypatch
):
    t0 = timezone.now() - dt.timedelta(days=1)
    run(importer, org, [row(1, persons=[victim(1)], version=t0)])
    _without_identity_right(monkeypatch)
    edited = row(1, persons=[victim(1, identity=False, age=30)], version=t0 + dt.timedelta(hours=1))
    plan, result = run(importer, org, [edited])
    assert result["updated"] == 1
    with unscoped():
        person = ImportedSubmission.objects.get().incident.persons.get()
        assert person.age == 30
        assert person.full_name.reveal() == "Aminata Traoré-00001"
        assert person.phone.reveal() == "+223 76 01 41 07"
    person_update = AuditEvent.objects.filter(action="person.update").get()
    assert person_update.detail["fields"] == ["age"] and person_update.level == 3
    # a non-blank identity cell is still an error for them
    named = row(1, persons=[victim(1, age=31)], version=t0 + dt.timedelta(hours=2))
    plan = pipeline.prepare(importer, organisation=org, rows=[named], source="x")
    assert [(e.column, e.code) for e in plan.errors] == [("nom", "forbidden")]


def test_an_edit_by_an_importer_with_the_identity_right_erases_a_blank_identity(
    importer, org, areas
):
    t0 = timezone.now() - dt.timedelta(days=1)
    run(importer, org, [row(1, persons=[victim(1)], version=t0)])
    edited = row(1, persons=[victim(1, identity=False)], version=t0 + dt.timedelta(hours=1))
    run(importer, org, [edited])
    with unscoped():
        person = ImportedSubmission.objects.get().incident.persons.get()
        assert person.full_name is None and person.phone is None
        assert person.full_name_index in ("", None) and person.phone_index in ("", None)


def test_counts_below_the_victims_already_recorded_are_found_by_the_check(importer, org, areas):
    t0 = timezone.now() - dt.timedelta(days=1)
    run(importer, org, [row(1, persons=[victim(1), victim(2)], version=t0)])
    # the edit gives one person (the second is kept) and counts one victim: the incident
    # would keep two victims recorded as persons
    edited = row(
        1,
        persons=[victim(1, age=30)],
        victim_counts={("f", "18_59"): 1},
        version=t0 + dt.timedelta(hours=1),
    )
    plan = pipeline.prepare(importer, organisation=org, rows=[edited], source="x")
    assert [(e.row, e.column) for e in plan.errors] == [(2, "victim_counts")]
    assert "2 victims" in str(plan.errors[0].message)
    assert plan.to_update == 0
    # counting both is fine, and applies
    enough = row(
        1,
        persons=[victim(1, age=30)],
        victim_counts={("f", "18_59"): 2},
        version=t0 + dt.timedelta(hours=1),
    )
    plan, result = run(importer, org, [enough])
    assert result["updated"] == 1


def test_counts_of_an_edit_in_the_same_file_cover_the_victims_of_its_original(importer, org, areas):
    rows = [
        row(1, key="uuid:a", persons=[victim(1), victim(2)]),
        row(
            2,
            key="uuid:b",
            replaces="uuid:a",
            persons=[victim(1)],
            victim_counts={("f", "18_59"): 1},
        ),
    ]
    plan = pipeline.prepare(importer, organisation=org, rows=rows, source="x")
    assert [(e.row, e.column) for e in plan.errors] == [(3, "victim_counts")]


def test_a_services_error_is_worded_in_the_language_it_is_shown_in(importer, org, areas):
    """The services word their messages at once (`_("...") % {...}`); the pipeline keeps
    them lazy: checked in French, the error is still stored in English too."""
    t0 = timezone.now() - dt.timedelta(days=1)
    run(importer, org, [row(1, persons=[victim(1), victim(2)], version=t0)])
    edited = row(
        1,
        persons=[victim(1, age=30)],
        victim_counts={("f", "18_59"): 1},
        version=t0 + dt.timedelta(hours=1),
    )
    with translation.override("fr"):
        plan = pipeline.prepare(importer, organisation=org, rows=[edited], source="x")
        stored = plan.errors[0].as_dict()["message"]
    assert "Female" in stored["en"] and "Féminin" in stored["fr"]
    with translation.override("fr"):
        assert "Féminin" in str(plan.errors[0].message)
    assert "Female" in str(plan.errors[0].message)


def test_a_rules_error_in_a_new_row_is_worded_when_shown(importer, org, areas, monkeypatch):
    from passerelle.incidents import services

    def refuse(values):
        raise DomainError(f"refused in {translation.get_language()}", field="narrative")

    monkeypatch.setattr(services, "_validate_person", refuse)
    with translation.override("fr"):
        plan = pipeline.prepare(
            importer, organisation=org, rows=[row(1, persons=[victim(1)])], source="x"
        )
    assert plan.errors[0].as_dict()["message"] == {"en": "refused in en", "fr": "refused in fr"}
