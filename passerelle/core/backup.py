"""Encrypted backups of the whole database and its keys, and their restore (docs/backups.md).

One file holds every table's rows (read in one snapshot), the applied migrations, the field
key and the audit key. It is encrypted with a key derived from a passphrase (scrypt, memory
hard) or from a backup key file (HKDF), in AES-256-GCM segments:

    MAGIC | header length (4 bytes) | header (JSON) | segment* ...
    segment: ciphertext length (4 bytes) | AES-GCM(zlib stream chunk)

Segment i is sealed with nonce = nonce prefix (7 bytes) | i (4 bytes) | final flag (1 byte)
and the header's SHA-256 as associated data: a changed, removed, reordered or appended
segment, a truncated file and an edited header all fail to authenticate. The header carries
a check value of the key, so a wrong passphrase is told apart from a damaged file.

The payload is JSON lines: the manifest, then for each table its columns and its rows in
batches, then the row counts. Values are written as the database holds them (encrypted
fields as their ciphertext, audit events with their hashes); nothing is decrypted.

Restore decrypts and checks the whole file before it writes anything, refuses another field
or audit key (unless the caller installs the backup's keys), a schema this code does not
know or a database at another schema, then replaces every table in ONE transaction, verifies
the audit chain and the key canary inside it, and commits only if both hold.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, crypto
from .fields import EncryptedTextField, Sealed
from .guard import unscoped

MAGIC = b"PASSERELLE-BACKUP\n"
FORMAT = "passerelle-backup-1"
SEGMENT = 1024 * 1024  # plaintext bytes per encrypted segment
BATCH = 1000  # rows per payload line
MIN_PASSPHRASE = 12
# scrypt: 2**17 × 8 × 128 bytes = 128 MiB of memory and about half a second per attempt.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# Not backed up: sessions (tied to the secret key; a restore logs everybody out).
EXCLUDED = {"sessions.session"}


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass
class Secret:
    """What encrypts a backup: a passphrase or the bytes of a backup key file."""

    passphrase: str = ""
    key: bytes = b""

    @classmethod
    def from_key_file(cls, path) -> Secret:
        try:
            text = Path(path).read_text().strip()
        except OSError as exc:
            raise BackupError(
                _("The backup key file %(file)s cannot be read: %(reason)s.")
                % {"file": path, "reason": exc.strerror}
            ) from exc
        try:
            raw = crypto.parse_master_key(text)
        except ImproperlyConfigured as exc:
            raise BackupError(
                _("The backup key file %(file)s does not hold a 32-byte base64 key.")
                % {"file": path}
            ) from exc
        return cls(key=raw)

    @property
    def mode(self) -> str:
        return "key-file" if self.key else "passphrase"


def new_key_text() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _derive(secret: Secret, header: dict) -> bytes:
    salt = base64.b64decode(header["salt"])
    if header["mode"] == "key-file":
        if not secret.key:
            raise BackupError(_("This backup was encrypted with a key file: give --key-file."))
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=salt, info=b"passerelle backup v1"
        ).derive(secret.key)
    if not secret.passphrase:
        raise BackupError(_("This backup was encrypted with a passphrase: give the passphrase."))
    kdf = header["kdf"]
    return Scrypt(salt=salt, length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(
        secret.passphrase.encode("utf-8")
    )


def _check_value(key: bytes) -> str:
    return hmac.new(key, b"passerelle backup key check", hashlib.sha256).hexdigest()


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if final else b"\x00")


# --------------------------------------------------------------------------- values


def _encode(value):
    """A column value as JSON: ciphertexts stay ciphertexts, nothing is decrypted."""
    if isinstance(value, Sealed):
        return value.token
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decode(model_field, value):
    if value is None:
        return None
    if isinstance(model_field, EncryptedTextField):
        return Sealed(value, model_field.context)
    if isinstance(model_field, models.JSONField):
        return value
    if isinstance(model_field, models.DurationField):
        return dt.timedelta(seconds=value)
    return model_field.to_python(value)


# --------------------------------------------------------------------------- tables


def backed_up_models() -> list[type[models.Model]]:
    """Every table Django manages, parents before the tables that point to them."""
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in EXCLUDED
    ]
    by_label = {m._meta.label_lower: m for m in candidates}
    ordered: list = []
    state: dict[str, int] = {}

    def visit(model):
        label = model._meta.label_lower
        if state.get(label) == 2 or state.get(label) == 1:  # done, or a cycle (FKs deferred)
            return
        state[label] = 1
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not None:
                target = f.related_model._meta.concrete_model._meta.label_lower
                if target != label and target in by_label:
                    visit(by_label[target])
        state[label] = 2
        ordered.append(model)

    for label in sorted(by_label):
        visit(by_label[label])
    return ordered


def _columns(model) -> list:
    return list(model._meta.local_concrete_fields)


def applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted([app, name] for app, name in recorder.applied_migrations())


# --------------------------------------------------------------------------- writing


@dataclass
class BackupInfo:
    path: Path
    size: int
    rows: int
    tables: int
    created_at: str
    counts: dict = field(default_factory=dict)


class _SegmentWriter:
    def __init__(self, out, key: bytes, prefix: bytes, aad: bytes):
        self.out, self.aead, self.prefix, self.aad = out, AESGCM(key), prefix, aad
        self.buffer = bytearray()
        self.index = 0
        self.compressor = zlib.compressobj(6)

    def write(self, data: bytes) -> None:
        self.buffer += self.compressor.compress(data)
        while len(self.buffer) >= SEGMENT:
            self._seal(bytes(self.buffer[:SEGMENT]), final=False)
            del self.buffer[:SEGMENT]

    def close(self) -> None:
        self.buffer += self.compressor.flush()
        while len(self.buffer) > SEGMENT:
            self._seal(bytes(self.buffer[:SEGMENT]), final=False)
            del self.buffer[:SEGMENT]
        self._seal(bytes(self.buffer), final=True)

    def _seal(self, chunk: bytes, final: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.prefix, self.index, final), chunk, self.aad)
        self.out.write(struct.pack(">I", len(sealed)) + sealed)
        self.index += 1


def _line(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def make_backup(path, secret: Secret) -> BackupInfo:
    """Write the encrypted backup to `path` (via a temporary file, mode 0600); audited."""
    path = Path(path)
    if secret.mode == "passphrase" and len(secret.passphrase) < MIN_PASSPHRASE:
        raise BackupError(
            _("The backup passphrase must be at least %(n)d characters long.")
            % {"n": MIN_PASSPHRASE}
        )
    field_key, audit_key = settings.FIELD_KEY, settings.AUDIT_KEY
    if secret.key and secret.key in {
        crypto.parse_master_key(field_key),
        crypto.parse_master_key(audit_key),
    }:
        raise BackupError(
            _("The backup key must not be the field key or the audit key: generate its own.")
        )
    salt, prefix = os.urandom(16), os.urandom(7)
    header = {
        "format": FORMAT,
        "mode": secret.mode,
        "salt": base64.b64encode(salt).decode(),
        "nonce_prefix": base64.b64encode(prefix).decode(),
        "created_at": timezone.now().isoformat(),
    }
    if secret.mode == "passphrase":
        header["kdf"] = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    key = _derive(secret, header)
    header["check"] = _check_value(key)
    header_bytes = json.dumps(header, sort_keys=True).encode()
    aad = hashlib.sha256(header_bytes).digest()

    partial = path.with_name(path.name + ".partial")
    counts: dict[str, int] = {}
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
            writer = _SegmentWriter(out, key, prefix, aad)
            with unscoped(), audit.read_snapshot():
                model_list = backed_up_models()
                writer.write(
                    _line(
                        {
                            "manifest": {
                                "format": FORMAT,
                                "created_at": header["created_at"],
                                "vendor": connection.vendor,
                                "migrations": applied_migrations(),
                                "tables": [m._meta.label_lower for m in model_list],
                                "field_key": field_key,
                                "field_key_id": crypto.key_fingerprint(),
                                "audit_key": audit_key,
                                "audit_key_id": audit.key_fingerprint(),
                            }
                        }
                    )
                )
                for model in model_list:
                    counts[model._meta.label_lower] = _write_table(writer, model)
            writer.write(_line({"end": {"counts": counts}}))
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    info = BackupInfo(
        path=path,
        size=path.stat().st_size,
        rows=sum(counts.values()),
        tables=len(counts),
        created_at=header["created_at"],
        counts=counts,
    )
    audit.record(
        None,
        "backup.made",
        organisation=None,  # system-wide: no organisation's own log
        detail={
            "file": path.name,
            "bytes": info.size,
            "rows": info.rows,
            "tables": info.tables,
            "mode": secret.mode,
            "field_key": crypto.key_fingerprint(),
            "audit_key": audit.key_fingerprint(),
        },
    )
    return info


def _write_table(writer: _SegmentWriter, model) -> int:
    columns = _columns(model)
    writer.write(_line({"table": model._meta.label_lower, "columns": [f.attname for f in columns]}))
    rows = (
        models.QuerySet(model=model)
        .order_by("pk")
        .values_list(*[f.attname for f in columns])
        .iterator(chunk_size=2000)
    )
    count, batch = 0, []
    for row in rows:
        batch.append([_encode(v) for v in row])
        if len(batch) >= BATCH:
            writer.write(_line({"rows": batch}))
            count += len(batch)
            batch = []
    if batch:
        writer.write(_line({"rows": batch}))
        count += len(batch)
    return count


# --------------------------------------------------------------------------- reading


def _read_exact(stream, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise BackupError(_("The backup file is truncated: it ends before its last part."))
    return data


def read_header(stream) -> tuple[dict, bytes]:
    if stream.read(len(MAGIC)) != MAGIC:
        raise BackupError(_("This is not a Passerelle backup file."))
    (length,) = struct.unpack(">I", _read_exact(stream, 4))
    if length > 65536:
        raise BackupError(_("The backup file's header is damaged."))
    raw = _read_exact(stream, length)
    try:
        header = json.loads(raw)
    except ValueError as exc:
        raise BackupError(_("The backup file's header is damaged.")) from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(
            _("This backup was written in a format this version does not read (%(format)s).")
            % {"format": header.get("format") if isinstance(header, dict) else "?"}
        )
    return header, raw


def _plain_chunks(stream, secret: Secret) -> Iterator[bytes]:
    """The decompressed payload, segment by segment; raises BackupError on any damage."""
    header, raw = read_header(stream)
    try:
        key = _derive(secret, header)
        prefix = base64.b64decode(header["nonce_prefix"])
        expected_check = header["check"]
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise BackupError(_("The backup file's header is damaged.")) from exc
    if not hmac.compare_digest(_check_value(key), str(expected_check)):
        raise BackupError(
            _("Wrong passphrase or key file: this backup cannot be opened with it.")
            if header["mode"] == "passphrase"
            else _("Wrong key file: this backup was encrypted with another backup key.")
        )
    aead = AESGCM(key)
    aad = hashlib.sha256(raw).digest()
    decompressor = zlib.decompressobj()
    index = 0
    while True:
        size_bytes = stream.read(4)
        if len(size_bytes) < 4:
            raise BackupError(_("The backup file is truncated: it ends before its last part."))
        (size,) = struct.unpack(">I", size_bytes)
        if size > SEGMENT + 64:
            raise BackupError(_("The backup file is damaged or was altered."))
        sealed = _read_exact(stream, size)
        final = None
        for flag in (False, True):
            try:
                chunk = aead.decrypt(_nonce(prefix, index, flag), sealed, aad)
                final = flag
                break
            except InvalidTag:
                continue
        if final is None:
            raise BackupError(_("The backup file is damaged or was altered."))
        try:
            yield decompressor.decompress(chunk)
            if final:
                yield decompressor.flush()
        except zlib.error as exc:
            raise BackupError(_("The backup file is damaged or was altered.")) from exc
        index += 1
        if final:
            if stream.read(1):
                raise BackupError(_("The backup file has data after its end: it was altered."))
            if not decompressor.eof:
                raise BackupError(_("The backup file is damaged or was altered."))
            return


def _lines(stream, secret: Secret) -> Iterator[dict]:
    pending = b""
    for chunk in _plain_chunks(stream, secret):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield json.loads(line)
    if pending:
        yield json.loads(pending)


@dataclass
class Contents:
    manifest: dict
    counts: dict


def inspect(path, secret: Secret) -> Contents:
    """Decrypt and read the whole file (nothing is written); its manifest and row counts."""
    manifest, counts, seen = None, None, {}
    table = None
    with open(path, "rb") as stream:
        try:
            for item in _lines(stream, secret):
                if "manifest" in item:
                    manifest = item["manifest"]
                elif "table" in item:
                    table = item["table"]
                    seen[table] = 0
                elif "rows" in item:
                    seen[table] += len(item["rows"])
                elif "end" in item:
                    counts = item["end"]["counts"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(_("The backup file is damaged or was altered.")) from exc
    if manifest is None or counts is None or counts != seen:
        raise BackupError(_("The backup file is incomplete."))
    return Contents(manifest, counts)


# --------------------------------------------------------------------------- restoring


class KeyMismatch(BackupError):
    """The backup was made under other keys than the configured ones."""


def check_schema(manifest: dict) -> None:
    """Refuse a backup whose schema this code does not know, or that differs from the
    database's (the database must be migrated to exactly the backup's migrations)."""
    backup = {tuple(m) for m in manifest["migrations"]}
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(backup - known)
    if unknown:
        raise BackupError(
            _(
                "This backup was made with a newer version of Passerelle: %(n)d of its "
                "migrations are unknown to this code (first: %(first)s). Install the version "
                "that made it (or a newer one), run `manage.py migrate`, then restore. "
                "Nothing was changed."
            )
            % {"n": len(unknown), "first": ".".join(unknown[0])}
        )
    here = {tuple(m) for m in applied_migrations()}
    if backup - here:
        raise BackupError(
            _(
                "This database is not migrated to the backup's schema (%(n)d migrations "
                "missing). Run `manage.py migrate` first, then restore. Nothing was changed."
            )
            % {"n": len(backup - here)}
        )
    if here - backup:
        raise BackupError(
            _(
                "This backup was made with an older version of Passerelle (%(n)d migrations "
                "of this database are not in it, first: %(first)s). Restore it with the "
                "version that made it into an empty database, then upgrade the code and run "
                "`manage.py migrate`. Nothing was changed."
            )
            % {"n": len(here - backup), "first": ".".join(sorted(here - backup)[0])}
        )
    tables = {m._meta.label_lower for m in backed_up_models()}
    if tables != set(manifest["tables"]):
        raise BackupError(
            _("The backup's tables differ from this database's. Nothing was changed.")
        )


def check_keys(manifest: dict) -> None:
    field_same = manifest["field_key_id"] == crypto.key_fingerprint()
    audit_same = manifest["audit_key_id"] == audit.key_fingerprint()
    if field_same and audit_same:
        return
    which = []
    if not field_same:
        which.append(
            _("field key %(backup)s (configured: %(here)s)")
            % {"backup": manifest["field_key_id"], "here": crypto.key_fingerprint()}
        )
    if not audit_same:
        which.append(
            _("audit key %(backup)s (configured: %(here)s)")
            % {"backup": manifest["audit_key_id"], "here": audit.key_fingerprint()}
        )
    raise KeyMismatch(
        _(
            "This backup was made with other keys than the ones configured: %(which)s. "
            "Its identities and audit log only open with its own keys. To restore it, run "
            "restore again with --keys-to DIR: the backup's keys are written to DIR, the data "
            "is restored under them, and you then point PASSERELLE_FIELD_KEY_FILE and "
            "PASSERELLE_AUDIT_KEY_FILE at those files before starting Passerelle. "
            "Nothing was changed."
        )
        % {"which": "; ".join(which)}
    )


def write_keys(manifest: dict, directory) -> tuple[Path, Path]:
    """Write the backup's field and audit keys into `directory` (0600), never overwriting."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = []
    for name, text in (("field.key", manifest["field_key"]), ("audit.key", manifest["audit_key"])):
        target = directory / name
        if target.exists() and target.read_text().strip() != text:
            raise BackupError(
                _("%(file)s exists and holds another key: choose an empty directory.")
                % {"file": target}
            )
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text + "\n")
        written.append(target)
    return written[0], written[1]


@dataclass
class RestoreInfo:
    rows: int
    tables: int
    created_at: str
    events: int


def _wipe(model_list) -> None:
    with connection.cursor() as cursor:
        for model in reversed(model_list):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        sessions = apps.get_model("sessions", "Session")  # everybody signs in again
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(sessions._meta.db_table)}")  # noqa: S608


def _insert(model, columns, rows) -> None:
    objs = []
    for row in rows:
        obj = model()
        for f, value in zip(columns, row, strict=True):
            obj.__dict__[f.attname] = _decode(f, value)
        objs.append(obj)
    qs = models.QuerySet(model=model)
    size = max(1, connection.ops.bulk_batch_size(columns, objs) or len(objs))
    for start in range(0, len(objs), size):
        qs._insert(objs[start : start + size], fields=columns, raw=True)


def restore_backup(path, secret: Secret, *, keys_to=None) -> RestoreInfo:
    """Replace the database's contents with the backup's, all or nothing; audited."""
    contents = inspect(path, secret)  # the whole file authenticates before anything is written
    manifest = contents.manifest
    check_schema(manifest)
    if keys_to is None:
        check_keys(manifest)
        return _replace(path, secret, contents, keys_installed=False)
    write_keys(manifest, keys_to)
    # This process works under the backup's keys (the restore's own audit event continues the
    # backup's chain); the server must then be started with them.
    before = settings.FIELD_KEY, settings.AUDIT_KEY
    settings.FIELD_KEY, settings.AUDIT_KEY = manifest["field_key"], manifest["audit_key"]
    try:
        return _replace(path, secret, contents, keys_installed=True)
    except BaseException:
        settings.FIELD_KEY, settings.AUDIT_KEY = before
        raise


def _replace(path, secret: Secret, contents: Contents, *, keys_installed: bool) -> RestoreInfo:
    manifest = contents.manifest
    by_label = {m._meta.label_lower: m for m in backed_up_models()}
    audit_keys = audit.load_keys(manifest["audit_key"])
    with unscoped(), transaction.atomic():
        _wipe([by_label[t] for t in manifest["tables"]])
        model, columns = None, []
        with open(path, "rb") as stream:
            for item in _lines(stream, secret):
                if "table" in item:
                    model = by_label[item["table"]]
                    fields = {f.attname: f for f in _columns(model)}
                    if set(item["columns"]) != set(fields):
                        raise BackupError(
                            _("The columns of %(table)s differ from this database's.")
                            % {"table": item["table"]}
                        )
                    columns = [fields[name] for name in item["columns"]]
                elif "rows" in item:
                    _insert(model, columns, item["rows"])
        _check_restored(contents, by_label, audit_keys)
        _reset_sequences(list(by_label.values()))
        connection.check_constraints()
        event = audit.record(
            None,
            "backup.restored",
            organisation=None,  # system-wide: no organisation's own log
            detail={
                "file": Path(path).name,
                "made": manifest["created_at"],
                "rows": sum(contents.counts.values()),
                "tables": len(contents.counts),
                "field_key": manifest["field_key_id"],
                "audit_key": manifest["audit_key_id"],
                "keys_installed": keys_installed,
            },
        )
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return RestoreInfo(
        rows=sum(contents.counts.values()),
        tables=len(contents.counts),
        created_at=manifest["created_at"],
        events=event.seq,
    )


def _check_restored(contents: Contents, by_label, audit_keys) -> None:
    for label, expected in contents.counts.items():
        if models.QuerySet(model=by_label[label]).count() != expected:
            raise BackupError(_("The restored rows do not match the backup. Nothing was changed."))
    problems = audit.verify(keys=audit_keys)
    if problems:
        raise BackupError(
            _("The backup's audit log does not verify (%(first)s). Nothing was changed.")
            % {"first": problems[0].message}
        )
    try:
        crypto.assert_key_matches_database()
    except ImproperlyConfigured as exc:
        raise BackupError(
            _("The backup's identities do not open with its field key. Nothing was changed.")
        ) from exc


def _reset_sequences(model_list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --------------------------------------------------------------------------- daily backups

NAME_FORMAT = "passerelle-%Y%m%d-%H%M%S.backup"


def secret_from_environment() -> Secret | None:
    """The backup secret of a scheduled backup: PASSERELLE_BACKUP_PASSPHRASE, or the first line
    of PASSERELLE_BACKUP_PASSPHRASE_FILE, or PASSERELLE_BACKUP_KEY_FILE; None when none is set."""
    passphrase = os.environ.get("PASSERELLE_BACKUP_PASSPHRASE", "")
    passphrase_file = os.environ.get("PASSERELLE_BACKUP_PASSPHRASE_FILE", "")
    key_file = os.environ.get("PASSERELLE_BACKUP_KEY_FILE", "")
    if passphrase:
        return Secret(passphrase=passphrase)
    if passphrase_file:
        try:
            lines = Path(passphrase_file).read_text().splitlines()
        except OSError as exc:
            raise BackupError(
                _("The passphrase file %(file)s cannot be read: %(reason)s.")
                % {"file": passphrase_file, "reason": exc.strerror}
            ) from exc
        return Secret(passphrase=lines[0] if lines else "")
    if key_file:
        return Secret.from_key_file(key_file)
    return None


def backup_to_directory(directory, secret: Secret, *, keep: int = 0) -> BackupInfo:
    """A new backup named by its time in `directory` (0700); then only the `keep` newest
    backups of that directory are kept (0: all)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = make_backup(directory / timezone.now().strftime(NAME_FORMAT), secret)
    if keep > 0:
        for old in sorted(directory.glob("passerelle-*.backup"))[:-keep]:
            old.unlink()
    return info
