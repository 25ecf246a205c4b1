"""Append to and verify the hash-chained audit log.

Each event's hash is SHA-256 over its own canonical content and the previous
event's hash; `seq` numbers events 1, 2, 3... without gaps. Changing an event
breaks its hash, removing one leaves a gap and breaks the next link, and
swapping two breaks the links around them.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass
from functools import wraps

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
_LOCK_KEY = 7_311_2013  # advisory lock id for appending (PostgreSQL)


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
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    ident = getattr(obj, "public_id", None) or getattr(obj, "pk", "")
    return obj._meta.label, str(ident)


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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
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
        event.hash = compute_hash(event)
        event.save()
        AuditHead.objects.update_or_create(pk=1, defaults={"seq": event.seq, "hash": event.hash})
    return event


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


@dataclass
class Problem:
    seq: int | None
    kind: str  # "modified", "missing", "reordered"
    message: str


def verify(batch_size: int = 2000) -> list[Problem]:
    """Walk the whole chain; return what is wrong (empty list: intact)."""
    problems: list[Problem] = []
    expected_seq = 1
    prev_hash = GENESIS
    qs = AuditEvent.objects.order_by("seq")
    for event in qs.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                problems.append(
                    Problem(
                        event.seq, "missing", f"events {expected_seq}..{event.seq - 1} are missing"
                    )
                )
            else:
                problems.append(Problem(event.seq, "reordered", "sequence goes backwards"))
        if event.prev_hash != prev_hash:
            problems.append(
                Problem(
                    event.seq, "reordered", f"event {event.seq} does not follow the event before it"
                )
            )
        if compute_hash(event) != event.hash:
            problems.append(
                Problem(
                    event.seq, "modified", f"event {event.seq} was changed after it was written"
                )
            )
        prev_hash = event.hash
        expected_seq = event.seq + 1
    head = AuditHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        problems.append(
            Problem(
                head.seq,
                "missing",
                f"the log ends at event {last_seq} but event {head.seq} was "
                "written: the newest events were removed or replaced",
            )
        )
    return problems
