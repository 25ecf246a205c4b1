"""The demo's calendar: the story of 2012–2014, told in the present.

The demo follows the Mali crisis month by month from January 2012 (the rebellion) to December
2014 (after the fighting in Kidal), and the narratives keep those events. Its dates are moved
as one block so that the story ends a few days before the day the demo is loaded: incidents,
interviews, consents, referrals and their follow-ups, requests, meetings, action points,
trainings and protocols keep the intervals between them (a report six days after an
incident, a follow-up due ten days after a referral), and every page, whose default period
is the last twelve months, opens on data.

The shift is a whole number of days computed from today, so a month-precision date is put
back on the first of its month by the caller. Dates are never part of what the loaders
match existing rows on, so loading again on another day adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

STORY_START = dt.date(2012, 1, 1)
STORY_END = dt.date(2014, 12, 31)
DAYS_BEFORE_TODAY = 4  # the story's last day is this many days before today


def today() -> dt.date:
    return timezone.localdate()


def offset() -> dt.timedelta:
    """How far the story's dates move: STORY_END lands DAYS_BEFORE_TODAY days ago."""
    return today() - dt.timedelta(days=DAYS_BEFORE_TODAY) - STORY_END


def shift(day: dt.date) -> dt.date:
    """A date of the story (2012–2014), in the present."""
    return day + offset()


def shift_month(day: dt.date) -> dt.date:
    """The first day of the month a story month falls in, in the present."""
    return shift(day).replace(day=1)


def not_after_today(day: dt.date) -> dt.date:
    return min(day, today())
