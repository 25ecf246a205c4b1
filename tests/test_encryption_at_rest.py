"""Identities, narratives and exact places are encrypted at rest, and the key is checked.

The main test records distinctive values through the services and the pages, commits them,
then searches the raw bytes of the database (the SQLite file and its journal, or a
`pg_dump` of the PostgreSQL test database) for any of them in clear.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passerelle.accounts.models import Organisation, User
from passerelle.core import crypto
from passerelle.core.checks import field_key_matches_database
from passerelle.core.fields import Sealed
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.geography.models import Area
from passerelle.incidents import services
from passerelle.incidents.models import Incident, Person
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.vocabularies.models import Term

SECRETS = {
    "full_name": "Zénabou Kéïta-Quixotine",
    "father_name": "Ousmane Quixotéine Kéïta",
    "mother_name": "Hawa Zyxwéline Diarra",
    "phone": "+223 66 99 13 57 91",
    "address": "Concession ocre derrière la mosquée de Zorbalandia",
    "narrative": "Des hommes armés ont incendié les greniers de Xylophonia pendant la nuit.",
    "exact_location": "Gué des Xylophones, 3 km au nord du marché",
}
EDITED_NAME = "Mariam Quetzalcoatl-Sidibé"
TYPED_IN_A_FORM = "Kadiatou Wxyzéenne Touré"
OTHER_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def _new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


# --------------------------------------------------------------------------- raw bytes


def _raw_database_text() -> tuple[bytes, str]:
    """The bytes stored by the database now, and what was read."""
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        if not path.is_file():
            pytest.skip("the SQLite test database is in memory, not in a file")
        chunks, read = [], []
        for suffix in ("", "-journal", "-wal"):
            candidate = Path(f"{path}{suffix}")
            if candidate.is_file():
                chunks.append(candidate.read_bytes())
                read.append(candidate.name)
        return b"\n".join(chunks), ", ".join(read)
    if connection.vendor == "postgresql":
        pg_dump = "/usr/lib/postgresql/15/bin/pg_dump"
        if not os.access(pg_dump, os.X_OK):
            pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not installed")
        params = connection.settings_dict
        command = [pg_dump, "--no-owner", "--dbname", params["NAME"]]
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if params.get(key):
                command += [option, str(params[key])]
        env = {**os.environ, "PGPASSWORD": str(params.get("PASSWORD") or "")}
        dump = subprocess.run(command, capture_output=True, env=env, check=True, timeout=120)
        return dump.stdout, f"pg_dump of {params['NAME']}"
    pytest.skip(f"no raw reader for {connection.vendor}")


def _leaks(raw: bytes, values) -> list[str]:
    folded = raw.decode("utf-8", errors="replace").casefold()
    found = []
    for value in values:
        if value.encode("utf-8") in raw or value.casefold() in folded:
            found.append(value)
    return found


def _public_strings() -> list[str]:
    """Reference data stored in clear on purpose (areas, terms, organisations, users)."""
    strings = []
    for a in Area.objects.all():
        strings += [a.name_fr, a.name_en]
    for t in Term.objects.all():
        strings += [t.label_fr, t.label_en]
    for o in Organisation.objects.all():
        strings += [o.name, o.acronym]
    for u in User.objects.all():
        strings += [u.username, u.get_full_name()]
    return [s.casefold() for s in strings if s]


def _stored_plaintexts() -> list[str]:
    """Every identity, narrative and exact location in the database, decrypted."""
    values = []
    with unscoped():
        for incident in Incident.objects.all():
            values += [incident.narrative, incident.exact_location]
        for person in Person.objects.all():
            values += [
                person.full_name,
                person.father_name,
                person.mother_name,
                person.phone,
                person.address,
            ]
    # The free text written about cases and requests (level 3), the demo's included.
    from passerelle.incidents.models import Consent, VerificationEvent
    from passerelle.inforequests.models import Request
    from passerelle.referrals.models import Referral, ReferralEvent
    from passerelle.sharing.models import BreakGlass

    for model, names in (
        (VerificationEvent, ["note"]),
        (Consent, ["note"]),
        (Referral, ["provider_note"]),
        (ReferralEvent, ["note"]),
        (BreakGlass, ["reason"]),
        (Request, ["body", "answer"]),
    ):
        for row in model._base_manager.only("pk", *names):
            values += [getattr(row, name) for name in names]
    return [v.reveal() for v in values if isinstance(v, Sealed)]


@pytest.mark.django_db(transaction=True)
def test_no_identity_narrative_or_place_is_stored_in_clear():
    from passerelle.accounts.tests.factories import MembershipFactory, UserFactory
    from passerelle.geography.loader import load_mali
    from passerelle.incidents.tests.fixtures import logged_in_client
    from passerelle.vocabularies.loader import sync_terms

    # An earlier transactional test may have flushed the terms loaded by the migration.
    sync_terms(Term)
    load_mali()
    org = Organisation.objects.create(name="Plaintext hunters", acronym="PH", type="nngo")
    monitor = UserFactory(username="ph.monitor")
    MembershipFactory(user=monitor, organisation=org, role="monitor")

    # Through the services.
    incident = incident_factory(
        monitor,
        organisation=org,
        classification=4,
        narrative=SECRETS["narrative"],
        exact_location=SECRETS["exact_location"],
    )
    person = person_factory(monitor, incident, **{k: SECRETS[k] for k in services.IDENTITY_FIELDS})
    services.update_person(monitor, person, full_name=EDITED_NAME)
    services.update_person(monitor, person, full_name=SECRETS["full_name"])
    services.record_consent(monitor, person, scope="identifiable_sharing", given=True)
    # Through the pages (sessions, messages and audit must not keep what was typed).
    browser = logged_in_client(monitor)
    response = browser.post(
        reverse("incidents:person_create", kwargs={"public_id": incident.public_id}),
        {"role": "witness", "sex": "m", "disability": "unknown", "full_name": TYPED_IN_A_FORM},
    )
    assert response.status_code == 302
    browser.post(reverse("incidents:person_search"), {"name": TYPED_IN_A_FORM})
    browser.get(reverse("incidents:person", kwargs={"public_id": person.public_id}))
    with unscoped():
        assert Person.objects.filter(full_name_index=person.full_name_index).count() == 1

    demo = "passerelle.demo" in settings.INSTALLED_APPS
    if demo:
        call_command("load_demo", small=True)

    raw, source = _raw_database_text()
    # The reader does see committed data: the organisation's name is stored in clear.
    assert _leaks(raw, ["Plaintext hunters", "ph.monitor"]) == ["Plaintext hunters", "ph.monitor"]
    mine = [*SECRETS.values(), EDITED_NAME, TYPED_IN_A_FORM, "6699135791"]
    assert _leaks(raw, mine) == [], f"plaintext found in {source}"

    # Every stored plaintext (the demo's too), except reference data that is public anyway.
    public = _public_strings()
    stored = [
        v
        for v in _stored_plaintexts()
        if len(v) >= 10 and not any(v.casefold() in p for p in public)
    ]
    assert set(mine) - {"6699135791"} <= set(stored) | {EDITED_NAME}
    if demo:
        assert len(stored) > len(mine), "the demo recorded identities and narratives"
    assert _leaks(raw, stored) == [], f"plaintext found in {source}"


# --------------------------------------------------------------------------- blind index


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "fatoumata maïga",
        "FATOUMATA MAIGA",
        "  Fatoumata   Maiga ",
        "Fatoumata-Maïga",
        "fAtOuMaTa MAÏGA",
    ],
)
def test_the_blind_index_finds_a_person_whatever_the_case_and_accents(typed, monitor, person):
    found = list(services.find_persons(monitor, name=typed))
    assert found == [person]


@pytest.mark.django_db
def test_the_blind_index_finds_by_phone_digits_and_not_by_another_name(monitor, person):
    assert list(services.find_persons(monitor, phone="22376123456")) == [person]
    assert list(services.find_persons(monitor, phone="(223) 76-12-34-56")) == [person]
    assert list(services.find_persons(monitor, phone="76 12 34 56")) == []  # exact only
    assert list(services.find_persons(monitor, name="Fatoumata Maïgaa")) == []


@pytest.mark.django_db
def test_the_blind_index_is_keyed_and_stores_no_plaintext(person):
    index = person.full_name_index
    assert len(index) == 64 and "fatoumata" not in index
    with override_settings(FIELD_KEY=OTHER_KEY):
        assert crypto.blind_index("Fatoumata Maïga", "person.name") != index


# --------------------------------------------------------------------------- AAD and keys


def _stored(person) -> Person:
    """The person as read back from the database (identity fields are Sealed)."""
    with unscoped():
        return Person.objects.get(pk=person.pk)


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_field_does_not_decrypt(person):
    token = _stored(person).full_name.token
    row = f"#{person.public_id}"
    assert Sealed(token, "incidents.Person.full_name" + row).reveal() == "Fatoumata Maïga"
    for context in (
        "incidents.Person.father_name",
        "incidents.Person.phone",
        "incidents.Incident.narrative",
    ):
        with pytest.raises(crypto.DecryptionError):
            Sealed(token, context + row).reveal()


@pytest.mark.django_db
def test_a_ciphertext_copied_into_another_column_does_not_decrypt(person):
    with unscoped():
        Person.objects.filter(pk=person.pk).update(father_name=_stored(person).full_name)
        moved = Person.objects.get(pk=person.pk)
    with pytest.raises(crypto.DecryptionError):
        moved.father_name.reveal()


@pytest.mark.django_db
def test_a_ciphertext_copied_into_another_row_does_not_decrypt(monitor, incident, person):
    """Swapping identities between two people must not go unnoticed: the row should be part
    of the associated data, as the field is."""
    other = person_factory(monitor, incident, full_name="Someone Else Entirely")
    with unscoped():
        Person.objects.filter(pk=other.pk).update(full_name=_stored(person).full_name)
        moved = Person.objects.get(pk=other.pk)
    with pytest.raises(crypto.DecryptionError):
        moved.full_name.reveal()


def test_a_wrong_key_raises_decryption_error():
    token = crypto.encrypt("Fatoumata Maïga", "incidents.Person.full_name")
    with override_settings(FIELD_KEY=OTHER_KEY):
        with pytest.raises(crypto.DecryptionError, match="another key"):
            crypto.decrypt(token, "incidents.Person.full_name")
    assert crypto.decrypt(token, "incidents.Person.full_name") == "Fatoumata Maïga"


def test_a_tampered_ciphertext_raises_decryption_error():
    token = crypto.encrypt("Fatoumata Maïga", "incidents.Person.full_name")
    raw = bytearray(base64.urlsafe_b64decode(token[len(crypto.PREFIX) :]))
    raw[-1] ^= 1
    tampered = crypto.PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, "incidents.Person.full_name")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("Fatoumata Maïga", "incidents.Person.full_name")


@pytest.mark.django_db
def test_the_system_check_refuses_a_key_that_does_not_open_the_database():
    crypto.ensure_canary()
    assert field_key_matches_database() == []
    crypto._keys_for.cache_clear()
    with override_settings(FIELD_KEY=_new_key()):
        errors = field_key_matches_database()
    assert len(errors) == 1
    assert isinstance(errors[0], Error)
    assert errors[0].id == "passerelle.E001"
    assert "does not match" in errors[0].msg
    assert field_key_matches_database() == []


@pytest.mark.parametrize(
    "key, reason",
    [
        ("not base64!!", "not valid base64"),
        ("c2hvcnQ=", "32 bytes"),
        (base64.urlsafe_b64encode(b"x" * 31).decode(), "32 bytes"),
        (base64.urlsafe_b64encode(b"x" * 33).decode(), "32 bytes"),
    ],
)
def test_a_malformed_key_is_refused_with_a_clear_message(key, reason):
    crypto._keys_for.cache_clear()
    with override_settings(FIELD_KEY=key):
        with pytest.raises(ImproperlyConfigured, match=reason):
            crypto.load_keys()
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x", "ctx")


def test_a_missing_key_is_refused_with_a_clear_message():
    with override_settings(FIELD_KEY=""):
        with pytest.raises(ImproperlyConfigured, match="No encryption key"):
            crypto.load_keys()


def test_encryption_is_randomised():
    a = crypto.encrypt("Fatoumata Maïga", "ctx")
    b = crypto.encrypt("Fatoumata Maïga", "ctx")
    assert a != b


# --------------------------------------------------------------------------- properties


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["incidents.Person.full_name", "x", ""]))
def test_decrypt_inverts_encrypt(plaintext, context):
    assert crypto.decrypt(crypto.encrypt(plaintext, context), context) == plaintext


@hsettings(max_examples=200, deadline=None)
@given(st.text(min_size=4, max_size=300))
def test_the_ciphertext_never_contains_the_plaintext(plaintext):
    token = crypto.encrypt(plaintext, "incidents.Person.full_name")
    header = token[: len(crypto.PREFIX) + 8]  # prefix and key id: the same for every value
    assume(plaintext not in header)
    assert plaintext not in token
    raw = base64.urlsafe_b64decode(token[len(crypto.PREFIX) :])
    assert plaintext.encode("utf-8") not in raw


# --------------------------------------------------------------------------- notes and places
# Exact coordinates and the free text written about cases (verification, consent, referral
# and referral-event notes, break-glass reasons, request bodies and answers) are level-3
# content: encrypted at rest, opened only by the policy for readers who reach level 3.


def _column(table: str, column: str) -> list[str]:
    """What the database holds in a column, read with plain SQL (no model, no key)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        return [str(row[0]) for row in cursor.fetchall()]


def _sealed_in_column(table: str, column: str, clear: str) -> None:
    stored = [v for v in _column(table, column) if v != ""]
    assert stored, f"nothing stored in {table}.{column}"
    assert all(v.startswith(crypto.PREFIX) for v in stored), f"{table}.{column} holds clear text"
    assert not any(clear.casefold() in v.casefold() for v in stored)


PLACE = ("16.27183", "-0.04417")
VERIFICATION_NOTE = "Deux témoins directs au puits de Xylophonia."
CONSENT_NOTE = "Accord donné en présence de sa tante à Zorbalandia."


@pytest.fixture
def noted(monitor, user_with_role, areas):
    """A level-2 incident (so that a level-2 reader opens it) with exact coordinates, a
    verification note and a consent note, which are level-3 content."""
    incident = incident_factory(
        monitor,
        area=areas["ML0701"],
        classification=2,
        latitude=PLACE[0],
        longitude=PLACE[1],
    )
    verifier = user_with_role("verifier")
    services.change_verification_status(
        verifier, incident, to_status="under_verification", note=VERIFICATION_NOTE
    )
    person = person_factory(monitor, incident)
    services.record_consent(monitor, person, scope="case_sharing", given=True, note=CONSENT_NOTE)
    return incident, person


@pytest.mark.django_db
def test_coordinates_and_incident_notes_are_not_stored_in_clear(noted):
    _sealed_in_column("incidents_incident", "latitude", PLACE[0])
    _sealed_in_column("incidents_incident", "longitude", PLACE[1])
    for digits in ("27183", "04417"):
        assert not any(digits in v for v in _column("incidents_incident", "latitude"))
        assert not any(digits in v for v in _column("incidents_incident", "longitude"))
    _sealed_in_column("incidents_verificationevent", "note", VERIFICATION_NOTE)
    _sealed_in_column("incidents_consent", "note", CONSENT_NOTE)


@pytest.mark.django_db
def test_the_owner_sees_coordinates_and_notes_and_a_lower_level_does_not(
    noted, monitor, client_for, client_as
):
    incident, person = noted
    url = reverse("incidents:detail", kwargs={"public_id": incident.public_id})
    page = client_for(monitor).get(url).content.decode()
    assert "16.27183" in page and "-0.04417" in page
    assert VERIFICATION_NOTE in page
    person_page = client_for(monitor).get(
        reverse("incidents:person", kwargs={"public_id": person.public_id})
    )
    assert CONSENT_NOTE in person_page.content.decode()

    analyst = client_as("im_officer")  # level 2 in the owning organisation
    response = analyst.get(url)
    assert response.status_code == 200  # the record is shown, at level 2
    page = response.content.decode()
    assert incident.reference in page
    assert "16.27183" not in page and "27183" not in page
    assert VERIFICATION_NOTE not in page
    assert "[protected]" not in page
    listing = analyst.get(reverse("incidents:list")).content.decode()
    assert incident.reference in listing and "27183" not in listing


@pytest.mark.django_db
def test_the_edit_form_shows_the_coordinates_and_an_unchanged_save_keeps_them(
    noted, monitor, client_for
):
    incident, _ = noted
    url = reverse("incidents:edit", kwargs={"public_id": incident.public_id})
    page = client_for(monitor).get(url).content.decode()
    assert 'value="16.27183"' in page and 'value="-0.04417"' in page
    services.update_incident(monitor, incident, latitude="16.27183", longitude="-0.04417")
    event = AuditEvent.objects.filter(action="incident.update").latest("pk")
    assert event.detail["fields"] == []  # the same place, spelled alike: no change recorded
    services.update_incident(monitor, incident, latitude=None, longitude=None)
    with unscoped():
        stored = Incident.objects.get(pk=incident.pk)
    assert stored.latitude is None and stored.longitude is None


@pytest.mark.django_db
def test_sealing_a_clear_column_is_idempotent_and_reversible(noted):
    """What the data migrations do to rows written before the fields were encrypted."""
    from passerelle.core.sealing import seal_column, unseal_column
    from passerelle.incidents.models import VerificationEvent

    incident, _ = noted
    with connection.cursor() as cursor:  # as a row written before the migration
        cursor.execute(
            "UPDATE incidents_incident SET latitude = %s WHERE id = %s", ["16.2", incident.pk]
        )
    assert seal_column(Incident, "latitude") == 1
    token = _column("incidents_incident", "latitude")
    assert seal_column(Incident, "latitude") == 0  # already sealed: left alone
    assert _column("incidents_incident", "latitude") == token
    with unscoped():
        assert Incident.objects.get(pk=incident.pk).latitude.reveal() == "16.2"

    assert unseal_column(VerificationEvent, "note") == 1
    assert _column("incidents_verificationevent", "note") == [VERIFICATION_NOTE]
    assert seal_column(VerificationEvent, "note") == 1
    _sealed_in_column("incidents_verificationevent", "note", VERIFICATION_NOTE)
    assert VerificationEvent.objects.get(incident=incident).note.reveal() == VERIFICATION_NOTE


@pytest.mark.django_db
def test_a_note_moved_to_another_incidents_history_does_not_decrypt(noted, monitor):
    from passerelle.incidents.models import VerificationEvent

    incident, _ = noted
    other = incident_factory(monitor)
    verifier_event = VerificationEvent.objects.get(incident=incident)
    VerificationEvent.objects.filter(pk=verifier_event.pk).update(incident=other)
    moved = VerificationEvent.objects.get(pk=verifier_event.pk)
    with pytest.raises(crypto.DecryptionError):
        moved.note.reveal()


BREAK_GLASS_REASON = "La survivante de Xylophonia est menacée ce soir; orientation vers un abri."


@pytest.mark.django_db
def test_break_glass_reasons_are_sealed_and_shown_to_the_reviewer_only(
    incident, user_with_role, client_for, other_org
):
    from passerelle.sharing import services as sharing_services

    colleague = user_with_role("case_worker")
    sharing_services.open_break_glass(colleague, incident, reason=BREAK_GLASS_REASON, hours=2)
    _sealed_in_column("sharing_breakglass", "reason", "Xylophonia")

    url = reverse("sharing:break_glass_list")
    reviewer = user_with_role("org_admin")
    page = client_for(reviewer).get(url).content.decode()
    assert BREAK_GLASS_REASON in page and "[protected]" not in page
    read = AuditEvent.objects.get(action="breakglass.read", actor=reviewer)
    assert read.organisation == incident.owner and read.level == 3
    assert "Xylophonia" not in str(read.detail)
    outsider = client_for(user_with_role("org_admin", other_org)).get(url)
    assert outsider.status_code == 200 and "Xylophonia" not in outsider.content.decode()
    assert client_for(user_with_role("viewer")).get(url).status_code in (403, 404)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_rows_written_before_and_reverses():
    """sharing/0003 run for real: a reason written in clear under 0002 is encrypted by the
    migration, decrypted back by its reverse, and encrypted again (idempotent forward)."""
    import datetime as dt

    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    from passerelle.accounts.tests.factories import MembershipFactory, UserFactory
    from passerelle.geography.loader import load_mali
    from passerelle.sharing.models import BreakGlass
    from passerelle.vocabularies.loader import sync_terms

    sync_terms(Term)  # an earlier transactional test may have flushed them
    load_mali()
    org = Organisation.objects.create(name="Migration testers", acronym="MT", type="nngo")
    monitor = UserFactory(username="mt.monitor")
    MembershipFactory(user=monitor, organisation=org, role="monitor")
    incident = incident_factory(monitor, organisation=org)

    before, after = (
        [("sharing", "0002_disclosure_indexes")],
        [("sharing", "0003_encrypt_break_glass_reasons")],
    )
    clear = "Orientation urgente vers l'abri de Xylophonia ce soir."
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("sharing", "BreakGlass")
        row = old.objects.create(
            user_id=monitor.pk,
            incident_id=incident.pk,
            organisation_id=incident.owner_id,
            reason=clear,
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        assert _column("sharing_breakglass", "reason") == [clear]

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        _sealed_in_column("sharing_breakglass", "reason", "Xylophonia")
        with unscoped():
            assert BreakGlass.objects.get(pk=row.pk).reason.reveal() == clear

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert _column("sharing_breakglass", "reason") == [clear]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    _sealed_in_column("sharing_breakglass", "reason", "Xylophonia")
