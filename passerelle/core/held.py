"""Forms kept across an idle timeout (docs/security.md "Idle timeout without lost work").

When the idle timeout ends a session on a POST whose CSRF token is valid, what was typed is
kept on the server, encrypted with the field key (bound to the row, the user and the address),
for `HOLD_FOR`. After the same user signs in again, `accounts:held` offers to send it again to
the same address with a fresh CSRF token (a form page then saves it, or shows it back with its
errors), or to discard it. Another user never sees it; files cannot be kept (the user is told);
nothing is written to the browser's storage; the audit keeps counts, never the content.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from . import audit
from .fields import reveal
from .models import HeldSubmission

HOLD_FOR = dt.timedelta(hours=2)
NOT_KEPT = frozenset({"csrfmiddlewaretoken"})
MARK = "passerelle_held"  # the field naming the hold in a form sent again


def purge_expired(now=None) -> int:
    """Delete the holds past their time; returns how many."""
    deleted, _detail = HeldSubmission.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


@transaction.atomic
def hold_submission(
    actor, *, path: str, fields: list[tuple[str, str]], files_dropped: int = 0
) -> HeldSubmission:
    """Keep what `actor` sent to `path` (name/value pairs), encrypted, for HOLD_FOR."""
    purge_expired()
    kept = [(name, value) for name, value in fields if name not in NOT_KEPT and name != MARK]
    held = HeldSubmission(
        user=actor,
        path=path[:500],
        files_dropped=files_dropped,
        expires_at=timezone.now() + HOLD_FOR,
    )
    held.payload = json.dumps({"user": actor.pk, "path": held.path, "fields": kept})
    held.save()
    audit.record(
        actor,
        "auth.idle_form_held",
        held,
        organisation=audit.home_organisation(actor),
        detail={"fields": len(kept), "files_dropped": files_dropped},
    )
    return held


def get_held(actor, public_id) -> HeldSubmission:
    """The actor's own live hold, or 404 (missing, expired and another user's alike); asking
    for another user's is a refusal, audited in that user's organisation's log."""
    held = (
        HeldSubmission.objects.filter(public_id=public_id, expires_at__gt=timezone.now())
        .select_related("user")
        .first()
    )
    if held is None:
        raise Http404
    if held.user_id != actor.pk:
        audit.record_refusal(
            actor,
            "access.refused",
            held,
            organisation=audit.home_organisation(held.user),
            detail={"action": "held.open", "reason": "another user's kept form"},
        )
        raise Http404
    return held


def held_fields(actor, held: HeldSubmission) -> list[tuple[str, str]]:
    """The name/value pairs kept, decrypted for their own user only."""
    data = json.loads(reveal(held.payload))
    if data.get("user") != actor.pk or held.user_id != actor.pk or data.get("path") != held.path:
        raise Http404
    return [(str(name), str(value)) for name, value in data["fields"]]


@transaction.atomic
def discard_held(actor, *, held: HeldSubmission, outcome: str) -> None:
    """Delete a hold: `outcome` is "resent" (sent again) or "discarded" (by its user)."""
    audit.record(
        actor,
        f"auth.idle_form_{outcome}",
        held,
        organisation=audit.home_organisation(actor),
    )
    held.delete()


def resent(actor, public_id) -> None:
    """A form carrying MARK was sent again: its hold is spent (nothing if already gone)."""
    try:
        held = get_held(actor, public_id)
    except (Http404, ValidationError, ValueError):  # a malformed id is no hold
        return
    discard_held(actor, held=held, outcome="resent")
