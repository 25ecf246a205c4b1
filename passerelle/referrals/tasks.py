"""The referrals app's scheduled job (core.jobs; run by `manage.py run_jobs`)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from passerelle.core.jobs import scheduled

from . import services


@scheduled("remind_referrals", label=_("Remind overdue referrals"), daily_at=dt.time(6, 0))
def remind_referrals() -> dict:
    return {"reminded": services.remind_overdue()}
