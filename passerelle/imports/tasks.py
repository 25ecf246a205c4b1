"""The background application of an import (django-tasks, run by `manage.py run_jobs`,
whose worker takes every queue)."""

from django_tasks import task

from . import pipeline


@task()
def apply_batch(batch_id: str) -> dict:
    """Read, check and apply the queued batch `batch_id` (its public id), all or nothing;
    every outcome is recorded on the batch (see `pipeline.run_batch`). Never raises: the
    queue stores no traceback, which could quote a row."""
    return pipeline.run_batch(batch_id)
