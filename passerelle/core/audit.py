"""Append to and verify the keyed, hash-chained audit log.

Each event's `hash` is an HMAC-SHA256, under the audit key (settings.AUDIT_KEY, kept outside
the database like the field key), of its own canonical content and the previous event's
hash; `seq` numbers events 1, 2, 3... without gaps. Changing an event breaks its hash,
removing one leaves a gap and breaks the next link, swapping two breaks the links around
them, and nobody without the key can recompute the chain after an edit.

The head row (`AuditHead`) records the newest event; deleting the newest events and moving
the head back is caught only against a checkpoint kept off the machine
(`audit_checkpoint`, then `verify_audit --checkpoint FILE`).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache, wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
_LOCK_KEY = 7_311_2013  # advisory lock id for appending (PostgreSQL)
CHECKPOINT_FORMAT = "passerelle-audit-checkpoint-1"


# --------------------------------------------------------------------------- the key


@dataclass(frozen=True)
class AuditKeys:
    chain: bytes
    checkpoint: bytes
    key_id: str


@lru_cache(maxsize=4)
def _keys_for(text: str) -> AuditKeys:
    from .crypto import _derive, parse_master_key

    master = parse_master_key(text)
    return AuditKeys(
        chain=_derive(master, b"passerelle audit chain v1"),
        checkpoint=_derive(master, b"passerelle audit checkpoint v1"),
        key_id=hashlib.sha256(_derive(master, b"passerelle audit key id v1")).hexdigest()[:8],
    )


def load_keys(text: str | None = None) -> AuditKeys:
    text = text if text is not None else getattr(settings, "AUDIT_KEY", "")
    if not text:
        raise ImproperlyConfigured(
            "No audit key is configured (PASSERELLE_AUDIT_KEY or PASSERELLE_AUDIT_KEY_FILE)."
        )
    return _keys_for(text)


def key_fingerprint() -> str:
    return load_keys().key_id


# --------------------------------------------------------------------------- hashing


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "organisation": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "level": event.level,
        "outcome": event.outcome,
        "detail": event.detail,
        "prev": event.prev_hash,
    }
    return _CANONICAL_JSON.encode(payload).encode()


# What json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str) writes, with
# the encoder built once instead of at every call (bulk imports hash hundreds of thousands
# of events).
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


@lru_cache(maxsize=4)
def _chain_mac(key: bytes):
    """An HMAC-SHA256 keyed with `key`, copied for each event (the key is not re-padded)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def compute_hash(event: AuditEvent, keys: AuditKeys | None = None) -> str:
    """The event's keyed hash (HMAC-SHA256 under the audit key)."""
    keys = keys or load_keys()
    mac = _chain_mac(keys.chain).copy()
    mac.update(_canonical(event))
    return mac.hexdigest()


def unkeyed_hash(event: AuditEvent) -> str:
    """The plain SHA-256 of chains written before the key (kept to re-chain them)."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def _object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    ident = getattr(obj, "public_id", None) or getattr(obj, "pk", "")
    return obj._meta.label, str(ident)


# --------------------------------------------------------------------------- appending


def _lock_for_append() -> None:
    """Serialise appenders (PostgreSQL; on SQLite every transaction is IMMEDIATE and takes the
    write lock when it begins, config/settings.py, so appenders queue there too)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def record(
    actor,
    action: str,
    obj=None,
    *,
    organisation=None,
    level: int | None = None,
    outcome: str = "ok",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. Never put personal data in `detail`."""
    object_type, object_id = _object_ref(obj)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    keys = load_keys()
    with transaction.atomic():
        _lock_for_append()
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        event = AuditEvent(
            seq=(last.seq + 1) if last else 1,
            at=timezone.now(),
            actor=actor,
            actor_label=actor.get_username() if actor else "",
            organisation=organisation,
            action=action,
            object_type=object_type,
            object_id=object_id,
            level=level,
            outcome=outcome,
            detail=json.loads(json.dumps(detail or {}, default=str)),
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = compute_hash(event, keys)
        event.save()
        AuditHead.objects.update_or_create(pk=1, defaults={"seq": event.seq, "hash": event.hash})
    return event


@dataclass(slots=True)
class Entry:
    """One event of `record_many`: what `record` takes after the actor. `ref` (model label,
    public id) may stand for `obj` when the writer holds no model instance."""

    action: str
    obj: object = None
    organisation: object = None
    level: int | None = None
    outcome: str = "ok"
    detail: dict | None = None
    ref: tuple[str, str] | None = None


class _Draft:
    """An event's values before insertion, as `_canonical` reads them."""

    __slots__ = (
        "seq",
        "at",
        "actor_id",
        "actor_label",
        "organisation_id",
        "action",
        "object_type",
        "object_id",
        "level",
        "outcome",
        "detail",
        "prev_hash",
        "hash",
    )


def record_many(actor, entries, *, batch_size: int = 2000) -> int:
    """Append many events by one actor at once (bulk imports): one lock, the hashes chained
    here in order, inserted in batches, the head moved once. The chain is the one `record`
    writes, event after event, so `verify` checks it the same way. Call it inside the
    transaction that writes the records, so that they and their events commit together.
    Returns how many events were written. Never put personal data in a `detail`."""
    from . import bulk

    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    keys = load_keys()
    label = actor.get_username() if actor else ""
    actor_id = actor.pk if actor else None
    written = 0
    with transaction.atomic():
        _lock_for_append()
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
        at = timezone.now()
        pending: list[dict] = []
        # Equal details (most of an import's) normalised and converted for the database once.
        details: dict = {}
        adapt = connection.ops.adapt_json_value
        for entry in entries:
            object_type, object_id = entry.ref or _object_ref(entry.obj)
            raw = entry.detail or {}
            try:
                known = tuple(sorted(raw.items()))
                detail = details.get(known)
            except TypeError:  # unhashable values: not shared
                known, detail = None, None
            if detail is None:
                normalised = json.loads(json.dumps(raw, default=str))
                detail = (normalised, bulk.Raw(adapt(normalised, None)))
                if known is not None:
                    details[known] = detail
            seq += 1
            event = _Draft()
            event.seq, event.at, event.actor_id, event.actor_label = seq, at, actor_id, label
            event.organisation_id = getattr(entry.organisation, "pk", entry.organisation)
            event.action, event.object_type, event.object_id = entry.action, object_type, object_id
            event.level, event.outcome, event.detail = entry.level, entry.outcome, detail[0]
            event.prev_hash = prev
            prev = compute_hash(event, keys)
            pending.append(
                {
                    "seq": seq,
                    "at": at,
                    "actor_id": actor_id,
                    "actor_label": label,
                    "organisation_id": event.organisation_id,
                    "action": entry.action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "level": entry.level,
                    "outcome": entry.outcome,
                    "detail": detail[1],
                    "prev_hash": event.prev_hash,
                    "hash": prev,
                }
            )
            if len(pending) >= batch_size:
                written += bulk.insert(AuditEvent, pending, now=at)
                pending = []
        if pending:
            written += bulk.insert(AuditEvent, pending, now=at)
        if written:
            AuditHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": prev})
    return written


def record_each(actor, action: str, obj=None, *, organisations=(), **kwargs) -> list[AuditEvent]:
    """One event per organisation concerned (each sees it in its own log); no duplicates."""
    seen: dict = {}
    for org in organisations:
        if org is not None:
            seen.setdefault(org.pk, org)
    if not seen:
        return [record(actor, action, obj, **kwargs)]
    return [record(actor, action, obj, organisation=org, **kwargs) for org in seen.values()]


def home_organisation(user):
    """The organisation a user acts for when an event concerns no record of an organisation
    (directory, service map, their own account): their first active membership's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = (
        user.memberships.filter(active=True).select_related("organisation").order_by("pk").first()
    )
    return membership.organisation if membership else None


_deferred = contextvars.ContextVar("passerelle_deferred_audit", default=None)


def record_refusal(actor, action: str, obj=None, **kwargs) -> None:
    """Audit a refusal; inside a service, written after its transaction rolls back."""
    pending = _deferred.get()
    if pending is not None:
        pending.append((actor, action, obj, kwargs))
    else:
        record(actor, action, obj, **kwargs)


def service(func):
    """A write service: one transaction; refusals raised inside it are still audited."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        pending = []
        token = _deferred.set(pending)
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except Exception:
            _deferred.reset(token)
            token = None
            for actor, action, obj, extra in pending:
                record(actor, action, obj, **extra)
            raise
        finally:
            if token is not None:
                _deferred.reset(token)

    return wrapper


# --------------------------------------------------------------------------- verifying


@dataclass
class Problem:
    seq: int | None
    kind: str  # "modified", "missing", "reordered", "unkeyed", "head", "checkpoint"
    message: str


@contextlib.contextmanager
def read_snapshot():
    """One consistent view of the log while it is read, without blocking writers.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: a deferred (read)
    transaction. Inside a caller's transaction, that transaction is the view. Yields
    True when the view is a snapshot (then events after the head are themselves a sign
    that the head was moved back).
    """
    if connection.in_atomic_block:
        yield connection.vendor == "sqlite"
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield True
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cur:
            cur.execute("BEGIN DEFERRED")
        try:
            yield True
        finally:
            with connection.cursor() as cur:
                cur.execute("ROLLBACK")
        return
    with transaction.atomic():
        yield False


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key: str
    mac: str

    def body(self) -> bytes:
        payload = {
            "format": CHECKPOINT_FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "key": self.key,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        payload = json.loads(self.body())
        payload["mac"] = self.mac
        return json.dumps(payload, sort_keys=True)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or is not signed with this audit key."""


def _read_head():
    return AuditHead.objects.filter(pk=1).first()


def make_checkpoint() -> Checkpoint:
    """Sign the current head (seq, hash, time) with the audit key."""
    keys = load_keys()
    with read_snapshot():
        head = _read_head()
        if head is None:
            raise CheckpointError("The audit log is empty: there is nothing to checkpoint.")
        draft = Checkpoint(head.seq, head.hash, timezone.now().isoformat(), keys.key_id, "")
    mac = hmac.new(keys.checkpoint, draft.body(), hashlib.sha256).hexdigest()
    return Checkpoint(draft.seq, draft.hash, draft.at, draft.key, mac)


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a checkpoint and check its signature with the audit key."""
    try:
        data = json.loads(text)
        if data.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError("This is not a Passerelle audit checkpoint.")
        cp = Checkpoint(
            int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["key"]), str(data["mac"])
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError("The checkpoint cannot be read.") from exc
    keys = load_keys()
    expected = hmac.new(keys.checkpoint, cp.body(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, cp.mac):
        raise CheckpointError(
            "The checkpoint's signature does not match the audit key: it was altered or "
            "signed with another key."
        )
    return cp


def verify(batch_size: int = 2000, checkpoints=(), keys: AuditKeys | None = None) -> list[Problem]:
    """Walk the chain up to the head, in one snapshot; return what is wrong (empty: intact).

    The head is read first and only events up to it are checked, so events written while
    the log is verified are neither missed nor mistaken for a removal. Each checkpoint
    (seq, hash) must still be in the chain.
    """
    keys = keys or load_keys()
    problems: list[Problem] = []
    pending = {cp.seq: cp for cp in checkpoints}
    with read_snapshot() as snapshot:
        head = _read_head()
        if head is None:
            if AuditEvent.objects.exists():
                problems.append(
                    Problem(None, "head", "the head row is missing although the log holds events")
                )
                limit = None
            else:
                limit = 0
        else:
            limit = head.seq
        expected_seq = 1
        prev_hash = GENESIS
        unkeyed = 0
        qs = AuditEvent.objects.order_by("seq")
        if limit is not None:
            qs = qs.filter(seq__lte=limit)
        for event in qs.iterator(chunk_size=batch_size):
            if event.seq != expected_seq:
                if event.seq > expected_seq:
                    problems.append(
                        Problem(
                            event.seq,
                            "missing",
                            f"events {expected_seq}..{event.seq - 1} are missing",
                        )
                    )
                else:
                    problems.append(Problem(event.seq, "reordered", "sequence goes backwards"))
            if event.prev_hash != prev_hash:
                problems.append(
                    Problem(
                        event.seq,
                        "reordered",
                        f"event {event.seq} does not follow the event before it",
                    )
                )
            if not hmac.compare_digest(compute_hash(event, keys), event.hash):
                if hmac.compare_digest(unkeyed_hash(event), event.hash):
                    unkeyed += 1
                    if unkeyed <= 3:
                        problems.append(
                            Problem(
                                event.seq,
                                "unkeyed",
                                f"event {event.seq} carries a hash made without the audit key "
                                "(a log written before the key, or recomputed by someone "
                                "without it)",
                            )
                        )
                else:
                    problems.append(
                        Problem(
                            event.seq,
                            "modified",
                            f"event {event.seq} was changed after it was written",
                        )
                    )
            cp = pending.pop(event.seq, None)
            if cp is not None and not hmac.compare_digest(cp.hash, event.hash):
                problems.append(
                    Problem(
                        event.seq,
                        "checkpoint",
                        f"event {event.seq} is not the one recorded in the checkpoint of "
                        f"{cp.at}: the log was rewritten",
                    )
                )
            prev_hash = event.hash
            expected_seq = event.seq + 1
        last_seq = expected_seq - 1
        if unkeyed > 3:
            problems.append(
                Problem(None, "unkeyed", f"{unkeyed} events in all carry an unkeyed hash")
            )
        if head is not None and (head.seq != last_seq or head.hash != prev_hash):
            problems.append(
                Problem(
                    head.seq,
                    "missing",
                    f"the log ends at event {last_seq} but event {head.seq} was "
                    "written: the newest events were removed or replaced",
                )
            )
        if head is not None and snapshot and AuditEvent.objects.filter(seq__gt=head.seq).exists():
            problems.append(
                Problem(
                    head.seq,
                    "head",
                    f"the head names event {head.seq} but newer events exist: the head "
                    "was moved back",
                )
            )
        for cp in pending.values():
            problems.append(
                Problem(
                    cp.seq,
                    "checkpoint",
                    f"event {cp.seq}, recorded in the checkpoint of {cp.at}, is no longer in "
                    f"the log (it ends at event {last_seq}): the newest events were removed",
                )
            )
    return problems


# --------------------------------------------------------------------------- re-chaining


def rechain(*, old_keys: AuditKeys | None = None, force: bool = False) -> tuple[int, list]:
    """Recompute every event's hash under the current key, in order, in one transaction.

    The existing chain is verified first under its old hash (unkeyed SHA-256, or
    `old_keys` when the key is rotated); a broken chain is not re-chained unless `force`
    (re-chaining would otherwise launder the tampering). Returns (events, problems found).
    """
    keys = load_keys()

    def old_hash(event):
        return compute_hash(event, old_keys) if old_keys else unkeyed_hash(event)

    base = models.QuerySet(model=AuditEvent)  # the append-only manager refuses updates

    def in_order():
        after = 0
        while True:
            batch = list(AuditEvent.objects.filter(seq__gt=after).order_by("seq")[:2000])
            if not batch:
                return
            yield from batch
            after = batch[-1].seq

    with transaction.atomic():
        _lock_for_append()
        problems = []
        prev_old = GENESIS
        expected = 1
        for event in in_order():
            if event.seq != expected or event.prev_hash != prev_old:
                problems.append(
                    Problem(event.seq, "reordered", f"event {event.seq} is out of order")
                )
            if not hmac.compare_digest(old_hash(event), event.hash):
                problems.append(
                    Problem(event.seq, "modified", f"event {event.seq} does not match its hash")
                )
            prev_old = event.hash
            expected = event.seq + 1
        if problems and not force:
            return 0, problems
        count = 0
        prev = GENESIS
        for event in in_order():
            event.prev_hash = prev
            event.hash = compute_hash(event, keys)
            base.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
            prev = event.hash
            count += 1
        if count:
            last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
            AuditHead.objects.update_or_create(pk=1, defaults={"seq": last.seq, "hash": last.hash})
        record(
            None,
            "audit.rechained",
            detail={
                "events": count,
                "from": f"key {old_keys.key_id}" if old_keys else "sha256",
                "key": keys.key_id,
                "problems": len(problems),
            },
        )
    return count, problems
