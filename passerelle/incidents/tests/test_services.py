"""Incident services: validation, the verification workflow, persons, consent, need to know."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from passerelle import policy
from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.incidents import services
from passerelle.incidents.models import (
    VERIFICATION_TRANSITIONS,
    Consent,
    Incident,
    Person,
    VerificationEvent,
    VerificationStatus,
)
from passerelle.incidents.tests.factories import category, incident_factory, person_factory, term
from passerelle.policy.roles import ROLES
from passerelle.vocabularies.models import Term

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _counts():
    with unscoped():
        return (
            Incident.objects.count(),
            Person.objects.count(),
            AuditEvent.objects.exclude(action="access.refused").count(),
        )


def _set_status(incident, status):
    with unscoped():
        Incident.objects.filter(pk=incident.pk).update(verification_status=status)
    incident.verification_status = status


# --------------------------------------------------------------------------- recording


def test_recording_sets_reference_owner_category_and_counts(monitor, org, areas):
    age = term(Term.Vocabulary.AGE_GROUP, "18_59")
    incident = incident_factory(
        monitor, area=areas["ML0701"], victim_counts={("f", age): 2, ("m", age): 1}
    )
    assert incident.reference.startswith("DRC-2013-")
    assert incident.owner == org
    assert incident.recorded_by == monitor
    assert incident.data_category == "pm"
    assert incident.classification == 2
    assert incident.total_victims == 3
    assert incident.verification_status == VerificationStatus.REPORTED


@pytest.mark.parametrize(
    "code, level", [("crsv.rape", 3), ("gbv.rape", 3), ("mrm.killing", 2), ("hr.010105000000", 2)]
)
def test_sensitive_categories_default_to_confidential(code, level, monitor, areas):
    incident = incident_factory(monitor, category=category(code))
    assert incident.classification == level


def _bad_values(areas):
    other_vocab = term(Term.Vocabulary.AGE_GROUP, "18_59")
    return {
        "future date": ({"occurred_on": TODAY + dt.timedelta(days=2)}, "occurred_on"),
        "too old": ({"occurred_on": dt.date(1980, 1, 1)}, "occurred_on"),
        "reported before it happened": (
            {"occurred_on": dt.date(2013, 2, 14), "reported_on": dt.date(2013, 2, 1)},
            "reported_on",
        ),
        "reported in the future": ({"reported_on": TODAY + dt.timedelta(days=1)}, "reported_on"),
        "latitude without longitude": ({"latitude": "16.27"}, "latitude"),
        "longitude without latitude": ({"longitude": "0.05"}, "latitude"),
        "latitude out of range": ({"latitude": "91", "longitude": "0"}, "latitude"),
        "longitude out of range": ({"latitude": "16", "longitude": "181"}, "longitude"),
        "whole country": ({"area": areas["ML"]}, "area"),
        "framework instead of category": ({"category": category("mrm")}, "category"),
        "sub-type as category": ({"category": category("mrm.killing.shooting")}, "category"),
        "sub-type of another category": (
            {"category": category("mrm.maiming"), "sub_type": category("mrm.killing.shooting")},
            "sub_type",
        ),
        "perpetrator from another list": ({"perpetrator": other_vocab}, "perpetrator"),
        "classification 5": ({"classification": 5}, "classification"),
        "classification 1": ({"classification": 1}, "classification"),
    }


BAD_CASES = [
    "future date",
    "too old",
    "reported before it happened",
    "reported in the future",
    "latitude without longitude",
    "longitude without latitude",
    "latitude out of range",
    "longitude out of range",
    "whole country",
    "framework instead of category",
    "sub-type as category",
    "sub-type of another category",
    "perpetrator from another list",
    "classification 5",
    "classification 1",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_invalid_incidents_are_refused_and_nothing_is_written(case, monitor, areas):
    values, field = _bad_values(areas)[case]
    before = _counts()
    with pytest.raises(DomainError) as excinfo:
        incident_factory(monitor, **values)
    assert excinfo.value.field == field
    assert str(excinfo.value)
    assert _counts() == before


def test_a_negative_victim_count_is_refused_and_nothing_is_written(monitor, areas):
    before = _counts()
    with pytest.raises(DomainError) as excinfo:
        incident_factory(monitor, victim_counts={("f", term("age_group", "0_4")): -1})
    assert excinfo.value.field == "victim_counts"
    assert _counts() == before


CANNOT_CREATE = sorted(r for r in ROLES if "incident.create" not in ROLES[r].actions)


@pytest.mark.parametrize("role", CANNOT_CREATE)
def test_roles_without_create_cannot_record(role, org, areas, user_with_role):
    user = user_with_role(role)
    before = _counts()
    with pytest.raises(DomainError) as excinfo:
        incident_factory(user, organisation=org)
    assert excinfo.value.code == "forbidden"
    assert _counts() == before


def test_a_refused_recording_is_audited(org, areas, user_with_role):
    """DESIGN principle 7: every refusal goes into the audit log. The service writes the
    refusal, then raises inside its transaction: the refusal must survive the rollback."""
    viewer = user_with_role("viewer")
    with pytest.raises(DomainError):
        incident_factory(viewer, organisation=org)
    assert AuditEvent.objects.filter(action="access.refused", actor=viewer).exists()


def test_a_refused_verification_is_audited(incident, user_with_role):
    monitor = user_with_role("monitor")
    with pytest.raises(PermissionDenied):
        services.change_verification_status(monitor, incident, to_status="under_verification")
    assert AuditEvent.objects.filter(action="access.refused", actor=monitor).exists()


def test_a_monitor_cannot_record_for_another_organisation(monitor, other_org, areas):
    with pytest.raises(DomainError):
        incident_factory(monitor, organisation=other_org)


def test_an_update_records_only_the_changed_fields(monitor, incident):
    services.update_incident(
        monitor, incident, narrative=incident.narrative, classification=4, latitude=None
    )
    event = AuditEvent.objects.filter(action="incident.update").latest("seq")
    assert event.detail == {"fields": ["classification"]}


def test_an_invalid_update_writes_nothing(monitor, incident):
    before = _counts()
    with pytest.raises(DomainError):
        services.update_incident(monitor, incident, occurred_on=TODAY + dt.timedelta(days=3))
    assert _counts() == before
    with unscoped():
        assert Incident.objects.get(pk=incident.pk).occurred_on == dt.date(2013, 2, 14)


# --------------------------------------------------------------------------- verification

STATUSES = list(VerificationStatus)


@pytest.fixture
def verifier(user_with_role):
    return user_with_role("verifier", username="minusma.verifier")


@pytest.mark.parametrize(
    "current, target", list(itertools.product(STATUSES, STATUSES)), ids=lambda s: s.value
)
def test_the_workflow_allows_exactly_its_transitions(current, target, verifier, incident):
    _set_status(incident, current)
    allowed = target in VERIFICATION_TRANSITIONS[current]
    if allowed:
        services.change_verification_status(
            verifier, incident, to_status=target, note="Deux sources concordantes."
        )
        step = VerificationEvent.objects.get(incident=incident)
        assert (step.from_status, step.to_status, step.actor) == (current, target, verifier)
        assert step.note.reveal() == "Deux sources concordantes."  # sealed at rest
        with unscoped():
            assert Incident.objects.get(pk=incident.pk).verification_status == target
    else:
        with pytest.raises(DomainError) as excinfo:
            services.change_verification_status(verifier, incident, to_status=target, note="x")
        assert excinfo.value.field == "to_status"
        assert not VerificationEvent.objects.filter(incident=incident).exists()
        with unscoped():
            assert Incident.objects.get(pk=incident.pk).verification_status == current


@pytest.mark.parametrize("target", ["not_verified", "discarded"])
@pytest.mark.parametrize("note", ["", "   \n "])
def test_a_negative_outcome_needs_a_note(target, note, verifier, incident):
    _set_status(incident, VerificationStatus.UNDER_VERIFICATION)
    with pytest.raises(DomainError) as excinfo:
        services.change_verification_status(verifier, incident, to_status=target, note=note)
    assert excinfo.value.field == "note"
    assert not VerificationEvent.objects.filter(incident=incident).exists()


def test_the_history_keeps_every_step(verifier, incident):
    steps = [
        ("under_verification", ""),
        ("verified", ""),
        ("under_verification", "Nouvelle information."),
        ("not_verified", "  Source unique, non corroborée.  "),
    ]
    for target, note in steps:
        services.change_verification_status(verifier, incident, to_status=target, note=note)
    history = list(VerificationEvent.objects.filter(incident=incident))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("reported", "under_verification"),
        ("under_verification", "verified"),
        ("verified", "under_verification"),
        ("under_verification", "not_verified"),
    ]
    assert history[-1].note.reveal() == "Source unique, non corroborée."  # sealed at rest
    assert {h.actor for h in history} == {verifier}
    events = AuditEvent.objects.filter(
        action="incident.verification", object_id=str(incident.public_id)
    )
    assert events.count() == 4


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_roles_with_verify_can_verify(role, incident, user_with_role):
    user = user_with_role(role)
    incident.need_to_know.add(user)
    expected = "incident.verify" in ROLES[role].actions and ROLES[role].level >= 3
    if expected:
        services.change_verification_status(user, incident, to_status="under_verification")
        assert incident.verification_status == "under_verification"
    else:
        with pytest.raises(PermissionDenied):
            services.change_verification_status(user, incident, to_status="under_verification")
        assert not VerificationEvent.objects.filter(incident=incident).exists()


def test_a_verifier_of_another_organisation_cannot_verify(incident, other_org, user_with_role):
    outsider = user_with_role("verifier", other_org)
    with pytest.raises(PermissionDenied):
        services.change_verification_status(outsider, incident, to_status="under_verification")


def test_a_strictly_confidential_incident_needs_a_named_verifier(monitor, areas, verifier):
    incident = incident_factory(monitor, classification=4)
    with pytest.raises(PermissionDenied):
        services.change_verification_status(verifier, incident, to_status="under_verification")
    incident.need_to_know.add(verifier)
    services.change_verification_status(verifier, incident, to_status="under_verification")


# --------------------------------------------------------------------------- need to know


def test_an_org_admin_names_a_colleague_who_then_sees_identities(
    incident, person, verifier, user_with_role
):
    manager = user_with_role("org_admin")
    assert not policy.can(verifier, "person.view_identity", person)
    services.set_need_to_know(manager, incident, user=verifier, named=True)
    policy.forget(verifier)
    assert policy.can(verifier, "person.view_identity", person)
    services.set_need_to_know(manager, incident, user=verifier, named=False)
    assert not policy.can(verifier, "person.view_identity", person)
    assert AuditEvent.objects.filter(action="incident.need_to_know").count() == 2


def test_only_members_of_the_owning_organisation_can_be_named(incident, other_org, user_with_role):
    manager = user_with_role("org_admin")
    outsider = user_with_role("verifier", other_org)
    with pytest.raises(DomainError) as excinfo:
        services.set_need_to_know(manager, incident, user=outsider, named=True)
    assert excinfo.value.field == "user"


def test_an_org_admin_can_name_colleagues_on_a_strictly_confidential_incident(
    monitor, areas, verifier, user_with_role
):
    """Level-4 incidents need named verifiers (test above); someone must be able to name
    them. Only org_admin holds incident.manage_access, at level 3, and the policy asks for
    max(3, classification) = 4: nobody can name anyone on a level-4 incident."""
    incident = incident_factory(monitor, classification=4)
    manager = user_with_role("org_admin")
    services.set_need_to_know(manager, incident, user=verifier, named=True)
    assert policy.can(verifier, "incident.verify", incident)


# --------------------------------------------------------------------------- persons


def test_a_person_gets_a_code_an_age_group_and_an_encrypted_identity(monitor, incident):
    person = person_factory(monitor, incident, age=15, full_name="Fanta Coulibaly")
    assert person.code.startswith("V01-")
    assert person.age_group.code == "12_17"
    with unscoped():
        stored = Person.objects.get(pk=person.pk)
    assert str(stored.full_name) != "Fanta Coulibaly"
    assert stored.full_name.reveal() == "Fanta Coulibaly"
    event = AuditEvent.objects.filter(action="person.create").latest("seq")
    assert event.level == 4


def test_an_unnamed_monitor_adds_a_person_but_not_an_identity(incident, user_with_role):
    colleague = user_with_role("monitor")
    before = _counts()
    with pytest.raises(DomainError) as excinfo:
        person_factory(colleague, incident, full_name="Awa Dembélé")
    assert excinfo.value.code == "forbidden"
    assert _counts() == before
    person = services.add_person(colleague, incident, role="witness", sex="m", age=40)
    assert person.code.startswith("W01-") or person.code.startswith("W")


@pytest.mark.parametrize(
    "values, field",
    [
        ({"role": "bystander"}, "role"),
        ({"age": 130}, "age"),
        ({"phone": "call me maybe"}, "phone"),
        ({"age_group": "wrong-vocab"}, "age_group"),
    ],
)
def test_invalid_persons_are_refused(values, field, monitor, incident):
    if values.get("age_group") == "wrong-vocab":
        values = {"age_group": term(Term.Vocabulary.DISPLACEMENT, "idp")}
    before = _counts()
    with pytest.raises(DomainError) as excinfo:
        person_factory(monitor, incident, **values)
    assert excinfo.value.field == field
    assert _counts() == before


def test_renaming_a_person_moves_the_blind_index(monitor, person):
    services.update_person(monitor, person, full_name="Fatoumata Diallo")
    assert list(services.find_persons(monitor, name="fatoumata diallo")) == [person]
    assert list(services.find_persons(monitor, name="Fatoumata Maïga")) == []


def test_changing_an_identity_needs_the_identity_right(person, user_with_role):
    manager = user_with_role("org_admin")  # person.view, no person.edit
    case_worker = user_with_role("case_worker")  # person.edit, not named
    with pytest.raises(PermissionDenied):
        services.update_person(manager, person, age=30)
    services.update_person(case_worker, person, age=30)
    with pytest.raises(PermissionDenied):
        services.update_person(case_worker, person, full_name="Someone")


def test_find_persons_searches_only_what_the_user_may_see(person, other_org, user_with_role):
    outsider = user_with_role("monitor", other_org)
    assert list(services.find_persons(outsider, name="Fatoumata Maïga")) == []
    unnamed = user_with_role("monitor")
    assert list(services.find_persons(unnamed, name="Fatoumata Maïga")) == []
    assert list(services.find_persons(unnamed, name="")) == []


# --------------------------------------------------------------------------- consent


def test_a_new_answer_replaces_the_previous_one(monitor, person):
    first = services.record_consent(monitor, person, scope="referral", given=True)
    second = services.record_consent(monitor, person, scope="referral", given=False)
    first.refresh_from_db()
    assert first.withdrawn_at is not None
    assert second.is_active is False and second.withdrawn_at is None
    other = services.record_consent(monitor, person, scope="case_sharing", given=True)
    assert other.is_active


def test_a_consent_is_withdrawn_once(monitor, person):
    consent = services.record_consent(monitor, person, scope="referral", given=True)
    services.withdraw_consent(monitor, consent)
    assert consent.withdrawn_at <= timezone.now()
    with pytest.raises(DomainError):
        services.withdraw_consent(monitor, consent)
    assert AuditEvent.objects.filter(action="consent.withdraw").count() == 1


def test_an_unknown_consent_scope_is_refused(monitor, person):
    with pytest.raises(DomainError) as excinfo:
        services.record_consent(monitor, person, scope="everything", given=True)
    assert excinfo.value.field == "scope"
    with unscoped():
        assert not Consent.objects.filter(person=person).exists()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_roles_with_consent_record_can_record_consent(role, person, user_with_role):
    user = user_with_role(role)
    if "consent.record" in ROLES[role].actions and ROLES[role].level >= 3:
        services.record_consent(user, person, scope="referral", given=True)
    else:
        with pytest.raises(PermissionDenied):
            services.record_consent(user, person, scope="referral", given=True)
