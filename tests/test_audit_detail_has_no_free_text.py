"""No user-typed text goes into an audit event's `detail`: a reason, a note or a subject is
kept on its record (sealed where it is level 3), and the audit log keeps a code, a length or
a reference. The log is copied, exported and read by organisation administrators who may not
read the record itself.

Two checks: the protocol suspension (whose reason went into the event until issue 10), by
behaviour; and every `audit.record` / `record_each` / `record_refusal` / `audit_refusal` /
`refuse_404` call in the code, by reading it: a `detail` (or `reason`) built from a variable
named like free text fails unless it is listed below as a code, with the reason."""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

from passerelle.core.models import AuditEvent
from passerelle.sharing import services
from passerelle.sharing.tests.test_protocol_views import active, hrd, manager  # noqa: F401

ROOT = pathlib.Path(__file__).resolve().parent.parent / "passerelle"
AUDIT_CALLS = {"record", "record_each", "record_refusal", "audit_refusal", "refuse_404"}
FREE_TEXT = re.compile(
    r"(reason|note|subject|body|text|comment|message|narrative|description|title|summary"
    r"|question|answer)",
    re.IGNORECASE,
)

# Values whose names sound like free text but hold a code, a key or a length.
KNOWN_CODES = {
    # a choice of `DeclineReason` (validated by the service before the event is written)
    ("referrals/services.py", "referral.decline_reason"),
    ("inforequests/services.py", "reason"),
    # the policy's own refusal reasons: fixed strings ("not permitted", "other organisation")
    ("policy/gate.py", "reason"),
    # a `Disclosure.Revocation` choice
    ("sharing/services.py", "reason"),
}


def _free_text_values(tree):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in AUDIT_CALLS:
            continue
        for keyword in node.keywords:
            if keyword.arg not in ("detail", "reason"):
                continue
            for leaf in _values(keyword.value):
                ident = leaf.attr if isinstance(leaf, ast.Attribute) else leaf.id
                if FREE_TEXT.search(ident):
                    yield node.lineno, ast.unparse(leaf)


# Calls whose result is a length, a count or a key, never the text itself.
REDUCING = {"len", "bool", "int", "sorted_codes"}


def _values(expr):
    """The names and attributes whose value goes into the detail: `{"k": a.b or None}` gives
    `a.b`; `len(x)` gives nothing; `str(x)` gives `x`."""
    if isinstance(expr, ast.Dict):
        for value in expr.values:
            yield from _values(value)
    elif isinstance(expr, ast.Attribute | ast.Name):
        yield expr
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            yield from _values(value)
    elif isinstance(expr, ast.IfExp):
        yield from _values(expr.body)
        yield from _values(expr.orelse)
    elif isinstance(expr, ast.JoinedStr):
        for value in expr.values:
            if isinstance(value, ast.FormattedValue):
                yield from _values(value.value)
    elif isinstance(expr, ast.List | ast.Tuple | ast.Set):
        for value in expr.elts:
            yield from _values(value)
    elif isinstance(expr, ast.Call):
        name = getattr(expr.func, "id", None) or getattr(expr.func, "attr", None)
        if name not in REDUCING:
            for arg in expr.args:
                yield from _values(arg)
    elif isinstance(expr, ast.Subscript):
        yield from _values(expr.value)


def test_no_audit_call_puts_free_text_in_its_detail():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{relative}" or "/migrations/" in relative:
            continue
        for line, value in _free_text_values(ast.parse(path.read_text())):
            if (relative, value) not in KNOWN_CODES:
                found.append(f"{relative}:{line}: {value}")
    assert not found, "free text in an audit detail:\n" + "\n".join(found)


def test_the_scan_finds_a_reason_put_in_a_detail():
    """The check above can fail: a call like the old protocol suspension is caught."""
    source = 'audit.record_each(actor, "x", obj, detail={"reason": protocol.status_note})'
    assert list(_free_text_values(ast.parse(source))) == [(1, "protocol.status_note")]


@pytest.mark.django_db
def test_a_suspension_reason_stays_on_the_protocol_not_in_the_audit_log(manager, active):  # noqa: F811
    reason = "Fuite signalée à Gao par un agent nommé Moussa"
    services.suspend_protocol(manager.user, active, reason=reason)
    active.refresh_from_db()
    assert active.status_note == reason  # shown on the protocol to its readers
    events = list(AuditEvent.objects.filter(action="protocol.suspend"))
    assert len(events) == 2  # one per party
    for event in events:
        assert event.detail == {"reason_length": len(reason)}
        assert "Moussa" not in json.dumps(event.detail, ensure_ascii=False)


@pytest.mark.django_db
def test_an_export_audits_its_filters_as_codes_never_as_typed(org, areas):
    """The training and service exports keep what they were filtered by: known codes only;
    an unknown parameter, or a value that is no code, leaves no typed text in the log."""
    from passerelle.coordination.training_forms import TrainingFilterForm
    from passerelle.coordination.training_views import _filter_codes
    from passerelle.referrals.mapping import filtered_services

    typed = "Moussa Traoré, 76 12 34 56"
    form = TrainingFilterForm(
        {"topic": "poc", "area": "ML07", "note": typed, "start": "2026-01-05", "end": ""}
    )
    assert _filter_codes(form) == {"topic": "poc", "area": "ML07", "start": "2026-01-05"}

    _services, filters = filtered_services(
        {"provider": org.acronym.lower(), "type": typed, "area": "ML07", "status": typed}
    )
    assert filters == {"provider": org.acronym, "type": "?", "area": "ML07", "status": "?"}
    assert typed not in json.dumps(filters, ensure_ascii=False)
