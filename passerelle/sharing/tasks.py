"""The sharing app's scheduled job (core.jobs; run by `manage.py run_jobs`)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from passerelle.core.jobs import scheduled

from . import services


@scheduled(
    "expire_protocols", label=_("Expire protocols past their end date"), daily_at=dt.time(0, 15)
)
def expire_protocols() -> dict:
    return {"expired": services.expire_protocols()}
