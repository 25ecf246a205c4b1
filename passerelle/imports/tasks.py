"""The background application of an import (django-tasks, run by `manage.py run_jobs`,
whose worker takes every queue), and the scheduled recovery of imports whose worker died."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from passerelle.core.jobs import scheduled

from . import background, pipeline


@task()
def apply_batch(batch_id: str) -> dict:
    """Read, check and apply the queued batch `batch_id` (its public id), all or nothing;
    every outcome is recorded on the batch (see `pipeline.run_batch`). Never raises: the
    queue stores no traceback, which could quote a row."""
    return pipeline.run_batch(batch_id)


@scheduled(
    "recover_imports",
    label=_("Mark imports interrupted with their worker as failed"),
    every=dt.timedelta(minutes=30),
    counts={"interrupted": _("interrupted imports marked failed")},
)
def recover_imports() -> dict:
    return {"interrupted": background.recover_interrupted()}
