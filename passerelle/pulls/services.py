"""Server connections and pulls: the writes, in the house style (actor first, keyword-only,
audited). The credentials never reach the audit log, a message or a log line.

A pull (`pull`):

1. claims the connection (a conditional UPDATE: two workers never pull one connection at once);
2. fetches EVERY new page from the server (passerelle.pulls.clients): any failure there —
   refused credentials, a 5xx, a timeout in the middle of a page, an answer that is not JSON —
   stops the pull before anything is written;
3. turns the submissions into import rows through the connection's form mapping
   (passerelle.xlsforms.submissions, the same reading as an uploaded export);
4. validates them with `pipeline.prepare` and applies them with `pipeline.apply`, in one
   transaction with the move of the cursor: all or nothing, and a re-pull of what was
   already applied changes nothing (the pipeline's keys);
5. records the outcome on the connection (a code, shown in the reader's language) and in
   the audit log. A failure is raised again, so that the job that ran the pull fails, is
   retried and, after its last attempt, is reported to the administrators (core.jobs).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from passerelle import policy
from passerelle.core import audit
from passerelle.core.errors import DomainError

from . import clients
from .errors import PullError
from .models import ServerConnection

logger = logging.getLogger(__name__)

STALE = dt.timedelta(hours=1)  # a claim older than this was cut off with its worker
# What changes which submissions a connection names: changing one starts again from the first.
TARGET_FIELDS = ("kind", "base_url", "asset_uid", "project_id", "form_id")
FIELDS = (
    "name",
    "kind",
    "base_url",
    "auth",
    "asset_uid",
    "project_id",
    "form_id",
    "form_version",
    "enabled",
    "interval_minutes",
)


# --------------------------------------------------------------------------- connections


def _credentials_for(kind: str, auth: str, credentials: dict) -> dict:
    if kind == ServerConnection.Kind.ODK and auth == ServerConnection.Auth.PASSWORD:
        return {"email": credentials.get("email", ""), "password": credentials.get("password", "")}
    return {"token": credentials.get("token", "")}


@audit.service
def create_connection(actor, *, organisation, credentials: dict, **values) -> ServerConnection:
    """A new connection of `organisation` (the creator's `import.run` there); scheduled pulls
    act for its creator."""
    policy.require(actor, "import.run", organisation)
    connection = ServerConnection(organisation=organisation, created_by=actor)
    for name in FIELDS:
        if name in values:
            setattr(connection, name, values[name])
    _check(connection)
    connection.set_credentials(_credentials_for(connection.kind, connection.auth, credentials))
    connection.next_pull_at = timezone.now() if connection.enabled else None
    connection.save()
    audit.record(
        actor,
        "pull.connection_created",
        connection,
        organisation=organisation,
        detail={"kind": connection.kind, "enabled": connection.enabled},
    )
    return connection


@audit.service
def update_connection(
    actor,
    *,
    connection: ServerConnection,
    credentials: dict | None = None,
    restart: bool = False,
    **values,
) -> ServerConnection:
    """Change a connection. Credentials left empty are kept; changing the server, the asset or
    the form (or asking to `restart`) pulls everything again from the first submission (what
    was already applied stays unchanged: the import path's keys)."""
    policy.require(actor, "import.run", connection)
    connection = ServerConnection.objects.select_for_update().get(pk=connection.pk)
    changed = []
    for name in FIELDS:
        if name in values and getattr(connection, name) != values[name]:
            setattr(connection, name, values[name])
            changed.append(name)
    _check(connection)
    new_secret = {k: v for k, v in (credentials or {}).items() if v}
    if ("base_url" in changed or "kind" in changed) and not new_secret:
        # The saved credentials go only to the server they were given for: whoever points the
        # connection elsewhere gives them again (else a colleague could send them to any host).
        password = connection.auth == ServerConnection.Auth.PASSWORD
        raise DomainError(
            _("Give the credentials again when the server changes."),
            field="password" if password else "token",
            code="credentials_needed",
        )
    if "auth" in changed or "kind" in changed or new_secret:
        merged = {**connection.credentials(), **new_secret} if "auth" not in changed else new_secret
        connection.set_credentials(_credentials_for(connection.kind, connection.auth, merged))
    if restart or any(name in changed for name in TARGET_FIELDS):
        connection.cursor = ""
        connection.cursor_id = ""
    if connection.enabled and ("enabled" in changed or "interval_minutes" in changed):
        connection.next_pull_at = timezone.now()
    connection.save()
    audit.record(
        actor,
        "pull.connection_changed",
        connection,
        organisation=connection.organisation,
        detail={
            "fields": sorted(changed),
            "credentials_changed": bool(new_secret),
            "restart": bool(restart or connection.cursor == ""),
        },
    )
    return connection


def _check(connection: ServerConnection) -> None:
    try:
        clients.check_address(connection.base_url, resolve=False)
    except PullError as exc:
        raise DomainError(str(exc), field="base_url", code="address") from None
    if connection.kind == ServerConnection.Kind.KOBO:
        if not connection.asset_uid:
            raise DomainError(_("Give the KoboToolbox asset uid."), field="asset_uid")
        if connection.auth != ServerConnection.Auth.TOKEN:
            raise DomainError(_("KoboToolbox is pulled with an API token."), field="auth")
    else:
        if not connection.project_id:
            raise DomainError(_("Give the ODK Central project id."), field="project_id")
        if not connection.form_id:
            raise DomainError(_("Give the ODK Central form id."), field="form_id")


@audit.service
def request_pull(actor, *, connection: ServerConnection):
    """ "Pull now": queue one pull of this connection, acting for `actor` (refused, and the
    refusal audited, to whoever may not import into its organisation)."""
    from passerelle.core import jobs
    from passerelle.core.models import JobRun

    policy.require(actor, "import.run", connection)
    result = jobs.enqueue_now(
        "pull_submissions",
        trigger=JobRun.Trigger.MANUAL,
        connection=str(connection.public_id),
        user=actor.pk,
    )
    audit.record(
        actor, "pull.requested", connection, organisation=connection.organisation, detail={}
    )
    return result


# --------------------------------------------------------------------------- pulling


def _claim(connection: ServerConnection, now) -> bool:
    free = Q(pulling_since__isnull=True) | Q(pulling_since__lt=now - STALE)
    return bool(
        ServerConnection.objects.filter(free, pk=connection.pk).update(
            pulling_since=now, last_status=ServerConnection.Status.RUNNING
        )
    )


def _source(connection: ServerConnection) -> str:
    from passerelle.imports.models import ImportBatch

    if connection.kind == ServerConnection.Kind.KOBO:
        return ImportBatch.Source.KOBO
    return ImportBatch.Source.ODK


def convert(connection: ServerConnection, fetched: clients.Fetched) -> tuple[list, list]:
    """The fetched submissions as import rows (and row errors), read like an uploaded export
    of the same server and mapped with the connection's form mapping."""
    from . import forms_link

    return forms_link.rows_for(connection, fetched)


def _after(current: str, candidate: str) -> str:
    """The later of two cursors (a cursor never moves back)."""
    if not current:
        return candidate
    if not candidate:
        return current
    try:
        a = clients.odk_time(current)
        b = clients.odk_time(candidate)
    except ValueError:
        return max(current, candidate)
    return candidate if b > a else current


def pull(actor, *, connection: ServerConnection, trigger: str = "manual") -> dict:
    """Pull the new submissions of `connection`, acting for `actor` (see the module's text).
    Returns the counts written; raises `PullError` (recorded, audited) when nothing was."""
    from passerelle.imports import pipeline
    from passerelle.imports.models import ImportBatch

    now = timezone.now()
    if not _claim(connection, now):
        raise PullError("busy")
    connection.refresh_from_db()
    batch = None
    try:
        if actor is None or not policy.can(actor, "import.run", connection.organisation):
            raise PullError("refused")
        fetched = clients.client_for(connection).fetch(since=connection.cursor)
        if not fetched.submissions:
            counts = {"created": 0, "updated": 0, "unchanged": 0, "submissions": 0}
            _succeeded(actor, connection, counts, fetched, batch=None)
            return counts
        rows, errors = convert(connection, fetched)
        plan = pipeline.prepare(
            actor,
            organisation=connection.organisation,
            rows=rows,
            source=_source(connection),
            source_key=connection.source_key,
            errors=errors,
        )
        # The pull's batch: its counts and row errors (encrypted), never the submissions.
        batch = ImportBatch(
            organisation=connection.organisation,
            created_by=actor,
            source=_source(connection),
            source_key=connection.source_key[:200],
            options={"connection": str(connection.public_id), "trigger": trigger},
            status=ImportBatch.Status.RUNNING,  # applied below, in this job, not queued
            started_at=now,
        )
        plan.record_on(batch)
        batch.save()
        if plan.errors:
            raise PullError("rows", count=len(plan.errors))
        with transaction.atomic():
            result = pipeline.apply(
                actor, plan, batch=batch, cancelled=lambda: _cancel_asked(pipeline, batch)
            )
            counts = {k: v for k, v in dict(result or {}).items() if isinstance(v, int)}
            counts["submissions"] = len(fetched.submissions)
            _succeeded(actor, connection, counts, fetched, batch=batch)
        return counts
    except PullError as exc:
        _failed(actor, connection, exc.code, exc.params, batch)
        raise
    except PermissionDenied:
        _failed(actor, connection, "refused", {}, batch)
        raise PullError("refused") from None
    except Exception as exc:
        code = "cancelled" if type(exc).__name__ == "ImportCancelled" else "import"
        logger.warning("Pull of connection %s failed: %s", connection.pk, type(exc).__name__)
        _failed(actor, connection, code, {}, batch)
        raise PullError(code) from None


def _cancel_asked(pipeline, batch) -> bool:
    """The imports page's Cancel on the pull's running batch (nothing is then written)."""
    asked = getattr(pipeline, "cancel_asked", None)
    return bool(asked and asked(batch))


def _succeeded(actor, connection, counts: dict, fetched, *, batch) -> None:
    now = timezone.now()
    cursor = _after(connection.cursor, fetched.cursor)
    ServerConnection.objects.filter(pk=connection.pk).update(
        cursor=cursor,
        cursor_id=fetched.cursor_id if cursor == fetched.cursor else connection.cursor_id,
        last_status=ServerConnection.Status.OK,
        last_pulled_at=now,
        last_success_at=now,
        last_error="",
        last_error_params={},
        last_counts=counts,
        last_batch=batch if batch is not None else connection.last_batch,
        consecutive_failures=0,
        pulling_since=None,
        next_pull_at=now + dt.timedelta(minutes=connection.interval_minutes)
        if connection.enabled
        else None,
        updated_at=now,
    )
    audit.record(
        actor,
        "pull.applied",
        connection,
        organisation=connection.organisation,
        detail={"pages": fetched.pages, **counts},
    )


def _failed(actor, connection, code: str, params: dict, batch) -> None:
    """Record a failed pull (nothing applied): on the connection, its batch and in the log."""
    from passerelle.core import jobs
    from passerelle.imports.models import ImportBatch

    now = timezone.now()
    failures = connection.consecutive_failures + 1
    # While the job retries (core.jobs), a failing connection stays due, so each retry tries
    # it again; after the last attempt it waits for its next turn.
    retry = connection.enabled and failures < jobs.max_attempts()
    with transaction.atomic():
        if batch is not None:
            ImportBatch.objects.filter(pk=batch.pk).exclude(
                status=ImportBatch.Status.APPLIED
            ).update(status=ImportBatch.Status.FAILED, finished_at=now, payload=None)
        ServerConnection.objects.filter(pk=connection.pk).update(
            last_status=ServerConnection.Status.FAILED,
            last_pulled_at=now,
            last_error=code,
            last_error_params=params,
            last_counts={},
            last_batch=batch if batch is not None else connection.last_batch,
            consecutive_failures=failures,
            pulling_since=None,
            next_pull_at=now
            if retry
            else (now + dt.timedelta(minutes=connection.interval_minutes))
            if connection.enabled
            else None,
            updated_at=now,
        )
        audit.record(
            actor,
            "pull.failed",
            connection,
            organisation=connection.organisation,
            outcome="error",
            detail={"code": code, "status": params.get("status"), "count": params.get("count")},
        )


# --------------------------------------------------------------------------- the job


class PullsFailed(DomainError):
    def __init__(self, failed: int):
        self.failed = failed
        super().__init__(
            ngettext_lazy(
                "%(count)d pull failed: see the server connections page.",
                "%(count)d pulls failed: see the server connections page.",
                failed,
            )
            % {"count": failed},
            code="pull_failed",
        )


def due(now=None):
    now = now or timezone.now()
    return ServerConnection.objects.filter(enabled=True).filter(
        Q(next_pull_at__isnull=True) | Q(next_pull_at__lte=now)
    )


def run(*, connection: str = "", user: int | None = None) -> dict:
    """The `pull_submissions` job: one connection (a "Pull now", acting for the user who asked)
    or every enabled connection that is due (acting for each one's creator). Raises when a
    pull failed, so that the job's failure path retries and reports it."""
    from django.contrib.auth import get_user_model

    if connection:
        targets = list(ServerConnection.objects.filter(public_id=connection))
    else:
        targets = list(due().select_related("created_by", "organisation"))
    totals = {"pulled": 0, "created": 0, "updated": 0, "failed": 0}
    for target in targets:
        actor = target.created_by
        if user:
            actor = get_user_model().objects.filter(pk=user, is_active=True).first()
        if actor is not None and not actor.is_active:
            actor = None
        try:
            counts = pull(actor, connection=target, trigger="manual" if connection else "schedule")
        except PullError as exc:
            if exc.code != "busy":
                totals["failed"] += 1
            continue
        totals["pulled"] += 1
        totals["created"] += counts.get("created", 0)
        totals["updated"] += counts.get("updated", 0)
    if totals["failed"]:
        raise PullsFailed(totals["failed"])
    return totals


def credentials_summary(connection: ServerConnection) -> str:
    """What a page may say of the credentials: that they are set, never what they are."""
    if not connection.has_credentials:
        return str(_("Not set"))
    return str(_("Set (hidden)"))


__all__ = [
    "create_connection",
    "update_connection",
    "request_pull",
    "pull",
    "run",
    "due",
]
