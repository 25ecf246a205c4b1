"""THE import path: every bulk write of incidents, persons, consents and needs goes through here.

CONTRACT (being implemented; other modules code against these signatures):

    plan = prepare(actor, organisation=org, rows=iterable_of_IncidentIn, source="xlsform",
                   source_key="pm_form_v3", errors=reader_errors)
        Validates every row without writing: codes resolved (one query per vocabulary /
        area table per import), the same rules as incidents.services (dates, area level,
        category/sub-type, coordinates, ages, phone...), duplicated keys inside the input,
        the importer's rights (`import.run` in `organisation`; persons need `person.create`,
        identities `person.view_identity` — otherwise a clear error, never a silent drop),
        and classifies each row: new, update (known key, newer version or `replaces` a
        known key), unchanged (known key, same or older version). `plan.errors` is a list of
        RowError (row, column, message), the reader's errors first.

    result = apply(actor, plan, batch=None, progress=None, cancelled=None)
        Writes everything in ONE transaction (all or nothing), in batches (bulk inserts),
        identities encrypted, references numbered, one audit event for the import plus one
        per record written (still verifiable by verify_audit). Refuses a plan with errors.
        `progress(done, total)` is called between batches; `cancelled()` is polled between
        batches and, when true, rolls everything back (raises ImportCancelled).
        Returns counts {"created": n, "updated": n, "unchanged": n, "persons": n, ...}.

    register_reader(source, func)
        func(batch: ImportBatch) -> (iterable of IncidentIn, list of RowError): how the
        background task turns a stored batch (its decrypted payload and options) into rows.
        Each source module (xlsforms, imports.spreadsheets, pulls) registers its reader.

    start(actor, batch) -> enqueues the background application of a validated batch
        (django-tasks, run by `manage.py run_jobs`); the page polls `batch_progress(batch)`
        and may `request_cancel(actor, batch)`.

How it works (docs/imports.md, "The import path"):

- The per-record rules are those of `incidents.services` (`_validate_incident`,
  `_validate_person`, `check_victim_count`, `check_counts_cover`, `default_classification`,
  `age_group_code`, `person_code`, `reference_prefix`): the pipeline resolves codes to the
  same objects a form gives and calls them, so a rule is written once.
- Progress and cancellation travel through small files (`channel_dir()`), not the
  database: on SQLite the import's transaction holds the database's only write lock until
  it commits, so neither the worker could record its progress nor the page a cancellation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import uuid
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit, bulk, crypto, sequences
from passerelle.core.errors import DomainError
from passerelle.core.guard import unscoped
from passerelle.geography.models import Area
from passerelle.incidents import services as rules
from passerelle.incidents.models import (
    Consent,
    DatePrecision,
    Incident,
    Person,
    Sex,
    VictimCount,
)
from passerelle.incidents.signals import consent_changed
from passerelle.policy.fields import IDENTITY_FIELDS
from passerelle.referrals.models import Need, ServiceType
from passerelle.vocabularies.models import Term

from .models import ImportBatch, ImportedSubmission
from .rows import IncidentIn, PersonIn, RowError

logger = logging.getLogger(__name__)

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
CHUNK = 1000  # rows written per bulk insert, and between two progress reports
_IN_CHUNK = 2000  # values per IN (...) list (SQLite's bound on query parameters)

# Incident fields holding a code, and the vocabulary the code belongs to.
_INCIDENT_TERMS = {
    "category": Term.Vocabulary.CATEGORY,
    "sub_type": Term.Vocabulary.CATEGORY,
    "perpetrator": Term.Vocabulary.PERPETRATOR,
    "source_type": Term.Vocabulary.SOURCE_TYPE,
    "source_reliability": Term.Vocabulary.RELIABILITY,
}
_PERSON_TERMS = {
    "age_group": Term.Vocabulary.AGE_GROUP,
    "displacement_status": Term.Vocabulary.DISPLACEMENT,
}
_DATES = ("occurred_on", "reported_on")
# Choices as sets, read once (an enum's `.values` builds its list at every call).
_SEXES = frozenset(Sex.values)
_DISABILITY = frozenset(Person.Disability.values)
_PRECISIONS = frozenset(DatePrecision.values)
_SCOPES = frozenset(Consent.Scope.values)
_SERVICE_TYPES = frozenset(ServiceType.values)
_PERSON_IN_FIELDS = tuple(f.name for f in dataclasses.fields(PersonIn))
_PERSON_FIELDS = tuple(f for f in rules.PERSON_EDITABLE)


_INCIDENT_FKS = ("area", *_INCIDENT_TERMS)
_INCIDENT_PLAIN = tuple(f for f in rules.INCIDENT_EDITABLE if f not in _INCIDENT_FKS)
_PERSON_FKS = tuple(_PERSON_TERMS)
_PERSON_PLAIN = tuple(f for f in rules.PERSON_EDITABLE if f not in _PERSON_FKS)
_INCIDENT_LABEL = Incident._meta.label
_PERSON_LABEL = Person._meta.label


def _fill(message, params: dict) -> str:
    return str(message) % params


# A message with parameters, worded when shown (in the reader's language, and in both
# languages by RowError.as_dict): `_("...") % {...}` would word it once, at once.
fill = lazy(_fill, str)


class ImportCancelled(Exception):
    """The import was cancelled while it was applied: nothing of it was written."""


# --------------------------------------------------------------------------- the plan


@dataclass
class PlannedPerson:
    values: dict  # PERSON_EDITABLE fields, codes resolved
    consents: dict[str, bool]
    needs: list[str]

    @property
    def has_identity(self) -> bool:
        return any(self.values.get(f) for f in IDENTITY_FIELDS)


@dataclass
class PlannedRow:
    source: IncidentIn
    action: str  # CREATE, UPDATE or UNCHANGED
    values: dict = field(default_factory=dict)  # INCIDENT_EDITABLE fields, resolved
    classification_given: bool = True
    victim_counts: dict = field(default_factory=dict)  # (sex, Term) -> count
    persons: list[PlannedPerson] = field(default_factory=list)
    digest: str = ""
    # UPDATE / UNCHANGED: the stored submission of this key, or (an edit naming the key it
    # replaces) the stored submission it replaces; or the row of this input it replaces.
    submission: ImportedSubmission | None = None
    replaces_row: PlannedRow | None = None
    depth: int = 0  # how many edits of this input it follows (written after them)
    # Set when written: the incident and the persons (in the row's order) it became.
    incident_pk: int | None = None
    person_pks: list[int] = field(default_factory=list)

    @property
    def row(self) -> int:
        return self.source.row

    @property
    def key(self) -> str:
        return self.source.key


@dataclass
class Plan:
    actor_id: int | None
    organisation: Any
    source: str
    source_key: str
    rows: list[PlannedRow]
    errors: list[RowError]
    total: int
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def ok(self) -> bool:
        return not self.errors

    def _count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def to_create(self) -> int:
        return self._count(CREATE)

    @property
    def to_update(self) -> int:
        return self._count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def persons(self) -> int:
        return sum(len(r.persons) for r in self.rows if r.action != UNCHANGED)

    def counts(self) -> dict:
        """What the preview shows (numbers only)."""
        return {
            "total": self.total,
            "to_create": self.to_create,
            "to_update": self.to_update,
            "unchanged": self.unchanged,
            "persons": self.persons,
            "errors": len(self.errors),
        }

    def record_on(self, batch: ImportBatch) -> None:
        """Copy the plan's counts and errors onto `batch` (not saved)."""
        batch.total_rows = self.total
        batch.to_create = self.to_create
        batch.to_update = self.to_update
        batch.unchanged = self.unchanged
        batch.set_errors([e.as_dict() for e in self.errors])


# --------------------------------------------------------------------------- resolving codes


class _Codes:
    """Every code of the input resolved with one query per table."""

    def __init__(self, rows: list[IncidentIn]):
        vocabularies = {*_INCIDENT_TERMS.values(), *_PERSON_TERMS.values()}
        terms = list(Term.objects.filter(vocabulary__in=vocabularies))
        by_pk = {t.pk: t for t in terms}
        for term in terms:  # parents linked in memory: the category rules read them
            if term.parent_id is not None and term.parent_id in by_pk:
                term.parent = by_pk[term.parent_id]
        self.terms = {(t.vocabulary, t.code): t for t in terms}
        self.groups = {t.pk: t for t in terms if t.vocabulary == Term.Vocabulary.AGE_GROUP}
        pcodes = sorted({str(r.values["area"]) for r in rows if _is_code(r.values.get("area"))})
        self.areas = {}
        for start in range(0, len(pcodes), _IN_CHUNK):
            for area in Area.objects.filter(pcode__in=pcodes[start : start + _IN_CHUNK]):
                self.areas[area.pcode] = area

    def term(self, vocabulary: str, value):
        if isinstance(value, Term):
            return value
        return self.terms.get((vocabulary, str(value).strip()))

    def age_group(self, code: str | None):
        return self.terms.get((Term.Vocabulary.AGE_GROUP, code)) if code else None


def _is_code(value) -> bool:
    return value is not None and value != "" and not isinstance(value, models.Model)


def _column(row: IncidentIn, name: str) -> str:
    return row.columns.get(name) or name


# --------------------------------------------------------------------------- prepare


def prepare(
    actor,
    *,
    organisation,
    rows: Iterable[IncidentIn],
    source: str,
    source_key: str = "",
    errors: Iterable[RowError] = (),
) -> Plan:
    """Check every row, without writing anything (see the module's CONTRACT)."""
    rules._require_in(actor, "import.run", organisation)
    rows = list(rows)
    found: list[RowError] = list(errors)
    codes = _Codes(rows)
    rights = _Rights(actor, organisation)
    planned: list[PlannedRow] = []
    first_at: dict[str, int] = {}
    for row in rows:
        key = (row.key or "").strip()
        if not key:
            found.append(
                RowError(row.row, _column(row, "key"), _("This row has no identifier."), "no_key")
            )
            continue
        if key in first_at:
            found.append(
                RowError(
                    row.row,
                    _column(row, "key"),
                    fill(
                        _("This submission appears twice (first at row %(row)d)."),
                        {"row": first_at[key]},
                    ),
                    "duplicate",
                )
            )
            continue
        first_at[key] = row.row
        row_errors: list[RowError] = []
        item = _check_row(row, codes, rights, row_errors)
        if row_errors:
            found.extend(row_errors)
        else:
            planned.append(item)
    _classify(planned, organisation, found)
    _check_edits(actor, planned, found)
    rights.audit_refusals(organisation)
    return Plan(
        actor_id=getattr(actor, "pk", None),
        organisation=organisation,
        source=source,
        source_key=source_key,
        rows=planned,
        errors=found,
        total=len(rows),
    )


class _Rights:
    """What the importer may write in the organisation, asked of the policy once."""

    def __init__(self, actor, organisation):
        self.actor = actor
        self.organisation = organisation
        self._levels: dict[str, int] = {}
        self.refused: set[str] = set()

    def allows(self, action: str, classification: int) -> bool:
        """May the importer do `action` on a record of this classification that they record
        themselves (the record-level rule of the policy, `required_level`)?"""
        if action not in self._levels:
            self._levels[action] = policy.level_in(self.actor, self.organisation, action)
        need = policy.gate.required_level(action, SimpleNamespace(classification=classification))
        allowed = self._levels[action] >= 0 and self._levels[action] >= need
        if not allowed:
            self.refused.add(action)
        return allowed

    def audit_refusals(self, organisation) -> None:
        for action in sorted(self.refused):
            policy.audit_refusal(
                self.actor, action, organisation=organisation, reason="bulk import"
            )


def _check_row(row: IncidentIn, codes: _Codes, rights: _Rights, errors: list) -> PlannedRow:
    def error(name: str, message, code: str = "invalid") -> None:
        errors.append(RowError(row.row, _column(row, name), message, code))

    unknown = set(row.values) - set(rules.INCIDENT_EDITABLE)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    if row.version is not None:
        if not isinstance(row.version, dt.datetime):
            error("version", _("Enter a valid date and time."))
        elif timezone.is_naive(row.version):  # a submission time without zone: UTC
            row.version = row.version.replace(tzinfo=dt.UTC)
    values: dict[str, Any] = {f: row.values.get(f) for f in rules.INCIDENT_EDITABLE}
    values["date_precision"] = values["date_precision"] or DatePrecision.DAY
    values["exact_location"] = values["exact_location"] or ""
    values["narrative"] = values["narrative"] or ""
    for name, vocabulary in _INCIDENT_TERMS.items():
        value = values[name]
        if value in (None, ""):
            values[name] = None
        else:
            values[name] = codes.term(vocabulary, value)
            if values[name] is None:
                error(
                    name,
                    fill(_("“%(code)s” is not in the list of allowed values."), {"code": value}),
                )
    area = values["area"]
    if _is_code(area):
        values["area"] = codes.areas.get(str(area).strip())
        if values["area"] is None:
            error("area", fill(_("No area has the P-code “%(code)s”."), {"code": area}))
    elif area in (None, ""):
        values["area"] = None
    for name in _DATES:
        value = values[name]
        if isinstance(value, dt.datetime):
            values[name] = value.date()
        elif value in (None, ""):
            values[name] = None
        elif not isinstance(value, dt.date):
            error(name, _("Enter a valid date."))
    if values["date_precision"] not in _PRECISIONS:
        error("date_precision", _("This value is not in the list of allowed values."))
    given = values["classification"] not in (None, "")
    if given:
        try:
            values["classification"] = int(values["classification"])
        except (TypeError, ValueError):
            values["classification"] = -1  # refused below with the services' message
    else:
        values["classification"] = None
    if errors:
        return PlannedRow(row, CREATE)
    try:
        rules._check_category(values["category"])
        if values["classification"] is None:
            values["classification"] = rules.default_classification(values["category"])
        rules._validate_incident(values)
    except DomainError as exc:
        error(exc.field or "", exc.message)
        return PlannedRow(row, CREATE)
    classification = values["classification"]

    persons = []
    for index, person in enumerate(row.persons):
        planned = _check_person(row, index, person, codes, rights, classification, errors)
        if planned is not None:
            persons.append(planned)
    counts = _victim_counts(row, persons, codes, errors)
    if errors:
        return PlannedRow(row, CREATE)
    return PlannedRow(
        row,
        CREATE,
        values=values,
        classification_given=given,
        victim_counts=counts,
        persons=persons,
        digest=digest(row),
    )


def _check_person(row, index, person: PersonIn, codes, rights, classification, errors):
    def name(field_name: str) -> str:
        return _column(row, f"persons.{index}.{field_name}")

    def error(field_name: str, message, code: str = "invalid") -> None:
        errors.append(RowError(row.row, name(field_name), message, code))

    before = len(errors)
    if not rights.allows("person.create", classification):
        error(
            "role",
            _(
                "You are not allowed to record persons in this organisation: leave the person "
                "columns empty."
            ),
            "forbidden",
        )
        return None
    values: dict[str, Any] = {
        "role": person.role,
        "sex": person.sex or Sex.UNKNOWN,
        "age": person.age,
        "disability": person.disability or Person.Disability.UNKNOWN,
    }
    for f in IDENTITY_FIELDS:
        values[f] = (getattr(person, f) or "").strip()
    if values["sex"] not in _SEXES:
        error("sex", _("This value is not in the list of allowed values."))
    if values["disability"] not in _DISABILITY:
        error("disability", _("This value is not in the list of allowed values."))
    if values["age"] not in (None, ""):
        try:
            values["age"] = int(values["age"])
        except (TypeError, ValueError):
            error("age", _("Enter a whole number."))
    else:
        values["age"] = None
    for field_name, vocabulary in _PERSON_TERMS.items():
        value = getattr(person, field_name)
        if value in (None, ""):
            values[field_name] = None
        else:
            values[field_name] = codes.term(vocabulary, value)
            if values[field_name] is None:
                error(
                    field_name,
                    fill(_("“%(code)s” is not in the list of allowed values."), {"code": value}),
                )
    identities = [f for f in IDENTITY_FIELDS if values[f]]
    if identities and not rights.allows("person.view_identity", classification):
        error(
            identities[0],
            _(
                "You are not allowed to record identities in this organisation: leave the "
                "identity columns empty, or ask someone who may to import them."
            ),
            "forbidden",
        )
    scopes = {str(k): bool(v) for k, v in (person.consents or {}).items()}
    for scope in scopes:
        if scope not in _SCOPES:
            error(f"consents.{scope}", _("Choose what the consent covers."))
    if scopes and not rights.allows("consent.record", classification):
        error(
            f"consents.{next(iter(scopes))}",
            _("You are not allowed to record consent in this organisation."),
            "forbidden",
        )
    needs = list(dict.fromkeys(person.needs or []))
    for need in needs:
        if need not in _SERVICE_TYPES:
            error(
                "needs", fill(_("“%(code)s” is not in the list of allowed values."), {"code": need})
            )
    if needs and not rights.allows("person.edit", classification):
        error("needs", _("You are not allowed to record needs in this organisation."), "forbidden")
    if len(errors) > before:
        return None
    if values["age_group"] is None and values["age"] is not None:
        values["age_group"] = codes.age_group(rules.age_group_code(values["age"]))
    try:
        rules._validate_person(values)
    except DomainError as exc:
        error(exc.field or "role", exc.message)
        return None
    return PlannedPerson(values=values, consents=scopes, needs=needs)


def _victim_counts(row: IncidentIn, persons: list[PlannedPerson], codes, errors) -> dict:
    """The row's counts, raised where victims recorded as persons are not counted (a victim
    without an age group counts under "age unknown"), then checked by the services' rule."""
    column = _column(row, "victim_counts")
    counts: dict[tuple[str, Term], int] = {}
    for (sex, group_code), count in (row.victim_counts or {}).items():
        group = codes.term(Term.Vocabulary.AGE_GROUP, group_code)
        if sex not in _SEXES or group is None:
            errors.append(
                RowError(
                    row.row,
                    column,
                    fill(
                        _("“%(code)s” is not in the list of allowed values."),
                        {"code": f"{sex}/{group_code}"},
                    ),
                )
            )
            continue
        try:
            count = int(count or 0)
            rules.check_victim_count(group, count)
        except (TypeError, ValueError):
            errors.append(RowError(row.row, column, _("Enter a whole number.")))
            continue
        except DomainError as exc:
            errors.append(RowError(row.row, column, exc.message))
            continue
        if count:
            counts[(sex, group)] = counts.get((sex, group), 0) + count
    unknown = codes.age_group("unknown")
    victims = []
    for person in persons:
        if person.values["role"] != Person.Role.VICTIM:
            continue
        group = person.values.get("age_group") or unknown
        victims.append((person.values["sex"], group.pk if group else None))
    recorded = Tally(victims)
    by_pk = {(sex, group.pk): (sex, group) for (sex, group) in counts}
    for (sex, group_id), number in recorded.items():
        if group_id is None:
            continue
        cell = by_pk.get((sex, group_id)) or (sex, codes.groups[group_id])
        if counts.get(cell, 0) < number:
            counts[cell] = number
    plain = {(sex, group.pk): n for (sex, group), n in counts.items()}
    try:
        rules.check_counts_cover(plain, victims, codes.groups)
    except DomainError as exc:
        errors.append(RowError(row.row, column, exc.message))
    return counts


def digest(row: IncidentIn) -> str:
    """The keyed digest of what a row says (not where it sits in a file, nor its version):
    equal for an unchanged re-import, without storing or comparing identities in clear."""
    content = {
        "values": {k: _plain(v) for k, v in sorted(row.values.items())},
        "victim_counts": sorted(
            [str(sex), _plain(group), int(n or 0)] for (sex, group), n in row.victim_counts.items()
        ),
        "persons": [
            {name: _plain(getattr(p, name)) for name in _PERSON_IN_FIELDS} for p in row.persons
        ],
    }
    data = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()
    return crypto.keyed_digest(data, "imports.submission")


def _plain(value):
    if isinstance(value, Term):
        return value.code
    if isinstance(value, Area):
        return value.pcode
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _stored(organisation, keys: Iterable[str]) -> dict[str, ImportedSubmission]:
    keys = sorted(set(keys))
    found = {}
    for start in range(0, len(keys), _IN_CHUNK):
        for sub in ImportedSubmission.objects.filter(
            organisation=organisation, key__in=keys[start : start + _IN_CHUNK]
        ):
            found[sub.key] = sub
    return found


def _head(sub: ImportedSubmission, known: dict, organisation) -> ImportedSubmission:
    """The newest edit of a stored submission (following `replaced_by`)."""
    for _hop in range(50):
        if not sub.replaced_by:
            return sub
        nxt = known.get(sub.replaced_by)
        if nxt is None:
            nxt = ImportedSubmission.objects.filter(
                organisation=organisation, key=sub.replaced_by
            ).first()
            if nxt is None:
                return sub
            known[nxt.key] = nxt
        sub = nxt
    return sub


def _classify(planned: list[PlannedRow], organisation, errors: list) -> None:
    """New, update or unchanged, from the submissions already written (ImportedSubmission)
    and the edits inside the input itself."""
    known = _stored(
        organisation,
        [r.key for r in planned] + [r.source.replaces for r in planned if r.source.replaces],
    )
    in_input = {r.key: r for r in planned}
    edited_by: dict[str, PlannedRow] = {}  # key replaced -> the row that replaces it
    # An edit is handled after the row it replaces when both are in the input.
    for item in planned:
        item.depth = _depth(item, in_input)
    for item in sorted(planned, key=lambda r: r.depth):
        sub = known.get(item.key)
        replaces = (item.source.replaces or "").strip()
        if sub is not None:
            newer = item.source.version is not None and (
                sub.version is None or item.source.version > sub.version
            )
            if not sub.replaced_by and newer and item.digest != sub.digest:
                item.action, item.submission = UPDATE, sub
            else:
                item.action, item.submission = UNCHANGED, sub
            continue
        if replaces and replaces != item.key and (replaces in known or replaces in in_input):
            if replaces in edited_by:
                errors.append(
                    RowError(
                        item.row,
                        _column(item.source, "replaces"),
                        fill(
                            _("This submission edits one already edited by row %(row)d."),
                            {"row": edited_by[replaces].row},
                        ),
                        "duplicate",
                    )
                )
                item.action = UNCHANGED
                continue
            edited_by[replaces] = item
            item.action = UPDATE
            if replaces in in_input and in_input[replaces].action != UNCHANGED:
                item.replaces_row = in_input[replaces]
            elif replaces in known:
                item.submission = _head(known[replaces], known, organisation)
            else:  # replaces a row of the input that was itself unchanged
                item.submission = _head(in_input[replaces].submission, known, organisation)
            continue
        item.action = CREATE
    if errors:
        planned[:] = [r for r in planned if not _errored(r, errors)]


def _check_edits(actor, planned: list[PlannedRow], errors: list) -> None:
    """An edited submission changes a recorded incident: the importer needs the right the
    edit page asks (`incident.edit` on that incident, at its classification), refused and
    audited otherwise, like the page."""
    targets = {r.submission.incident_id for r in planned if r.action == UPDATE and r.submission}
    if not targets:
        return
    incidents = {i.pk: i for i in Incident._base_manager.filter(pk__in=sorted(targets))}
    refused = []
    for item in planned:
        if item.action != UPDATE or item.submission is None:
            continue
        incident = incidents.get(item.submission.incident_id)
        if incident is None or not policy.can(actor, "incident.edit", incident):
            errors.append(
                RowError(
                    item.row,
                    _column(item.source, "key"),
                    _("You are not allowed to change the incident this submission edits."),
                    "forbidden",
                )
            )
            refused.append(item)
            if incident is not None:
                policy.audit_refusal(actor, "incident.edit", incident, reason="bulk import")
    if refused:
        gone = {id(r) for r in refused}
        planned[:] = [r for r in planned if id(r) not in gone]


def _errored(item: PlannedRow, errors: list) -> bool:
    return any(e.row == item.row and e.code == "duplicate" for e in errors)


def _depth(item: PlannedRow, in_input: dict) -> int:
    depth, seen = 0, {item.key}
    replaces = item.source.replaces
    while replaces and replaces in in_input and replaces not in seen and depth < 50:
        seen.add(replaces)
        depth += 1
        replaces = in_input[replaces].source.replaces
    return depth


# --------------------------------------------------------------------------- apply


def apply(
    actor,
    plan: Plan,
    *,
    batch: ImportBatch | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict:
    """Write the plan, all or nothing (see the module's CONTRACT)."""
    if plan.errors:
        raise DomainError(
            _("This import has errors: correct them and check the file again."), code="invalid"
        )
    if getattr(actor, "pk", None) != plan.actor_id:
        raise DomainError(_("This import was checked for someone else."), code="forbidden")
    rules._require_in(actor, "import.run", plan.organisation)
    writer = _Writer(actor, plan, batch, progress, cancelled)
    with transaction.atomic():
        writer.run()
    return writer.result


class _Writer:
    def __init__(self, actor, plan: Plan, batch, progress, cancelled):
        self.actor = actor
        self.plan = plan
        self.org = plan.organisation
        self.batch = batch
        self.progress = progress or (lambda done, total: None)
        self.cancelled = cancelled or (lambda: False)
        self.tag = str(batch.public_id if batch is not None else plan.id)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.creates = [r for r in plan.rows if r.action == CREATE]
        # An edit of an edit in the same input is written after the edit it follows.
        self.updates = sorted((r for r in plan.rows if r.action == UPDATE), key=lambda r: r.depth)
        self.total = len(self.creates) + len(self.updates)
        self.done = 0
        self.counts = Tally()

    # -- the whole
    def run(self) -> None:
        self._check_cancel()
        with unscoped():
            self._check_not_written_meanwhile()
            references = self._reserve_references()
            for start in range(0, len(self.creates), CHUNK):
                self._check_cancel()
                self._create(self.creates[start : start + CHUNK], references)
                self._step(min(CHUNK, len(self.creates) - start))
            for start in range(0, len(self.updates), CHUNK):
                self._check_cancel()
                self._update(self.updates[start : start + CHUNK])
                self._step(min(CHUNK, len(self.updates) - start))
        self.result = {
            "rows": self.plan.total,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.plan.unchanged,
            "persons": self.counts["persons"],
            "consents": self.counts["consents"],
            "needs": self.counts["needs"],
            "victim_counts": self.counts["victim_counts"],
        }
        audit.record(
            self.actor,
            "import.apply",
            self.batch,
            organisation=self.org,
            detail={
                "import": self.tag,
                "source": self.plan.source,
                **self.result,
            },
        )
        if self.batch is not None:
            self.plan.record_on(self.batch)
            self.batch.status = ImportBatch.Status.APPLIED
            self.batch.result = dict(self.result)
            self.batch.payload = None
            self.batch.finished_at = timezone.now()
            self.batch.save()
        self._check_cancel()  # a cancellation asked during the last batch still counts

    def _check_cancel(self) -> None:
        if self.cancelled():
            raise ImportCancelled

    def _step(self, n: int) -> None:
        self.done += n
        self.progress(self.done, self.total)

    def _check_not_written_meanwhile(self) -> None:
        """The plan was checked before this transaction: refuse it if another import wrote
        one of its submissions since (then nothing is written twice)."""
        items = self.creates + self.updates
        stored = _stored(
            self.org,
            [r.key for r in items] + [r.submission.key for r in items if r.submission],
        )
        for item in items:
            sub, seen = stored.get(item.key), item.submission
            if seen is not None and seen.key == item.key:  # a newer version of a known key
                fresh = sub is not None and sub.version == seen.version and not sub.replaced_by
            else:  # a new key (new, or an edit naming the key it replaces)
                fresh = sub is None
                if seen is not None:
                    current = stored.get(seen.key)
                    fresh = fresh and current is not None and not current.replaced_by
            if not fresh:
                raise DomainError(
                    _(
                        "Another import wrote some of these submissions meanwhile: check the "
                        "file again."
                    ),
                    code="stale",
                )

    def _reserve_references(self) -> dict[str, list[str]]:
        wanted = Tally(
            rules.reference_prefix(self.org, r.values["occurred_on"]) for r in self.creates
        )
        references = {}
        for prefix, n in sorted(wanted.items()):
            numbers = sequences.reserve_references(
                prefix=prefix, width=rules.REFERENCE_WIDTH, model=Incident, count=n
            )
            references[prefix] = numbers[::-1]  # taken with pop(), in ascending order
        return references

    # -- new incidents, in bulk
    def _create(self, items: list[PlannedRow], references: dict) -> None:
        """New incidents and everything under them, by bulk inserts (`core.bulk`: the same
        field conversions as `bulk_create`, identities encrypted with each row's public id,
        without the ORM's per-value overhead)."""
        org, actor_id, now = self.org.pk, getattr(self.actor, "pk", None), self.now
        detail = {"import": self.tag}
        incidents, events = [], []
        for item in items:
            item.person_pks = []
            values = item.values
            row = {name: values[name] for name in _INCIDENT_PLAIN}
            for name in _INCIDENT_FKS:
                value = values[name]
                row[f"{name}_id"] = value.pk if value is not None else None
            prefix = rules.reference_prefix(self.org, values["occurred_on"])
            row.update(
                public_id=uuid.uuid4(),
                owner_id=org,
                recorded_by_id=actor_id,
                reference=references[prefix].pop(),
                data_category=rules._data_category(values["category"]),
            )
            incidents.append(row)
        bulk.insert(Incident, incidents, now=now)
        pks = bulk.pks_by_public_id(Incident, [row["public_id"] for row in incidents])
        counts, persons, planned_persons = [], [], []
        for item, incident in zip(items, incidents, strict=True):
            item.incident_pk = pk = pks[incident["public_id"]]
            events.append(
                audit.Entry(
                    "incident.create",
                    None,
                    self.org,
                    incident["classification"],
                    detail=detail,
                    ref=(_INCIDENT_LABEL, str(incident["public_id"])),
                )
            )
            for (sex, group), n in sorted(
                item.victim_counts.items(), key=lambda kv: (kv[0][0], kv[0][1].pk)
            ):
                counts.append({"incident_id": pk, "sex": sex, "age_group_id": group.pk, "count": n})
            for number, planned in enumerate(item.persons, start=1):
                persons.append(self._person_row(pk, planned, number))
                planned_persons.append((item, planned))
        bulk.insert(VictimCount, counts, now=now)
        bulk.insert(Person, persons, now=now)
        person_pks = bulk.pks_by_public_id(Person, [row["public_id"] for row in persons])
        consents, needs = [], []
        for (item, planned), person in zip(planned_persons, persons, strict=True):
            pk = person_pks[person["public_id"]]
            item.person_pks.append(pk)
            ref = (_PERSON_LABEL, str(person["public_id"]))
            events.append(
                audit.Entry(
                    "person.create",
                    None,
                    self.org,
                    4 if planned.has_identity else 3,
                    detail=detail,
                    ref=ref,
                )
            )
            for scope, given in sorted(planned.consents.items()):
                consents.append(
                    {
                        "public_id": uuid.uuid4(),
                        "person_id": pk,
                        "scope": scope,
                        "given": given,
                        "given_at": now,
                        "recorded_by_id": actor_id,
                    }
                )
                events.append(
                    audit.Entry(
                        "consent.record",
                        None,
                        self.org,
                        detail={"scope": scope, "given": given, "import": self.tag},
                        ref=ref,
                    )
                )
            for service_type in planned.needs:
                needs.append(
                    {
                        "public_id": uuid.uuid4(),
                        "incident_id": item.incident_pk,
                        "person_id": pk,
                        "service_type": service_type,
                        "identified_on": self.today,
                        "outcome": Need.Outcome.PENDING.value,
                        "recorded_by_id": actor_id,
                    }
                )
                events.append(
                    audit.Entry(
                        "need.record",
                        None,
                        self.org,
                        3,
                        detail={
                            "service_type": service_type,
                            "outcome": Need.Outcome.PENDING.value,
                            "import": self.tag,
                        },
                        ref=ref,
                    )
                )
        bulk.insert(Consent, consents, now=now)
        bulk.insert(Need, needs, now=now)
        batch_id = self.batch.pk if self.batch is not None else None
        bulk.insert(
            ImportedSubmission,
            (
                {
                    "organisation_id": org,
                    "key": item.key,
                    "source_key": self.plan.source_key,
                    "incident_id": item.incident_pk,
                    "version": item.source.version,
                    "digest": item.digest,
                    "persons": list(item.person_pks),
                    "replaced_by": "",
                    "batch_id": batch_id,
                }
                for item in items
            ),
            now=now,
        )
        audit.record_many(self.actor, events)
        self.counts.update(
            persons=len(persons),
            consents=len(consents),
            needs=len(needs),
            victim_counts=len(counts),
        )

    def _person_row(self, incident_pk: int, planned: PlannedPerson, number: int) -> dict:
        values = planned.values
        row = {name: values[name] for name in _PERSON_PLAIN}
        for name in _PERSON_FKS:
            value = values[name]
            row[f"{name}_id"] = value.pk if value is not None else None
        row.update(
            public_id=uuid.uuid4(),
            incident_id=incident_pk,
            code=rules.person_code(values["role"], number),
        )
        indexes = SimpleNamespace()
        rules._index(indexes, values)  # the services' blind indexes, on the row's values
        row["full_name_index"] = indexes.full_name_index
        row["phone_index"] = indexes.phone_index
        return row

    def _person(self, incident, planned: PlannedPerson, number: int) -> Person:
        values = dict(planned.values)
        person = Person(
            public_id=uuid.uuid4(),
            incident=incident,
            code=rules.person_code(values["role"], number),
            **values,
        )
        rules._index(person, values)
        return person

    def _consents_and_needs(self, incident, person, planned: PlannedPerson):
        consents, needs, events = [], [], []
        for scope, given in sorted(planned.consents.items()):
            consents.append(
                Consent(
                    public_id=uuid.uuid4(),
                    person=person,
                    scope=scope,
                    given=given,
                    given_at=self.now,
                    recorded_by=self.actor,
                )
            )
            events.append(
                audit.Entry(
                    "consent.record",
                    person,
                    self.org,
                    detail={"scope": scope, "given": given, "import": self.tag},
                )
            )
        for service_type in planned.needs:
            needs.append(
                Need(
                    public_id=uuid.uuid4(),
                    incident=incident,
                    person=person,
                    service_type=service_type,
                    identified_on=self.today,
                    outcome=Need.Outcome.PENDING,
                    recorded_by=self.actor,
                )
            )
            events.append(
                audit.Entry(
                    "need.record",
                    person,
                    self.org,
                    3,
                    detail={
                        "service_type": service_type,
                        "outcome": Need.Outcome.PENDING,
                        "import": self.tag,
                    },
                )
            )
        return consents, needs, events

    # -- edited submissions, one by one (rare)
    def _update(self, items: list[PlannedRow]) -> None:
        events: list[audit.Entry] = []
        for item in items:
            if item.replaces_row is not None:
                target = item.replaces_row
                incident_id = target.incident_pk
                person_ids = list(target.person_pks)
            else:
                incident_id = item.submission.incident_id
                person_ids = list(item.submission.persons)
            incident = Incident._base_manager.get(pk=incident_id)
            changed = self._update_incident(incident, item)
            persons, person_events, consents_changed = self._update_persons(
                incident, item, person_ids
            )
            events.extend(person_events)
            if self._update_counts(incident, item):
                changed.append("victim_counts")
            if changed:
                incident.save()
                events.append(
                    audit.Entry(
                        "incident.update",
                        incident,
                        self.org,
                        incident.classification,
                        detail={"fields": sorted(changed), "import": self.tag},
                    )
                )
            pks = [p.pk for p in persons]
            item.incident_pk, item.person_pks = incident.pk, pks
            self._record_submission(item, incident, pks)
            if consents_changed:
                consent_changed.send(sender=Consent, incident=incident, actor=self.actor)
        audit.record_many(self.actor, events)

    def _update_incident(self, incident: Incident, item: PlannedRow) -> list[str]:
        changed = []
        for name in rules.INCIDENT_EDITABLE:
            if name == "classification" and not item.classification_given:
                continue
            new = item.values[name]
            model_field = Incident._meta.get_field(name)
            if model_field.is_relation:
                if getattr(incident, model_field.attname) != (new.pk if new else None):
                    setattr(incident, name, new)
                    changed.append(name)
            elif rules._differs(getattr(incident, name), new):
                setattr(incident, name, new)
                changed.append(name)
        if "category" in changed:
            incident.data_category = rules._data_category(item.values["category"])
        return changed

    def _update_counts(self, incident: Incident, item: PlannedRow) -> bool:
        current = {
            (c.sex, c.age_group_id): c.count for c in VictimCount.objects.filter(incident=incident)
        }
        wanted = {(sex, group.pk): n for (sex, group), n in item.victim_counts.items()}
        with unscoped():
            victims = list(
                Person._base_manager.filter(incident=incident, role=Person.Role.VICTIM).values_list(
                    "sex", "age_group_id"
                )
            )
        try:
            rules.check_counts_cover(wanted, victims)
        except DomainError as exc:
            raise DomainError(
                fill(_("Row %(row)d: %(problem)s"), {"row": item.row, "problem": exc.message}),
                field="victim_counts",
            ) from exc
        if current == wanted:
            return False
        VictimCount.objects.filter(incident=incident).delete()
        VictimCount.objects.bulk_create(
            VictimCount(incident=incident, sex=sex, age_group=group, count=n)
            for (sex, group), n in item.victim_counts.items()
        )
        self.counts.update(victim_counts=len(wanted))
        return True

    def _update_persons(self, incident: Incident, item: PlannedRow, person_ids: list):
        existing = {p.pk: p for p in Person._base_manager.filter(pk__in=person_ids)}
        persons, events, consents_changed = [], [], False
        for index, planned in enumerate(item.persons):
            person = existing.get(person_ids[index]) if index < len(person_ids) else None
            if person is None:
                person = self._person(incident, planned, rules._person_number(incident))
                person.save()
                events.append(
                    audit.Entry(
                        "person.create",
                        person,
                        self.org,
                        4 if planned.has_identity else 3,
                        detail={"import": self.tag},
                    )
                )
                self.counts.update(persons=1)
            else:
                changed = []
                for name in rules.PERSON_EDITABLE:
                    new = planned.values.get(name)
                    model_field = Person._meta.get_field(name)
                    if model_field.is_relation:
                        if getattr(person, model_field.attname) != (new.pk if new else None):
                            setattr(person, name, new)
                            changed.append(name)
                    elif rules._differs(getattr(person, name), new):
                        setattr(person, name, (new or None) if name in IDENTITY_FIELDS else new)
                        changed.append(name)
                if changed:
                    rules._index(
                        person,
                        {f: planned.values[f] for f in changed if f in ("full_name", "phone")},
                    )
                    person.save()
                    identity = any(f in IDENTITY_FIELDS for f in changed)
                    events.append(
                        audit.Entry(
                            "person.update",
                            person,
                            self.org,
                            4 if identity else 3,
                            detail={"fields": changed, "import": self.tag},
                        )
                    )
            persons.append(person)
            consents, needs, new_events = self._changed_consents_and_needs(
                incident, person, planned
            )
            Consent.objects.bulk_create(consents)
            Need.objects.bulk_create(needs)
            events.extend(new_events)
            consents_changed = consents_changed or bool(consents)
            self.counts.update(consents=len(consents), needs=len(needs))
        # Persons of the stored submission beyond the edit's are kept (an edit that drops a
        # repeat is not taken as a deletion of a person record).
        persons.extend(existing[pk] for pk in person_ids[len(item.persons) :] if pk in existing)
        return persons, events, consents_changed

    def _changed_consents_and_needs(self, incident, person, planned: PlannedPerson):
        standing = {
            c.scope: c
            for c in Consent._base_manager.filter(person=person, withdrawn_at__isnull=True)
        }
        wanted = PlannedPerson(
            values=planned.values,
            consents={
                s: g
                for s, g in planned.consents.items()
                if s not in standing or standing[s].given != g
            },
            needs=[
                n
                for n in planned.needs
                if not Need._base_manager.filter(person=person, service_type=n).exists()
            ],
        )
        for scope in wanted.consents:
            if scope in standing:
                Consent._base_manager.filter(pk=standing[scope].pk).update(withdrawn_at=self.now)
        return self._consents_and_needs(incident, person, wanted)

    def _record_submission(self, item: PlannedRow, incident: Incident, pks: list) -> None:
        sub = item.submission
        if sub is not None and sub.key == item.key:
            sub.version = item.source.version
            sub.digest = item.digest
            sub.persons = pks
            sub.batch = self.batch
            sub.save()
            return
        replaced = item.source.replaces
        ImportedSubmission.objects.filter(organisation=self.org, key=replaced).update(
            replaced_by=item.key
        )
        if sub is not None and sub.key != replaced:  # the head of a longer chain of edits
            ImportedSubmission.objects.filter(pk=sub.pk).update(replaced_by=item.key)
        ImportedSubmission.objects.create(
            organisation=self.org,
            key=item.key,
            source_key=self.plan.source_key,
            incident=incident,
            version=item.source.version,
            digest=item.digest,
            persons=pks,
            batch=self.batch,
        )


# --------------------------------------------------------------------------- readers


_READERS: dict[str, Callable] = {}


def register_reader(source: str, func: Callable) -> None:
    """`func(batch) -> (rows, errors)`: how the background task reads a stored batch."""
    _READERS[source] = func


def reader_for(source: str) -> Callable:
    try:
        return _READERS[source]
    except KeyError:
        raise DomainError(
            _("No reader is registered for this kind of import."), code="no_reader"
        ) from None


def read_batch(batch: ImportBatch):
    """(rows, reader errors) of a stored batch, by the reader registered for its source."""
    return reader_for(batch.source)(batch)


# --------------------------------------------------------------------------- background


def channel_dir() -> Path:
    """Where the progress and cancellation files of running imports are kept
    (settings.PASSERELLE_IMPORTS_DIR, by default VAR_DIR/imports)."""
    configured = getattr(settings, "PASSERELLE_IMPORTS_DIR", None)
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _channel(batch, suffix: str) -> Path:
    return channel_dir() / f"{batch.public_id}.{suffix}"


def write_progress(batch, done: int, total: int) -> None:
    """Written by the worker between two batches (atomically: a reader never sees half)."""
    target = _channel(batch, "progress")
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"done": done, "total": total}))
    os.replace(tmp, target)


def cancel_asked(batch) -> bool:
    return _channel(batch, "cancel").exists()


def _clear_channel(batch) -> None:
    for suffix in ("progress", "cancel"):
        _channel(batch, suffix).unlink(missing_ok=True)


def batch_progress(batch: ImportBatch) -> dict:
    """{done, total, status} for the page's progress bar: the worker's file while it runs
    (the database cannot tell, see the module's docstring), the batch's counts after."""
    batch.refresh_from_db(fields=["status", "total_rows", "to_create", "to_update", "result"])
    status = batch.status
    if status == ImportBatch.Status.RUNNING:
        try:
            data = json.loads(_channel(batch, "progress").read_text())
            return {"done": int(data["done"]), "total": int(data["total"]), "status": status}
        except (OSError, ValueError, KeyError, TypeError):
            return {"done": 0, "total": batch.to_create + batch.to_update, "status": status}
    if status == ImportBatch.Status.APPLIED:
        total = batch.result.get("created", 0) + batch.result.get("updated", 0)
        return {"done": total, "total": total, "status": status}
    return {"done": 0, "total": batch.to_create + batch.to_update, "status": status}


@audit.service
def start(actor, batch: ImportBatch) -> ImportBatch:
    """Queue the application of a checked batch; `manage.py run_jobs` applies it."""
    rules._require_in(actor, "import.run", batch.organisation)
    given, batch = batch, ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (ImportBatch.Status.DRAFT, ImportBatch.Status.VALIDATED):
        raise DomainError(_("This import was already started."), code="started")
    from .tasks import apply_batch

    _clear_channel(batch)
    result = apply_batch.enqueue(batch_id=str(batch.public_id))
    batch.status = ImportBatch.Status.QUEUED
    batch.task_id = str(getattr(result, "id", ""))[:64]
    batch.cancel_requested = False
    batch.save(update_fields=["status", "task_id", "cancel_requested", "updated_at"])
    given.status, given.task_id, given.cancel_requested = batch.status, batch.task_id, False
    audit.record(
        actor,
        "import.start",
        batch,
        organisation=batch.organisation,
        detail={"import": str(batch.public_id), "source": batch.source},
    )
    return batch


def request_cancel(actor, batch: ImportBatch) -> ImportBatch:
    """Ask a queued or running import to stop; nothing of it is written.

    The file is written first: a running import polls it between two batches and rolls
    back. Only then is the batch marked — on SQLite that write waits for the import's
    transaction to end, which the file has just asked for."""
    rules._require_in(actor, "import.run", batch.organisation)
    status = ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).first()
    if status not in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING):
        raise DomainError(_("This import is not running."), code="not_running")
    _channel(batch, "cancel").touch()
    return _mark_cancel(actor, batch)


@audit.service
def _mark_cancel(actor, batch: ImportBatch) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    batch.cancel_requested = True
    fields = ["cancel_requested", "updated_at"]
    if batch.status == ImportBatch.Status.QUEUED:  # not started: cancelled at once
        batch.status = ImportBatch.Status.CANCELLED
        batch.payload = None
        batch.finished_at = timezone.now()
        fields += ["status", "payload", "finished_at"]
    batch.save(update_fields=fields)
    audit.record(
        actor,
        "import.cancel",
        batch,
        organisation=batch.organisation,
        detail={"import": str(batch.public_id)},
    )
    return batch


def run_batch(batch_id: str) -> dict:
    """The background task's body: read, check and apply one queued batch, then record how
    it ended. The uploaded file is emptied whatever the outcome."""
    from passerelle.core.jobs import error_summary

    batch = ImportBatch.objects.filter(public_id=batch_id).first()
    if batch is None:
        return {"status": "missing"}
    if batch.status != ImportBatch.Status.QUEUED:
        return {"status": batch.status}
    if batch.cancel_requested or cancel_asked(batch):
        return _finish(batch, ImportBatch.Status.CANCELLED)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.QUEUED).update(
        status=ImportBatch.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return {"status": "taken"}
    batch.refresh_from_db()
    actor = batch.created_by
    try:
        rows, errors = read_batch(batch)
        plan = prepare(
            actor,
            organisation=batch.organisation,
            rows=rows,
            source=batch.source,
            source_key=batch.source_key,
            errors=errors,
        )
        if plan.errors:
            plan.record_on(batch)
            return _finish(batch, ImportBatch.Status.FAILED, keep_errors=True)
        write_progress(batch, 0, plan.to_create + plan.to_update)
        apply(
            actor,
            plan,
            batch=batch,
            progress=lambda done, total: write_progress(batch, done, total),
            cancelled=lambda: cancel_asked(batch),
        )
    except ImportCancelled:
        return _finish(batch, ImportBatch.Status.CANCELLED)
    except DomainError as exc:
        batch.set_errors([RowError(0, "", exc.message, exc.code or "invalid").as_dict()])
        return _finish(batch, ImportBatch.Status.FAILED, keep_errors=True)
    except Exception as exc:  # noqa: BLE001 - recorded as a failure, never half-applied
        logger.warning("Import %s failed: %s", batch.public_id, error_summary(exc))
        return _finish(batch, ImportBatch.Status.FAILED, error=error_summary(exc))
    finally:
        _clear_channel(batch)
    batch.refresh_from_db()
    return {"status": batch.status, **batch.result}


def _finish(batch, status: str, *, keep_errors: bool = False, error: str = "") -> dict:
    fresh = ImportBatch.objects.get(pk=batch.pk)
    fresh.status = status
    fresh.payload = None
    fresh.finished_at = timezone.now()
    if keep_errors:
        fresh.errors_sealed = batch.errors_sealed
        fresh.error_count = batch.error_count
        for name in ("total_rows", "to_create", "to_update", "unchanged"):
            setattr(fresh, name, getattr(batch, name))
    if error:
        fresh.result = {"error": error}
    with transaction.atomic():
        fresh.save()
        audit.record(
            fresh.created_by,
            f"import.{status}",
            fresh,
            organisation=fresh.organisation,
            outcome="ok" if status == ImportBatch.Status.CANCELLED else "error",
            detail={"import": str(fresh.public_id), "errors": fresh.error_count},
        )
    _clear_channel(batch)
    return {"status": status}
