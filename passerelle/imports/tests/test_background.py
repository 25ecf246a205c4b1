"""The background application of a batch: queued, run by the jobs worker, progress and
cancellation through files outside the database, every outcome recorded on the batch."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from passerelle.core import jobs
from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.imports import pipeline
from passerelle.imports.models import ImportBatch
from passerelle.imports.rows import RowError
from passerelle.incidents.models import Incident

from .helpers import row, victim

pytestmark = pytest.mark.django_db

SOURCE = "test-source"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def reader(monkeypatch):
    """A registered reader for SOURCE whose rows and errors a test sets (`reader.rows`)."""

    class Reader:
        rows: list = []
        errors: list = []
        during = None  # called while reading (as if the page acted meanwhile)

        def __call__(self, batch):
            if self.during:
                self.during(batch)
            return list(self.rows), list(self.errors)

    instance = Reader()
    monkeypatch.setitem(pipeline._READERS, SOURCE, instance)
    return instance


@pytest.fixture
def importer(user_with_role):
    return user_with_role("monitor", username="drc.importer")


@pytest.fixture
def batch(importer, org):
    return ImportBatch.objects.create(
        organisation=org,
        created_by=importer,
        source=SOURCE,
        payload="c3VibWlzc2lvbnM=",
        status=ImportBatch.Status.VALIDATED,
    )


def incidents():
    with unscoped():
        return Incident.objects.count()


def test_a_started_batch_is_applied_by_the_worker(importer, batch, reader, areas, import_channel):
    reader.rows = [row(n, persons=[victim(n)]) for n in range(1, 4)]
    pipeline.start(importer, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED and batch.task_id
    assert AuditEvent.objects.filter(action="import.start").exists()
    assert pipeline.batch_progress(batch) == {"done": 0, "total": 0, "status": "queued"}
    assert jobs.work() >= 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.payload is None and batch.result["created"] == 3 and batch.finished_at
    assert incidents() == 3
    assert pipeline.batch_progress(batch) == {"done": 3, "total": 3, "status": "applied"}
    assert list(import_channel.iterdir()) == []  # the channel's files are removed


def test_progress_is_read_from_the_file_while_running(batch, import_channel):
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    pipeline.write_progress(batch, 1000, 4000)
    assert json.loads((import_channel / f"{batch.public_id}.progress").read_text()) == {
        "done": 1000,
        "total": 4000,
    }
    assert pipeline.batch_progress(batch) == {"done": 1000, "total": 4000, "status": "running"}


def test_cancel_while_running_writes_nothing(importer, batch, reader, areas):
    reader.rows = [row(n) for n in range(1, 30)]
    reader.during = lambda b: pipeline._channel(b, "cancel").touch()  # asked meanwhile
    pipeline.start(importer, batch)
    jobs.work()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and batch.payload is None
    assert incidents() == 0
    assert AuditEvent.objects.filter(action="import.cancelled").exists()
    assert not AuditEvent.objects.filter(action="incident.create").exists()


def test_cancel_of_a_queued_batch(importer, batch, reader, areas):
    reader.rows = [row(1)]
    pipeline.start(importer, batch)
    pipeline.request_cancel(importer, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED and batch.cancel_requested
    jobs.work()
    assert incidents() == 0
    assert AuditEvent.objects.filter(action="import.cancel").exists()


def test_rows_with_errors_fail_the_batch_with_its_errors_kept_encrypted(
    importer, batch, reader, areas
):
    reader.rows = [row(1), row(2, area="ML99")]
    reader.errors = [RowError(7, "date", "Enter a valid date.", "date")]
    pipeline.start(importer, batch)
    jobs.work()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.payload is None
    assert [(e["row"], e["column"]) for e in batch.errors] == [(7, "date"), (3, "cercle")]
    assert "ML99" not in (batch.errors_sealed.token or "")
    assert incidents() == 0


def test_an_unexpected_failure_is_recorded_without_its_text(importer, batch, reader, areas):
    def boom(b):
        raise ValueError("Aminata Traoré's row is broken")

    reader.during = boom
    pipeline.start(importer, batch)
    jobs.work()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.result == {"error": "ValueError"}
    assert "Aminata" not in json.dumps(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_the_importer_who_lost_the_right_meanwhile_is_refused(importer, batch, reader, areas):
    reader.rows = [row(1)]
    pipeline.start(importer, batch)
    importer.memberships.update(role="viewer")
    jobs.work()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and incidents() == 0


def test_a_viewer_cannot_start_or_cancel(user_with_role, batch):
    viewer = user_with_role("viewer")
    with pytest.raises(DomainError):
        pipeline.start(viewer, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED
    with pytest.raises(DomainError):
        pipeline.request_cancel(viewer, batch)
    assert AuditEvent.objects.filter(action="access.refused").count() == 2


def test_a_batch_is_started_once(importer, batch, reader):
    pipeline.start(importer, batch)
    with pytest.raises(DomainError):
        pipeline.start(importer, batch)


def test_a_batch_whose_worker_died_is_marked_failed_once(batch, import_channel):
    import datetime as dt

    from django.utils import timezone

    from passerelle.imports import background

    long_ago = timezone.now() - dt.timedelta(hours=2)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, started_at=long_ago
    )
    alive = ImportBatch.objects.create(
        organisation=batch.organisation,
        source=SOURCE,
        payload="eA==",
        status=ImportBatch.Status.RUNNING,
        started_at=long_ago,
    )
    pipeline.write_progress(alive, 5000, 90000)  # a long import still reporting
    assert background.recover_interrupted() == 1
    batch.refresh_from_db()
    alive.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.payload is None
    assert batch.result == {"error": "WorkerLost"}
    assert alive.status == ImportBatch.Status.RUNNING
    assert background.recover_interrupted() == 0
    assert AuditEvent.objects.filter(action="import.failed").count() == 1
    assert "recover_imports" in jobs.registry()
