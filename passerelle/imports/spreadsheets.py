"""Generic spreadsheets of incidents and persons: the format and its reader (the template
and the export are written by `imports.spreadsheet_export`).

One format for the three (docs/imports.md, "Spreadsheets"):

- sheet **incidents**: row 1 the column names in the reader's language, row 2 their stable
  codes (`key`, `occurred_on`, `area`, `category`…, `victims_f_18_59`…), one incident a row
  from row 3. `key` is the incident's key in the organisation: any text unique in the file for
  a new incident; an export writes the key an incident was imported under, else its reference.
- sheet **persons**: the same two header rows; `incident_key` links each person to an
  incident, the persons of an incident in their order.
- sheet **lists**: every allowed code (categories, sub-types, areas, age groups…) with its
  label, for the filler; never read back.
- a CSV holds the incidents table alone (row of codes, with or without the row of names).

The reader turns a filled file into `IncidentIn` rows for the one import path
(`pipeline.register_reader("spreadsheet", read_batch)`); each cell it cannot read is a
`RowError` naming the row and the column. The export writes what the policy lets the reader
see, through `core.exports`, audited as an incidents export; a column the reader does not see
on every exported incident is left out, and such a partial file cannot update an incident
already recorded (it would erase what it leaves out): the reader says so, row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from passerelle.core.errors import DomainError
from passerelle.incidents.models import Consent, Person, Sex
from passerelle.policy.fields import IDENTITY_FIELDS
from passerelle.referrals.models import ServiceType

from . import tabular
from .rows import IncidentIn, PersonIn, RowError

INCIDENTS, PERSONS, LISTS = "incidents", "persons", "lists"
MAX_ROWS = 20_000  # incidents (and persons) in one file
HEADER_SCAN = 3  # rows searched for the row of codes
FIRST_DATA_ROW = 3
SEPARATOR = ";"
AGE_GROUPS = ("0_4", "5_11", "12_17", "18_59", "60_plus", "unknown")
SEXES = ("f", "m", "u")


@dataclass(frozen=True)
class Col:
    code: str
    label: object  # lazy
    width: int = 14
    list_name: str = ""  # the list of the "lists" sheet its values come from
    required: bool = False


def _victim_label(sex: str, group: str):
    return _("Victims: %(sex)s, %(group)s") % {
        "sex": Sex(sex).label,
        "group": group.replace("_plus", "+").replace("_", "–"),
    }


def incident_columns() -> list[Col]:
    columns = [
        Col("key", _("Incident key"), 16, required=True),
        Col("reference", _("Reference (not read)"), 18),
        Col("occurred_on", _("Date of the incident"), 14, required=True),
        Col("date_precision", _("Date precision"), 12, "date_precision"),
        Col("reported_on", _("Date reported"), 14),
        Col("area", _("Area (P-code)"), 12, "area", required=True),
        Col("exact_location", _("Exact location"), 20),
        Col("latitude", _("Latitude"), 10),
        Col("longitude", _("Longitude"), 10),
        Col("category", _("Category"), 26, "category", required=True),
        Col("sub_type", _("Sub-type"), 26, "sub_type"),
        Col("perpetrator", _("Perpetrator category"), 20, "perpetrator"),
        Col("source_type", _("Source type"), 16, "source_type"),
        Col("source_reliability", _("Source reliability"), 16, "reliability"),
        Col("narrative", _("Narrative"), 40),
        Col("classification", _("Classification level"), 10, "classification"),
    ]
    for sex in SEXES:
        for group in AGE_GROUPS:
            columns.append(Col(f"victims_{sex}_{group}", _victim_label(sex, group), 8))
    return columns


def person_columns() -> list[Col]:
    return [
        Col("incident_key", _("Incident key"), 16, required=True),
        Col("code", _("Person code (not read)"), 12),
        Col("role", _("Role"), 10, "role", required=True),
        Col("sex", _("Sex"), 6, "sex"),
        Col("age", _("Age"), 6),
        Col("age_group", _("Age group"), 10, "age_group"),
        Col("disability", _("Disability"), 10, "disability"),
        Col("displacement_status", _("Displacement status"), 16, "displacement"),
        Col("full_name", _("Full name"), 20),
        Col("father_name", _("Father's name"), 18),
        Col("mother_name", _("Mother's name"), 18),
        Col("phone", _("Phone"), 14),
        Col("address", _("Address"), 20),
        Col("consents_given", _("Consents given (codes separated by ;)"), 24, "consent"),
        Col("consents_refused", _("Consents refused (codes separated by ;)"), 24, "consent"),
        Col("needs", _("Needs (service types separated by ;)"), 24, "need"),
    ]


# Columns an update must carry: without them a file would erase what they hold.
INCIDENT_FULL = (
    "occurred_on", "date_precision", "reported_on", "area", "exact_location", "latitude",
    "longitude", "category", "sub_type", "perpetrator", "source_type", "source_reliability",
    "narrative",
)  # fmt: skip
PERSON_FULL = (
    "role", "sex", "age", "age_group", "disability", "displacement_status", *IDENTITY_FIELDS,
)  # fmt: skip
LEVEL3_INCIDENT = ("exact_location", "latitude", "longitude", "source_type", "narrative")


# --------------------------------------------------------------------------- reading


class _Sheet:
    """A table of the file: its columns by code, its data rows."""

    def __init__(self, name: str, rows: list[tuple[int, list[str]]], columns: list[Col]):
        self.name = name
        known = {}
        for column in columns:
            known[tabular.norm(column.code)] = column.code
            for language in ("en", "fr"):
                with translation.override(language):
                    known.setdefault(tabular.norm(str(column.label)), column.code)
        self.index: dict[str, int] = {}
        self.unknown: list[str] = []
        self.duplicated: list[str] = []
        self.header_row = 0
        start = 0
        for position, (number, cells) in enumerate(rows[:HEADER_SCAN]):
            found = [known.get(tabular.norm(c)) for c in cells]
            if columns[0].code in found:
                self.header_row = number
                start = position + 1
                for at, (cell, code) in enumerate(zip(cells, found, strict=True)):
                    if code is None:
                        if cell:
                            self.unknown.append(cell)
                    elif code in self.index:
                        self.duplicated.append(code)
                    else:
                        self.index[code] = at
                # a row of codes just below a row of names (or the other way round)
                if position + 1 < len(rows):
                    below = [known.get(tabular.norm(c)) for c in rows[position + 1][1]]
                    if columns[0].code in below:
                        self.header_row = rows[position + 1][0]
                        self.index = {code: at for at, code in enumerate(below) if code is not None}
                        start = position + 2
                break
        self.rows = rows[start:] if self.header_row else []

    def value(self, cells: list[str], code: str) -> str:
        at = self.index.get(code)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    def has(self, code: str) -> bool:
        return code in self.index


def _sheets(data: bytes, filename: str) -> tuple[list, list | None]:
    """(incident rows, person rows or None) of the upload."""
    table = tabular.read_table(
        data, filename=filename, sheet=INCIDENTS, max_rows=MAX_ROWS + HEADER_SCAN
    )
    persons = None
    if table.kind == "xlsx":
        from passerelle.core import spreadsheets

        if _has_sheet(data, PERSONS):
            limits = spreadsheets.Limits(max_rows=MAX_ROWS + HEADER_SCAN, max_columns=80)
            persons = []
            for number, values in spreadsheets.read_rows(data, sheet=PERSONS, limits=limits):
                cells = [tabular.cell_text(v) for v in values]
                if any(cells):
                    persons.append((number, cells))
    return table.rows, persons


def _has_sheet(data: bytes, name: str) -> bool:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            text = archive.read("xl/workbook.xml")[:200_000].decode("utf-8", "replace")
        except KeyError:
            return False
    return f'name="{name}"' in text


def _number(text: str):
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@dataclass
class Known:
    """What the organisation already holds under the file's keys."""

    submissions: dict  # key → ImportedSubmission
    references: dict  # reference → incident pk, for incidents not imported


def known_keys(organisation, keys) -> Known:
    from passerelle.core.guard import unscoped
    from passerelle.incidents.models import Incident

    from .models import ImportedSubmission

    keys = sorted(set(keys))
    subs = {
        s.key: s for s in ImportedSubmission.objects.filter(organisation=organisation, key__in=keys)
    }
    with unscoped():
        refs = dict(
            Incident.objects.filter(owner=organisation, reference__in=keys)
            .exclude(imported_as__organisation=organisation)
            .values_list("reference", "pk")
        )
    return Known(subs, {k: v for k, v in refs.items() if k not in subs})


def read(
    data: bytes,
    *,
    filename: str = "",
    organisation=None,
    actor=None,
    version: dt.datetime | None = None,
) -> tuple[list[IncidentIn], list[RowError]]:
    """The incidents (with their persons) of a filled template: (rows, errors)."""
    try:
        incident_rows, person_rows = _sheets(data, filename)
    except DomainError as exc:
        return [], [RowError(0, "", exc.message, code=exc.code)]
    version = version or timezone.now()
    errors: list[RowError] = []
    sheet = _Sheet(INCIDENTS, incident_rows, incident_columns())
    if not sheet.header_row:
        return [], [
            RowError(
                0,
                "key",
                _(
                    "No row of column codes (key, occurred_on, area, category…) was found at "
                    "the top of the incidents sheet: start from the template."
                ),
                code="no_header",
            )
        ]
    for code in sheet.duplicated:
        errors.append(
            RowError(sheet.header_row, code, _("This column appears twice."), "duplicate_column")
        )
    for column in incident_columns():
        if column.required and not sheet.has(column.code):
            errors.append(
                RowError(
                    sheet.header_row,
                    column.code,
                    _("The required column %(column)s is missing.") % {"column": column.code},
                    "missing_column",
                )
            )
    people = None
    if person_rows is not None:
        people = _Sheet(PERSONS, person_rows, person_columns())
        if people.rows and not people.has("incident_key"):
            errors.append(
                RowError(
                    0,
                    "incident_key",
                    _(
                        "The persons sheet has no incident_key column: each person names "
                        "its incident."
                    ),
                    "missing_column",
                )
            )
    if errors:
        return [], errors
    if len(sheet.rows) > MAX_ROWS:
        return [], [
            RowError(
                0, "", tabular.MESSAGES["too_many_rows"] % {"limit": MAX_ROWS}, "too_many_rows"
            )
        ]
    incidents: list[IncidentIn] = []
    by_key: dict[str, IncidentIn] = {}
    seen: dict[str, int] = {}  # key → first row, rows with errors included
    for number, cells in sheet.rows:
        key = sheet.value(cells, "key")
        if key and key in seen:
            errors.append(
                RowError(
                    number,
                    "key",
                    _("The key %(key)s is already used by row %(row)s.")
                    % {"key": key[:40], "row": seen[key]},
                    "duplicate",
                )
            )
            continue
        if key:
            seen[key] = number
        row = _incident(sheet, number, cells, errors, version)
        if row is not None:
            by_key[row.key] = row
            incidents.append(row)
    if people is not None:
        for number, cells in people.rows:
            key = people.value(cells, "incident_key")
            target = by_key.get(key)
            if target is None and key in seen:
                _person(people, number, cells, errors)  # its own problems, if any
                continue
            if target is None:
                errors.append(
                    RowError(
                        number,
                        f"{PERSONS}.incident_key",
                        _("No incident of the incidents sheet has the key %(key)s.")
                        % {"key": key[:40] or "—"},
                        "unknown_key",
                    )
                )
                continue
            person = _person(people, number, cells, errors)
            if person is not None:
                target.persons.append(person)
                index = len(target.persons) - 1
                for code in people.index:
                    target.columns[f"persons.{index}.{code}"] = f"{PERSONS} {number}: {code}"
    if organisation is not None:
        _check_updates(organisation, incidents, sheet, people, errors, actor)
    return incidents, errors


def _incident(sheet, number, cells, errors, version) -> IncidentIn | None:
    def value(code):
        return sheet.value(cells, code)

    def fail(code, message, kind="invalid"):
        errors.append(RowError(number, code, message, kind))

    before = len(errors)
    key = value("key")
    if not key:
        fail("key", _("Give each incident a key (any text unique in the file)."), "required")
    elif len(key) > 200:
        fail("key", _("The key is longer than 200 characters."))
    values: dict = {}
    for code in ("occurred_on", "reported_on"):
        text = value(code)
        if text:
            day = tabular.parse_date(text)
            if day is None:
                fail(
                    code,
                    _("%(value)s is not a date (2024-03-31 or 31/03/2024).") % {"value": text[:20]},
                )
            values[code] = day
        elif sheet.has(code):
            values[code] = None
    for code in (
        "date_precision", "area", "category", "sub_type", "perpetrator", "source_type",
        "source_reliability", "exact_location", "narrative",
    ):  # fmt: skip
        if sheet.has(code):
            values[code] = value(code)
    for code in ("latitude", "longitude"):
        text = value(code)
        if text:
            number_value = _number(text)
            if number_value is None:
                fail(code, _("Enter a number."))
            values[code] = number_value
        elif sheet.has(code):
            values[code] = None
    text = value("classification")
    if text:
        if text not in ("2", "3", "4"):
            fail("classification", _("Choose a classification level of 2, 3 or 4."))
        values["classification"] = text
    counts: dict = {}
    for sex in SEXES:
        for group in AGE_GROUPS:
            code = f"victims_{sex}_{group}"
            text = value(code)
            if not text:
                continue
            if not text.isdigit() or len(text) > 6:
                fail(code, _("Enter a whole number."))
                continue
            if int(text):
                counts[(sex, group)] = int(text)
    if len(errors) > before:
        return None
    columns = {code: code for code in sheet.index}
    columns["victim_counts"] = "victims_…"
    return IncidentIn(
        key=key,
        row=number,
        values=values,
        victim_counts=counts,
        persons=[],
        version=version,
        columns=columns,
    )


def _person(sheet, number, cells, errors) -> PersonIn | None:
    def value(code):
        return sheet.value(cells, code)

    def fail(code, message, kind="invalid"):
        errors.append(RowError(number, f"{PERSONS}.{code}", message, kind))

    before = len(errors)
    role = value("role")
    if role not in Person.Role.values:
        fail("role", _("“%(code)s” is not in the list of allowed values.") % {"code": role[:30]})
    age = None
    text = value("age")
    if text:
        if not text.isdigit() or int(text) > 130:
            fail("age", _("Enter a whole number."))
        else:
            age = int(text)
    consents: dict[str, bool] = {}
    for code, given in (("consents_given", True), ("consents_refused", False)):
        for scope in filter(None, (s.strip() for s in value(code).split(SEPARATOR))):
            if scope not in Consent.Scope.values:
                fail(
                    code,
                    _("“%(code)s” is not in the list of allowed values.") % {"code": scope[:40]},
                )
            elif scope in consents:
                fail(code, _("The consent %(code)s is both given and refused.") % {"code": scope})
            else:
                consents[scope] = given
    needs = [n.strip() for n in value("needs").split(SEPARATOR) if n.strip()]
    for need in needs:
        if need not in ServiceType.values:
            fail(
                "needs", _("“%(code)s” is not in the list of allowed values.") % {"code": need[:40]}
            )
    if len(errors) > before:
        return None
    return PersonIn(
        role=role,
        sex=value("sex") or "u",
        age=age,
        age_group=value("age_group"),
        disability=value("disability") or "unknown",
        displacement_status=value("displacement_status"),
        **{f: value(f) for f in IDENTITY_FIELDS},
        consents=consents,
        needs=needs,
    )


class _Fixed:
    """The columns of an export, read like a `_Sheet` (to parse what the export would write
    exactly as a file's cells are parsed)."""

    def __init__(self, columns):
        self.index = {c.code: at for at, c in enumerate(columns)}

    def value(self, cells: list[str], code: str) -> str:
        at = self.index.get(code)
        return cells[at] if at is not None else ""

    def has(self, code: str) -> bool:
        return code in self.index


def _text(value) -> str:
    if isinstance(value, str):
        return value.strip().replace("\x00", "")
    return tabular.cell_text(value)


_NOT_COMPARED = ("key", "reference", "incident_key", "code")


def _same(row: IncidentIn, stored: IncidentIn, held: list[str]) -> bool:
    for code in held:
        if code.startswith("victims_"):
            sex, group = code.removeprefix("victims_").split("_", 1)
            if row.victim_counts.get((sex, group), 0) != stored.victim_counts.get((sex, group), 0):
                return False
        elif row.values.get(code) != stored.values.get(code):
            return False
    return True


def _same_person(mine: PersonIn, stored: PersonIn, held: list[str]) -> bool:
    for code in held:
        if code in ("consents_given", "consents_refused"):
            if mine.consents != stored.consents:
                return False
        elif code == "needs":
            if sorted(mine.needs) != sorted(stored.needs):
                return False
        elif getattr(mine, code) != getattr(stored, code):
            return False
    return True


def _unchanged(actor, targets: list, sheet, people, person_lines: dict) -> set[str]:
    """The keys of the rows equal, on every column the file holds, to what `actor` would
    export of the incident they name (`targets`: pairs of a row and its incident):
    re-importing an export, whole or partial, changes nothing. A file holding a column the
    actor's export would not hold (a field they do not see) is never compared: no answer
    tells what a hidden field holds. Nothing is audited: nothing is shown."""
    from passerelle import policy

    from .spreadsheet_export import export_rows

    held = [c for c in sheet.index if c not in _NOT_COMPARED]
    held_people = [c for c in people.index if c not in _NOT_COMPARED] if people else []
    viewable = [(r, i) for r, i in targets if policy.can(actor, "incident.view", i)]
    same: set[str] = set()

    def compare(pairs) -> list:
        """The pairs that could not be compared with these incidents' common columns."""
        inc_cols, per_cols, inc_rows, per_rows = export_rows(
            actor, [i for _r, i in pairs], audit_reads=False
        )
        shown = {c.code for c in inc_cols}
        shown_people = {c.code for c in per_cols}
        if not set(held) <= shown or not set(held_people) <= shown_people:
            return pairs
        fixed, fixed_people = _Fixed(inc_cols), _Fixed(per_cols)
        stored_people: dict[str, list] = {}
        for cells in per_rows:
            texts = [_text(v) for v in cells]
            stored_people.setdefault(fixed_people.value(texts, "incident_key"), []).append(texts)
        for (row, _incident_obj), cells in zip(pairs, inc_rows, strict=True):
            texts = [_text(v) for v in cells]
            problems: list = []
            stored = _incident(fixed, row.row, texts, problems, None)
            if stored is None or not _same(row, stored, held):
                continue
            if people is not None:
                mine = person_lines.get(row.key, [])
                theirs = [
                    _person(fixed_people, row.row, t, problems)
                    for t in stored_people.get(fixed.value(texts, "key"), [])
                ]
                if len(mine) != len(theirs) or problems:
                    continue
                pairs_of_people = zip(mine, theirs, strict=True)
                if not all(_same_person(a, b, held_people) for a, b in pairs_of_people):
                    continue
            same.add(row.key)
        return []

    if viewable:
        for pair in compare(viewable):
            compare([pair])  # columns narrowed by another incident: each on its own
    return same


def _check_updates(organisation, incidents, sheet, people, errors, actor=None) -> None:
    """A row whose key the organisation already holds updates that incident: the file must
    then hold every incident column it would otherwise erase. Its persons are rewritten only
    from a persons sheet holding every person column, identities included, imported by
    someone who may record identities; otherwise the stored persons are kept as they are
    (the row's persons are left out: a blank name would erase a name).

    A row equal to what the importer would export of its incident, on every column the file
    holds, is unchanged whatever columns the file leaves out (`_unchanged`): its version is
    taken away so the pipeline counts it unchanged (no right needed, nothing written)."""
    known = known_keys(organisation, [r.key for r in incidents])
    missing = [c for c in INCIDENT_FULL if not sheet.has(c)]
    same: set[str] = set()
    if actor is not None:
        from passerelle.core.guard import unscoped
        from passerelle.incidents.models import Incident

        pks = {r.key: known.references.get(r.key) for r in incidents}
        for row in incidents:
            sub = known.submissions.get(row.key)
            if sub is not None and not sub.replaced_by:
                pks[row.key] = sub.incident_id
        with unscoped():  # what the export reads of each, in a fixed number of queries
            found = (
                Incident.objects.select_related(
                    "owner",
                    "area",
                    "category",
                    "sub_type",
                    "perpetrator",
                    "source_type",
                    "source_reliability",
                )  # fmt: skip
                .prefetch_related("victim_counts__age_group")
                .in_bulk([pk for pk in pks.values() if pk is not None])
            )
        targets = [(r, found[pks[r.key]]) for r in incidents if pks.get(r.key) in found]
        lines = {r.key: list(r.persons) for r in incidents}
        if targets:
            same = _unchanged(actor, targets, sheet, people, lines)
        for row in incidents:
            if row.key in same:
                row.version = None  # the pipeline's "unchanged": same or older version
    persons_whole = people is not None and all(people.has(c) for c in PERSON_FULL)
    if actor is not None and persons_whole:
        from passerelle import policy

        persons_whole = policy.can(actor, "person.view_identity", organisation)
    for row in incidents:
        if row.key in same and row.key in known.submissions:
            continue  # unchanged: nothing to update, so nothing to refuse
        if row.key in known.references:
            errors.append(
                RowError(
                    row.row,
                    "key",
                    _(
                        "The key %(key)s is the reference of an incident of the organisation that "
                        "you may not change through an import: give a new incident a new key."
                    )
                    % {"key": row.key[:40]},
                    "forbidden",
                )
            )
            continue
        sub = known.submissions.get(row.key)
        if sub is None:
            continue
        if missing:
            errors.append(
                RowError(
                    row.row,
                    "key",
                    _(
                        "This row differs from the incident already recorded under its key: to "
                        "update it, the file must hold the columns %(columns)s, else their content "
                        "would be erased. An export made by someone who sees every field of these "
                        "incidents holds them all (a row left as exported changes nothing)."
                    )
                    % {"columns": ", ".join(missing)},
                    "incomplete",
                )
            )
        elif not persons_whole and sub.persons:
            row.persons = []


# --------------------------------------------------------------------------- batches


def read_batch(batch):
    """The pipeline's reader for source "spreadsheet": the batch's file, read."""
    from .batches import file_bytes

    return read(
        file_bytes(batch),
        filename=batch.filename,
        organisation=batch.organisation,
        actor=batch.created_by,
        version=batch.created_at,
    )


def adopt(actor, *, organisation, data: bytes, filename: str = "") -> int:
    """Before a check: the keys of the file that are references of incidents the actor may
    edit and that were never imported become their import keys (persons in the order of
    their codes), so that an exported file, edited and imported again, updates them instead
    of creating copies; so do the keys of rows equal to what the actor would export of the
    incident (`_unchanged`), whoever the actor: such a row changes nothing, and is then
    counted unchanged instead of refused. Returns how many were adopted. Called inside the
    upload's transaction."""
    from passerelle import policy
    from passerelle.core.guard import unscoped
    from passerelle.incidents.models import Incident

    from .models import ImportedSubmission

    rows, _errors = read(data, filename=filename, organisation=organisation, actor=actor)
    same = {r.key for r in rows if r.version is None}  # unchanged (see `_check_updates`)
    known = known_keys(organisation, [r.key for r in rows])
    if not known.references:
        return 0
    with unscoped():
        incidents = list(Incident.objects.filter(pk__in=known.references.values()))
        persons: dict[int, list[int]] = {}
        for pk, incident_id in (
            Person._base_manager.filter(incident__in=incidents)
            .order_by("code")
            .values_list("pk", "incident_id")
        ):
            persons.setdefault(incident_id, []).append(pk)
    adopted = [
        ImportedSubmission(
            organisation=organisation,
            key=incident.reference,
            source_key="spreadsheet",
            incident=incident,
            version=None,  # any import of it is newer
            digest="",
            persons=persons.get(incident.pk, []),
        )
        for incident in incidents
        if incident.reference in same or policy.can(actor, "incident.edit", incident)
    ]
    ImportedSubmission.objects.bulk_create(adopted, ignore_conflicts=True)
    return len(adopted)


def upload(actor, *, organisation, upload) -> object:
    """A spreadsheet kept as a draft batch of `organisation` (encrypted), its exported
    incidents adopted (see `adopt`), ready for the pipeline's check."""
    from django.db import transaction

    from . import batches
    from .models import ImportBatch

    content = upload.read()
    with transaction.atomic():
        batch = batches.create_batch(
            actor,
            organisation=organisation,
            filename=upload.name,
            content=content,
            source=ImportBatch.Source.SPREADSHEET,
            source_key="spreadsheet",
        )
        adopt(actor, organisation=organisation, data=content, filename=upload.name)
    return batch


def register() -> None:
    from . import pipeline

    pipeline.register_reader("spreadsheet", read_batch)
