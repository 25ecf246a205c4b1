"""What every source gives the one import path: incidents as plain values, before validation.

XLSForm submissions (files or pulls from KoboToolbox / ODK Central), generic spreadsheets,
the REST API's bulk writes and the demo loader all turn their rows into `IncidentIn`
(with its `PersonIn`s) and hand them to `passerelle.imports.pipeline`, which validates
every row, resolves codes, encrypts identities, writes in batches and audits. A source never
writes records itself.

Values are *codes*, not model instances, so that sources need no database access and the
pipeline resolves each code once per import:

- `area`: a P-code (any level ≥ 1; the finest known is best).
- `category`, `sub_type`, `perpetrator`, `source_type`, `source_reliability`,
  `age_group`, `displacement_status`: `vocabularies.Term.code` of the right vocabulary
  (category codes look like "hr.killing", sub-types like "mrm.killing_maiming.killing" —
  see passerelle/vocabularies).
- dates: `datetime.date`; a source parses its own formats (jj/mm/aaaa, Excel serials...)
  and reports what it cannot parse as a `RowError`.
- `sex`: "f", "m" or "u"; `role`: "victim", "witness", "source"; `disability`: "no",
  "yes", "unknown"; consent scopes: `Consent.Scope` values; needs: `ServiceType` values.

`columns` maps a field name ("occurred_on", "persons.0.age"...) to the column or question it
came from, so that the pipeline's own errors name the column the user knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PersonIn:
    role: str
    sex: str = "u"
    age: int | None = None
    age_group: str = ""  # derived from `age` when empty
    disability: str = "unknown"
    displacement_status: str = ""
    # identity (level 4): encrypted by the pipeline; recorded only by who may
    full_name: str = ""
    father_name: str = ""
    mother_name: str = ""
    phone: str = ""
    address: str = ""
    consents: dict[str, bool] = field(default_factory=dict)  # Consent.Scope value → given
    needs: list[str] = field(default_factory=list)  # ServiceType values


@dataclass
class IncidentIn:
    # The submission's stable identity within the organisation: `_uuid`, `meta/instanceID`
    # ("uuid:…"), or a spreadsheet's own id column. Re-importing a known key changes nothing
    # unless `version` is newer.
    key: str
    # Where it came from, for messages: the row of the file (header is row 1) or the
    # submission's position in a pull.
    row: int
    # INCIDENT fields as codes / dates / text: occurred_on, date_precision, reported_on, area,
    # exact_location, latitude, longitude, category, sub_type, perpetrator, source_type,
    # source_reliability, narrative, classification (2, 3, 4 or None for the default).
    values: dict[str, Any] = field(default_factory=dict)
    # (sex, age-group code) → number of victims; persons recorded as victims are counted in
    # automatically when no count covers them.
    victim_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    persons: list[PersonIn] = field(default_factory=list)
    # `_submission_time` (or the row's last-modified time); a newer version of a known key
    # updates the records it became, audited as an edit.
    version: dt.datetime | None = None
    # `meta/deprecatedID`: the key of the submission this one edits (ODK's edit chain).
    replaces: str = ""
    # field name → the column / question it came from (for error messages)
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    """One problem with one row, worded in the reader's language when shown.

    `message` is a lazy translation already formatted with its parameters. Never quote the
    content of an identity or narrative cell in it (the errors are kept, encrypted, with the
    batch; quoting a code or a date is fine).
    """

    row: int
    column: str
    message: Any  # a lazy string
    code: str = "invalid"

    def as_dict(self) -> dict:
        """For storage with the batch: the message in both languages (shown in the reader's)."""
        from django.utils import translation

        worded = {}
        for language in ("en", "fr"):
            with translation.override(language):
                worded[language] = str(self.message)
        return {"row": self.row, "column": self.column, "code": self.code, "message": worded}
