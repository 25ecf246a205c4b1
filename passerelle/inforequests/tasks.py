"""The requests app's scheduled job (core.jobs; run by `manage.py run_jobs`)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from passerelle.core.jobs import scheduled

from . import services


@scheduled(
    "remind_requests", label=_("Remind requests due soon and overdue"), daily_at=dt.time(6, 5)
)
def remind_requests() -> dict:
    return services.remind_requests()
