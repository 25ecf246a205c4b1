"""The pulls' scheduled job (core.jobs; run by `manage.py run_jobs`): every 15 minutes, pull
each enabled connection whose turn has come; "Pull now" queues the same job for one
connection. A failed pull fails the job, which is retried and then reported."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from passerelle.core.jobs import scheduled

from . import services


@scheduled(
    "pull_submissions",
    label=_("Pull submissions from KoboToolbox and ODK Central"),
    every=dt.timedelta(minutes=15),
    counts={
        "pulled": _("connections pulled"),
        "created": _("incidents created"),
        "updated": _("incidents updated"),
        "failed": _("pulls failed"),
    },
)
def pull_submissions(connection: str = "", user: int | None = None) -> dict:
    return services.run(connection=connection, user=user)
