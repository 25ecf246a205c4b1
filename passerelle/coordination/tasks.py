"""The coordination app's scheduled job (core.jobs; run by `manage.py run_jobs`)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from passerelle.core.jobs import scheduled

from . import services


@scheduled(
    "remind_action_points",
    label=_("Remind overdue action points and risk reviews"),
    daily_at=dt.time(6, 10),
)
def remind_action_points() -> dict:
    return services.remind_action_points()
