"""Records that hold from a `since` date to an optional `until` date (focal points, body
memberships): one definition of "current on a date" for querysets, annotations and instances."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone


def current_q(on: dt.date | None = None, prefix: str = "") -> Q:
    """Rows (at `prefix`, e.g. "memberships__") whose period covers `on` (today by default);
    both ends count, and an empty `until` means open-ended."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}since__lte": on}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": on})
    )


class PeriodQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None):
        return self.filter(current_q(on))


class PeriodMixin:
    """For models with `since` and `until` date fields."""

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.since <= on and (self.until is None or self.until >= on)
