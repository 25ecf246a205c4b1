"""`{% security_context record %}`: the ACLED events of an incident's area and ISO week (its
month when only the month of the incident is known; nothing when only its year is).

ACLED data are public: the list shows nothing the reader could not download from ACLED. The
area is the cercle (admin 2) of the incident's area as the reader sees it (`redact` already
coarsens the place below level 3), so the list never points at a finer place than the page.
"""

import datetime as dt

from django import template

from ..models import AcledEvent

register = template.Library()

SHOWN = 10


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


def context_area(area):
    """The area the security context is read for: the cercle, or the area itself above it."""
    if area is None:
        return None
    return area.ancestor_at(2) or area


@register.inclusion_tag("context/_security_context.html")
def security_context(record):
    area = context_area(getattr(record, "area", None))
    day = getattr(record, "occurred_on", None)
    if area is None or day is None:
        return {"shown": False}
    precision = getattr(record, "date_precision", "day") or "day"
    if precision == "year":
        return {"shown": False}  # a year of events says nothing about this incident
    if precision == "month":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    else:
        start, end = week_of(day)
    events = AcledEvent.objects.within(area).filter(event_date__range=(start, end))
    events = list(
        events.select_related("area").order_by("event_date", "event_id_cnty")[: SHOWN + 1]
    )
    return {
        "shown": True,
        "area": area,
        "start": start,
        "end": end,
        "week": day.isocalendar(),
        "by_month": precision == "month",
        "events": events[:SHOWN],
        "more": len(events) > SHOWN,
    }
