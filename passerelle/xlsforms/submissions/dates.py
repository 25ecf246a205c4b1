"""Dates as submission exports write them: ISO days and datetimes (with or without an offset),
French `jj/mm/aaaa`, Excel serial numbers (as numbers in XLSX, as text in CSV)."""

from __future__ import annotations

import datetime as dt
import re

EXCEL_EPOCH = dt.date(1899, 12, 30)
FIRST_YEAR, LAST_YEAR = 1900, 2100
FRENCH_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Excel serials as text: five digits (1927-05-18 to 2173-10-14), so a year or a count is not one
SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")
FRENCH_DATETIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _checked(year: int, month: int, day: int) -> dt.date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError("year out of range")
    return dt.date(year, month, day)


def excel_serial(number: float) -> dt.date:
    """The day an Excel serial number stands for (1900 system; day 60 is Excel's
    non-existent 29 February 1900 and is refused)."""
    days = int(float(number))
    if days < 1 or days == 60:
        raise ValueError("not a serial date")
    if days < 60:
        days += 1  # before Excel's phantom 29 February 1900
    result = EXCEL_EPOCH + dt.timedelta(days=days)
    return _checked(result.year, result.month, result.day)


def parse_date(value) -> dt.date:
    """A day from what exports hold: a date or datetime (XLSX), an Excel serial (a number,
    or its text), ISO `aaaa-mm-jj` (a datetime's day as written), French `jj/mm/aaaa`
    (also `-` or `.` between, two-digit years read as 20xx). ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, int | float):
        return excel_serial(value)
    text = str(value or "").strip()
    if not text:
        raise ValueError("empty")
    if SERIAL.match(text):
        return excel_serial(float(text.replace(",", ".")))
    head = text[:10] if len(text) > 10 and text[10] in "T " else text
    match = ISO_DATE.match(head)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _checked(year, month, day)
    match = FRENCH_DATE.match(text) or FRENCH_DATE.match(text.split(" ")[0].split("T")[0])
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
        return _checked(year, month, day)
    raise ValueError("not a date")


def parse_datetime(value) -> dt.datetime:
    """An aware datetime from an ISO text (offset or `Z`; none means UTC), a French
    `jj/mm/aaaa hh:mm`, an XLSX datetime (UTC), or an Excel serial. ValueError otherwise."""
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        day = excel_serial(value)
        seconds = round((float(value) % 1) * 86400)
        result = dt.datetime(day.year, day.month, day.day) + dt.timedelta(seconds=seconds)
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError("empty")
        if SERIAL.match(text):
            return parse_datetime(float(text.replace(",", ".")))
        match = FRENCH_DATETIME.match(text)
        if match:
            day, month, year, hour, minute = (int(g) for g in match.groups()[:5])
            second = int(match.group(6) or 0)
            result = dt.datetime(year, month, day, hour, minute, second)
        else:
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            result = dt.datetime.fromisoformat(text)  # ValueError on anything else
    if not FIRST_YEAR <= result.year <= LAST_YEAR:
        raise ValueError("year out of range")
    if result.tzinfo is None:
        result = result.replace(tzinfo=dt.UTC)
    return result
