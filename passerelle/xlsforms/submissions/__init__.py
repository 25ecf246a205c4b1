"""Submission exports from KoboToolbox and ODK, read into `IncidentIn` rows.

Two steps, so that the preview and the background task read a file the same way:

1. `read_submissions(data, definition=None, format=None, encoding=None)` reads the bytes of
   an export into `Submission`s (one per interview: its key, version, the questions' raw
   values by path, and the entries of its repeat groups), with `RowError`s for what cannot
   be read and `notes` (lazy strings) for what was guessed (the encoding, for instance).
   CSV (`,` `;` or tab; `/`, `.` or `-` between group names, or no group names; question
   names or labels in the header), Kobo's XLSX (repeat groups on their own sheets, linked by
   `_submission__uuid` or `_parent_index`), Kobo's JSON (API or export) and ODK Central's
   OData JSON. A file is refused whole (`SubmissionsRefused`) when it is too large, not
   readable, or does not match the form.
2. `to_incidents(definition, mapping, submissions)` applies the officer's mapping and gives
   `IncidentIn`s (codes, dates, persons from the repeat) and row-level errors.

Keys: `_uuid`, else `meta/instanceID`, else ODK's `__id` / `KEY`, without the "uuid:"
prefix (`normalise_key`), so that a Kobo `_uuid` and the same submission's instanceID are
one key. Versions: `_submission_time` / ODK's submission date. An edit names the submission
it replaces in `meta/deprecatedID`.

Duplicates inside one file: the same key twice with two different submission times keeps the
newer one (a note says how many older copies were skipped); the same key with the same or
no time is an error on the later row. A submission whose deprecatedID names another
submission of the same file replaces it (only the latest of the chain is kept).

Messages never quote a cell's content except codes (choices, dates, versions).
"""

from .dates import excel_serial, parse_date, parse_datetime
from .form import FormView, Question, form_view
from .incidents import to_incidents
from .reading import (
    Entry,
    ReadResult,
    Submission,
    SubmissionsRefused,
    check_size,
    decode,
    detect_format,
    normalise_key,
    read_submissions,
    sniff_delimiter,
)

__all__ = [
    "Entry",
    "FormView",
    "Question",
    "ReadResult",
    "Submission",
    "SubmissionsRefused",
    "check_size",
    "decode",
    "detect_format",
    "excel_serial",
    "form_view",
    "normalise_key",
    "parse_date",
    "parse_datetime",
    "read_submissions",
    "sniff_delimiter",
    "to_incidents",
]
