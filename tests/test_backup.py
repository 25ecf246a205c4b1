"""Backups that restore: the whole database and its keys in one encrypted file, restored all or
nothing, refused with a clear message when the passphrase, the keys or the schema do not fit.

Runs on SQLite and on PostgreSQL (DATABASE_URL=postgres://...): the round trip is the same."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import override_settings
from django.utils import translation

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core import audit, backup, crypto
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Incident, Person
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.policy.purposes import Purpose
from passerelle.referrals import services as referral_services
from passerelle.referrals.models import Referral, ServiceType
from passerelle.referrals.tests.factories import service_factory
from passerelle.sharing.tests.factories import protocol_factory

pytestmark = pytest.mark.django_db

PASSPHRASE = "Mopti, la Venise du Mali"
NOTE = "Rendez-vous jeudi au CSRéf, côté maternité."


def _new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def data(org, monitor, areas, user_with_role):
    """Two victims with identities, a referral with an encrypted note, their audit events."""
    provider = OrganisationFactory(acronym="UNFPA", name="Fonds des Nations unies")
    gao = areas["ML07"]
    receiver = user_with_role("case_worker", provider, username="unfpa.cw", email="cw@unfpa.test")
    protocol_factory(
        {org: "cluster_member", provider: "gbv_provider"},
        [("gbv_provider", "*", 4, [Purpose.RESPONSE])],
        areas=[gao],
    )
    medical = service_factory(
        provider, service_type=ServiceType.MEDICAL, areas=[gao], receiver=receiver
    )
    incident = incident_factory(monitor, area=areas["ML0701"], classification=3)
    first = person_factory(monitor, incident, full_name="Fatoumata Maïga")
    person_factory(monitor, incident, full_name="Oumou Sangaré", role="witness")
    incident_services.record_consent(monitor, first, scope="referral", given=True)
    referral = referral_services.create_referral(monitor, first, medical, summary="Soins.")
    referral_services.move_referral(receiver, referral, "acknowledged")
    referral_services.move_referral(receiver, referral, "accepted", note=NOTE)
    crypto.ensure_canary()
    return {"person": first, "referral": referral, "monitor": monitor}


def _state() -> dict:
    """Every table's row count and a digest of its primary keys and update times."""
    with unscoped():
        state = {}
        for model in backup.backed_up_models():
            qs = models.QuerySet(model=model).order_by("pk")
            names = ["pk"] + [f.attname for f in model._meta.fields if f.name == "updated_at"]
            rows = sorted(repr(row) for row in qs.values_list(*names))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            state[model._meta.label_lower] = (len(rows), digest)
        return state


def _key_file(tmp_path, name="backup.key"):
    path = tmp_path / name
    path.write_text(backup.new_key_text() + "\n")
    return path


def _make(tmp_path, secret=None) -> tuple:
    secret = secret or backup.Secret(passphrase=PASSPHRASE)
    path = tmp_path / "passerelle.backup"
    info = backup.make_backup(path, secret)
    return path, secret, info


def _refused(path, secret, match, **kwargs) -> None:
    before = _state()
    with translation.override("en"), pytest.raises(backup.BackupError, match=match):
        backup.restore_backup(path, secret, **kwargs)
    assert _state() == before


def test_round_trip_restores_records_identities_and_a_verifying_audit_chain(data, tmp_path):
    path, secret, info = _make(tmp_path)
    assert info.rows > 0 and path.stat().st_mode & 0o777 == 0o600
    made = AuditEvent.objects.order_by("-seq").first()
    assert made.action == "backup.made" and made.detail["rows"] == info.rows
    snapshot = _state()
    with unscoped():
        incidents = Incident.objects.count()
    # After the backup: more work, then a mistake to undo.
    incident_factory(data["monitor"], classification=2)
    with unscoped():
        Person.objects.filter(pk=data["person"].pk).update(sex="m")
    restored = backup.restore_backup(path, secret)

    assert restored.rows == info.rows
    after = _state()
    # The backup's events, then the restore's own; the backup's event came after its snapshot.
    assert after.pop("core.auditevent")[0] == info.counts["core.auditevent"] + 1
    snapshot.pop("core.auditevent"), after.pop("core.audithead"), snapshot.pop("core.audithead")
    assert after == snapshot
    with unscoped():
        assert Incident.objects.count() == incidents
        person = Person.objects.get(pk=data["person"].pk)
        referral = Referral.objects.get(pk=data["referral"].pk)
    assert person.sex == "f"
    assert person.full_name.reveal() == "Fatoumata Maïga"
    assert referral.provider_note.reveal() == NOTE
    assert audit.verify() == []
    call_command("verify_audit", stdout=open(os.devnull, "w"))  # noqa: SIM115
    last = AuditEvent.objects.order_by("-seq").first()
    assert last.action == "backup.restored"
    assert last.detail["rows"] == info.rows and last.actor is None
    # The backup's own event was written after its snapshot: it is not in the backup.
    assert not AuditEvent.objects.filter(action="backup.made").exists()


def test_round_trip_with_a_backup_key_file_through_the_commands(data, tmp_path, monkeypatch):
    key_file = _key_file(tmp_path)
    path = tmp_path / "daily.backup"
    monkeypatch.delenv("PASSERELLE_BACKUP_PASSPHRASE", raising=False)
    with translation.override("en"):
        call_command("backup", str(path), key_file=str(key_file), stdout=open(os.devnull, "w"))  # noqa: SIM115
        before = _state()
        incident_factory(data["monitor"])
        call_command(
            "restore",
            str(path),
            key_file=str(key_file),
            interactive=False,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
    after = _state()
    assert after["incidents.incident"] == before["incidents.incident"]
    with unscoped():
        assert Person.objects.get(pk=data["person"].pk).full_name.reveal() == "Fatoumata Maïga"
    assert audit.verify() == []


def test_the_passphrase_comes_from_the_environment_or_a_file_never_the_command_line(
    data, tmp_path, monkeypatch
):
    with pytest.raises(CommandError):
        call_command("backup", str(tmp_path / "x.backup"), "--passphrase", PASSPHRASE)
    monkeypatch.delenv("PASSERELLE_BACKUP_PASSPHRASE", raising=False)
    monkeypatch.delenv("PASSERELLE_BACKUP_KEY_FILE", raising=False)
    with translation.override("en"), pytest.raises(CommandError, match="No passphrase"):
        call_command("backup", str(tmp_path / "x.backup"))
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    call_command(
        "backup",
        str(tmp_path / "y.backup"),
        passphrase_file=str(passphrase_file),
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    monkeypatch.setenv("PASSERELLE_BACKUP_PASSPHRASE", PASSPHRASE)
    backup.inspect(tmp_path / "y.backup", backup.Secret(passphrase=PASSPHRASE))
    with translation.override("en"), pytest.raises(CommandError, match="at least 12"):
        monkeypatch.setenv("SHORT", "sahel")
        call_command("backup", str(tmp_path / "z.backup"), passphrase_env="SHORT")


def test_a_wrong_passphrase_or_key_is_refused_and_changes_nothing(data, tmp_path):
    path, _secret, _info = _make(tmp_path)
    _refused(path, backup.Secret(passphrase="Tombouctou, la cité"), "Wrong passphrase")
    _refused(path, backup.Secret.from_key_file(_key_file(tmp_path)), "passphrase")
    key_path, key_secret, _ = _make(tmp_path, backup.Secret.from_key_file(_key_file(tmp_path)))
    _refused(key_path, backup.Secret.from_key_file(_key_file(tmp_path, "other.key")), "Wrong key")


def test_a_backup_made_with_another_field_key_is_refused_unless_its_keys_are_installed(
    data, tmp_path
):
    path, secret, _info = _make(tmp_path)
    with override_settings(FIELD_KEY=_new_key()):
        _refused(path, secret, "other keys than the ones configured.*--keys-to")
    with override_settings(AUDIT_KEY=_new_key()):
        _refused(path, secret, "audit key")
    original_field, original_audit = settings.FIELD_KEY, settings.AUDIT_KEY
    with override_settings(FIELD_KEY=_new_key(), AUDIT_KEY=_new_key()):
        backup.restore_backup(path, secret, keys_to=tmp_path / "keys")
        # This process now runs under the backup's keys, which were written out.
        assert settings.FIELD_KEY == original_field
        assert (tmp_path / "keys" / "field.key").read_text().strip() == original_field
        assert (tmp_path / "keys" / "audit.key").read_text().strip() == original_audit
        assert (tmp_path / "keys" / "field.key").stat().st_mode & 0o777 == 0o600
        assert audit.verify() == []
        with unscoped():
            person = Person.objects.get(pk=data["person"].pk)
        assert person.full_name.reveal() == "Fatoumata Maïga"


def test_a_backup_with_a_newer_schema_is_refused_and_changes_nothing(data, tmp_path, monkeypatch):
    real = backup.applied_migrations
    monkeypatch.setattr(
        backup, "applied_migrations", lambda: [*real(), ["core", "9999_from_the_future"]]
    )
    path, secret, _info = _make(tmp_path)
    monkeypatch.setattr(backup, "applied_migrations", real)
    _refused(path, secret, "newer version of Passerelle.*core.9999_from_the_future")


def test_a_backup_with_an_older_schema_is_refused_and_changes_nothing(data, tmp_path, monkeypatch):
    real = backup.applied_migrations
    monkeypatch.setattr(
        backup, "applied_migrations", lambda: [m for m in real() if m != ["core", "0005_outbox"]]
    )
    path, secret, _info = _make(tmp_path)
    monkeypatch.setattr(backup, "applied_migrations", real)
    _refused(path, secret, "older version")


@pytest.mark.parametrize("damage", ["truncated", "cut_at_segment", "flipped", "appended", "header"])
def test_a_truncated_or_tampered_file_is_refused_and_changes_nothing(data, tmp_path, damage):
    path, secret, _info = _make(tmp_path)
    raw = bytearray(path.read_bytes())
    if damage == "truncated":
        raw = raw[: len(raw) - 100]
    elif damage == "cut_at_segment":  # only the header and no segment at all
        raw = raw[: len(backup.MAGIC) + 4 + int.from_bytes(raw[len(backup.MAGIC) :][:4], "big")]
    elif damage == "flipped":
        raw[len(raw) // 2] ^= 0x01
    elif damage == "appended":
        raw += b"\x00\x00\x00\x10" + os.urandom(16)
    else:
        raw = raw.replace(b'"mode"', b'"Mode"', 1)
    path.write_bytes(bytes(raw))
    _refused(path, secret, "truncated|damaged|altered|after its end|passphrase")


def test_restore_check_reads_the_whole_file_and_writes_nothing(data, tmp_path, monkeypatch):
    path, _secret, _info = _make(tmp_path)
    monkeypatch.setenv("PASSERELLE_BACKUP_PASSPHRASE", PASSPHRASE)
    before = _state()
    call_command("restore", str(path), check=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert _state() == before


def test_the_daily_backup_job_writes_to_the_configured_directory_and_keeps_the_newest(
    data, tmp_path, monkeypatch
):
    from passerelle.core import jobs

    monkeypatch.delenv("PASSERELLE_BACKUP_PASSPHRASE", raising=False)
    monkeypatch.delenv("PASSERELLE_BACKUP_KEY_FILE", raising=False)
    with override_settings(PASSERELLE_BACKUP_DIR=""):
        assert jobs.execute("backup")["skipped"] == 1
    directory = tmp_path / "daily"
    with override_settings(PASSERELLE_BACKUP_DIR=str(directory), PASSERELLE_BACKUP_KEEP=2):
        # a directory but no passphrase: the job fails (retried, then reported), no file
        assert jobs.execute("backup")["status"] != "succeeded"
        assert not directory.exists()
        directory.mkdir()
        for old in ("passerelle-20250101-023000.backup", "passerelle-20250102-023000.backup"):
            (directory / old).write_bytes(b"old")
        monkeypatch.setenv("PASSERELLE_BACKUP_PASSPHRASE", PASSPHRASE)
        result = jobs.execute("backup")
    assert result["status"] == "succeeded" and result["rows"] > 0
    kept = sorted(p.name for p in directory.glob("*.backup"))
    assert len(kept) == 2 and kept[0] == "passerelle-20250102-023000.backup"
    contents = backup.inspect(directory / kept[1], backup.Secret(passphrase=PASSPHRASE))
    assert contents.counts["incidents.person"] == 2


def test_keys_to_never_overwrites_another_key(data, tmp_path):
    path, secret, _info = _make(tmp_path)
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "field.key").write_text(_new_key() + "\n")
    with override_settings(FIELD_KEY=_new_key()):
        _refused(path, secret, "holds another key", keys_to=keys)
    assert not (keys / "audit.key").exists()
