"""The audit hash is HMAC-SHA256, under the chain key, of the event's canonical JSON (sorted
keys, no spaces, `str` for what JSON cannot hold): whatever compute_hash does to be fast
(one encoder, the keyed MAC copied per event), it writes exactly that."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from passerelle.core import audit
from passerelle.core.models import AuditEvent

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.text(max_size=30)
    | st.dates()  # written with str()
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
)
details = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
).map(lambda value: {"value": value})


def _expected(event: AuditEvent, key: bytes) -> str:
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
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _keys(key: bytes) -> audit.AuditKeys:
    return audit.AuditKeys(chain=key, checkpoint=os.urandom(32), key_id="test")


@given(
    detail=details,
    seq=st.integers(1, 10**9),
    label=st.text(max_size=20),
    level=st.none() | st.integers(0, 4),
    action=st.sampled_from(["incident.create", "consent.record", "person.view_identity"]),
)
def test_the_hash_is_the_hmac_of_the_canonical_json(detail, seq, label, level, action):
    event = AuditEvent(
        seq=seq,
        at=dt.datetime(2026, 12, 4, 21, 0, 0, 123456, tzinfo=dt.UTC),
        actor_id=7,
        actor_label=label,
        organisation_id=3,
        action=action,
        object_type="incidents.Person",
        object_id="5b0e7c1e-2f0e-4d9b-9d0e-0b7f1f2f3a4b",
        level=level,
        outcome="ok",
        detail=detail,
        prev_hash="a" * 64,
    )
    first, second = os.urandom(32), os.urandom(32)
    # keys used in turn: each event hashed under its own key, the copies never mixed up
    assert audit.compute_hash(event, _keys(first)) == _expected(event, first)
    assert audit.compute_hash(event, _keys(second)) == _expected(event, second)
    assert audit.compute_hash(event, _keys(first)) == _expected(event, first)
    assert _expected(event, first) != _expected(event, second)


def test_a_decimal_or_a_date_in_a_detail_is_hashed_as_its_text():
    event = AuditEvent(
        seq=1,
        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        action="x",
        detail={"day": dt.date(2026, 1, 2), "amount": Decimal("1.50")},
        prev_hash=audit.GENESIS,
    )
    key = os.urandom(32)
    assert audit.compute_hash(event, _keys(key)) == _expected(event, key)
    assert b'"amount":"1.50","day":"2026-01-02"' in audit._canonical(event)
