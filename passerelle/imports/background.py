"""The background half of the import path: the readers of stored batches, the task's body
(`run_batch`), `start`, `request_cancel`, `batch_progress`, and the files through which
progress and cancellation travel (docs/imports.md, "The import path": on SQLite the import's
transaction holds the only write lock until it commits, so neither could go through the
database). `pipeline` re-exports every public name here."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle.core import audit
from passerelle.core.errors import DomainError
from passerelle.incidents import services as rules

from .models import ImportBatch
from .rows import RowError

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- readers


_READERS: dict[str, Callable] = {}


def register_reader(source: str, func: Callable) -> None:
    """`func(batch) -> (rows, errors)`: how the background task reads a stored batch."""
    _READERS[source] = func


def reader_for(source: str) -> Callable:
    try:
        return _READERS[source]
    except KeyError:
        raise DomainError(
            _("No reader is registered for this kind of import."), code="no_reader"
        ) from None


def read_batch(batch: ImportBatch):
    """(rows, reader errors) of a stored batch, by the reader registered for its source."""
    return reader_for(batch.source)(batch)


# --------------------------------------------------------------------------- background


def channel_dir() -> Path:
    """Where the progress and cancellation files of running imports are kept
    (settings.PASSERELLE_IMPORTS_DIR, by default VAR_DIR/imports)."""
    configured = getattr(settings, "PASSERELLE_IMPORTS_DIR", None)
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _channel(batch, suffix: str) -> Path:
    return channel_dir() / f"{batch.public_id}.{suffix}"


def write_progress(batch, done: int, total: int) -> None:
    """Written by the worker between two batches (atomically: a reader never sees half)."""
    target = _channel(batch, "progress")
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"done": done, "total": total}))
    os.replace(tmp, target)


def cancel_asked(batch) -> bool:
    return _channel(batch, "cancel").exists()


def _clear_channel(batch) -> None:
    for suffix in ("progress", "cancel"):
        _channel(batch, suffix).unlink(missing_ok=True)


def batch_progress(batch: ImportBatch) -> dict:
    """{done, total, status} for the page's progress bar: the worker's file while it runs
    (the database cannot tell, see the module's docstring), the batch's counts after."""
    batch.refresh_from_db(fields=["status", "total_rows", "to_create", "to_update", "result"])
    status = batch.status
    if status == ImportBatch.Status.RUNNING:
        try:
            data = json.loads(_channel(batch, "progress").read_text())
            return {"done": int(data["done"]), "total": int(data["total"]), "status": status}
        except (OSError, ValueError, KeyError, TypeError):
            return {"done": 0, "total": batch.to_create + batch.to_update, "status": status}
    if status == ImportBatch.Status.APPLIED:
        total = batch.result.get("created", 0) + batch.result.get("updated", 0)
        return {"done": total, "total": total, "status": status}
    return {"done": 0, "total": batch.to_create + batch.to_update, "status": status}


@audit.service
def start(actor, batch: ImportBatch) -> ImportBatch:
    """Queue the application of a checked batch; `manage.py run_jobs` applies it."""
    rules._require_in(actor, "import.run", batch.organisation)
    given, batch = batch, ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (ImportBatch.Status.DRAFT, ImportBatch.Status.VALIDATED):
        raise DomainError(_("This import was already started."), code="started")
    from .tasks import apply_batch

    _clear_channel(batch)
    result = apply_batch.enqueue(batch_id=str(batch.public_id))
    batch.status = ImportBatch.Status.QUEUED
    batch.task_id = str(getattr(result, "id", ""))[:64]
    batch.cancel_requested = False
    batch.save(update_fields=["status", "task_id", "cancel_requested", "updated_at"])
    given.status, given.task_id, given.cancel_requested = batch.status, batch.task_id, False
    audit.record(
        actor,
        "import.start",
        batch,
        organisation=batch.organisation,
        detail={"import": str(batch.public_id), "source": batch.source},
    )
    return batch


def request_cancel(actor, batch: ImportBatch) -> ImportBatch:
    """Ask a queued or running import to stop; nothing of it is written.

    The file is written first: a running import polls it between two batches and rolls
    back. Only then is the batch marked — on SQLite that write waits for the import's
    transaction to end, which the file has just asked for."""
    rules._require_in(actor, "import.run", batch.organisation)
    status = ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).first()
    if status not in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING):
        raise DomainError(_("This import is not running."), code="not_running")
    _channel(batch, "cancel").touch()
    return _mark_cancel(actor, batch)


@audit.service
def _mark_cancel(actor, batch: ImportBatch) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    batch.cancel_requested = True
    fields = ["cancel_requested", "updated_at"]
    if batch.status == ImportBatch.Status.QUEUED:  # not started: cancelled at once
        batch.status = ImportBatch.Status.CANCELLED
        batch.payload = None
        batch.finished_at = timezone.now()
        fields += ["status", "payload", "finished_at"]
    batch.save(update_fields=fields)
    audit.record(
        actor,
        "import.cancel",
        batch,
        organisation=batch.organisation,
        detail={"import": str(batch.public_id)},
    )
    return batch


def run_batch(batch_id: str) -> dict:
    """The background task's body: read, check and apply one queued batch, then record how
    it ended. The uploaded file is emptied whatever the outcome."""
    from passerelle.core.jobs import error_summary

    from . import pipeline

    batch = ImportBatch.objects.filter(public_id=batch_id).first()
    if batch is None:
        return {"status": "missing"}
    if batch.status != ImportBatch.Status.QUEUED:
        return {"status": batch.status}
    if batch.cancel_requested or cancel_asked(batch):
        return _finish(batch, ImportBatch.Status.CANCELLED)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.QUEUED).update(
        status=ImportBatch.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return {"status": "taken"}
    batch.refresh_from_db()
    actor = batch.created_by
    try:
        rows, errors = read_batch(batch)
        plan = pipeline.prepare(
            actor,
            organisation=batch.organisation,
            rows=rows,
            source=batch.source,
            source_key=batch.source_key,
            errors=errors,
        )
        if plan.errors:
            plan.record_on(batch)
            return _finish(batch, ImportBatch.Status.FAILED, keep_errors=True)
        write_progress(batch, 0, plan.to_create + plan.to_update)
        pipeline.apply(
            actor,
            plan,
            batch=batch,
            progress=lambda done, total: write_progress(batch, done, total),
            cancelled=lambda: cancel_asked(batch),
        )
    except pipeline.ImportCancelled:
        return _finish(batch, ImportBatch.Status.CANCELLED)
    except DomainError as exc:
        batch.set_errors([RowError(0, "", exc.message, exc.code or "invalid").as_dict()])
        return _finish(batch, ImportBatch.Status.FAILED, keep_errors=True)
    except Exception as exc:  # noqa: BLE001 - recorded as a failure, never half-applied
        logger.warning("Import %s failed: %s", batch.public_id, error_summary(exc))
        return _finish(batch, ImportBatch.Status.FAILED, error=error_summary(exc))
    finally:
        _clear_channel(batch)
    batch.refresh_from_db()
    return {"status": batch.status, **batch.result}


def _finish(batch, status: str, *, keep_errors: bool = False, error: str = "") -> dict:
    fresh = ImportBatch.objects.get(pk=batch.pk)
    fresh.status = status
    fresh.payload = None
    fresh.finished_at = timezone.now()
    if keep_errors:
        fresh.errors_sealed = batch.errors_sealed
        fresh.error_count = batch.error_count
        for name in ("total_rows", "to_create", "to_update", "unchanged"):
            setattr(fresh, name, getattr(batch, name))
    if error:
        fresh.result = {"error": error}
    with transaction.atomic():
        fresh.save()
        audit.record(
            fresh.created_by,
            f"import.{status}",
            fresh,
            organisation=fresh.organisation,
            outcome="ok" if status == ImportBatch.Status.CANCELLED else "error",
            detail={"import": str(fresh.public_id), "errors": fresh.error_count},
        )
    _clear_channel(batch)
    return {"status": status}


STALE = dt.timedelta(hours=1)  # far longer than a batch goes without reporting progress


def recover_interrupted(now=None) -> int:
    """Batches still `running` whose worker stopped (killed, power cut): their transaction
    died with the process, so nothing of them was written; each is marked failed once (a
    conditional UPDATE claims it), its file emptied, the failure audited. A batch is taken
    for dead when it started over an hour ago and its progress file has not moved for an
    hour. Returns how many were found."""
    now = now or timezone.now()
    found = 0
    running = ImportBatch.objects.filter(
        status=ImportBatch.Status.RUNNING, started_at__lt=now - STALE
    )
    for batch in running:
        progress = _channel(batch, "progress")
        try:
            moved = dt.datetime.fromtimestamp(progress.stat().st_mtime, tz=dt.UTC)
        except OSError:
            moved = None
        if moved is not None and moved > now - STALE:
            continue
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED
        )
        if claimed:
            _finish(batch, ImportBatch.Status.FAILED, error="WorkerLost")
            found += 1
    return found
