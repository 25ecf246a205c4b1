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

import datetime as dt
import json
import logging
import uuid
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import crypto
from passerelle.core.errors import DomainError, worded
from passerelle.core.guard import unscoped
from passerelle.geography.models import Area
from passerelle.incidents import services as rules
from passerelle.incidents.models import (
    Consent,
    DatePrecision,
    Incident,
    Person,
    Sex,
)
from passerelle.policy.fields import IDENTITY_FIELDS
from passerelle.referrals.models import ServiceType
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


def fill(message, params: dict):
    """A message with parameters, worded when shown (in the reader's language, and in both
    languages by RowError.as_dict): `_("...") % {...}` would word it once, at once."""
    return worded(message, **params)


def _rule_message(exc: DomainError, rule, *args):
    """The message of the DomainError a services rule raised, kept lazy when possible.

    The services word a message with parameters at once (`_("...") % {...}`): it would be
    frozen in the language of the check, while RowError.as_dict keeps every error in both
    languages. So the rule is asked again, with the same values, when the message is shown,
    in the language then active; a message already lazy is kept as it is."""
    if isinstance(exc.message, Promise):
        return exc.message
    frozen = str(exc.message)

    def again() -> str:
        try:
            rule(*args)
        except DomainError as fresh:
            return str(fresh.message)
        except Exception:  # noqa: BLE001 - the message of the check is still right
            logger.debug("rule %s not asked again", getattr(rule, "__name__", rule))
        return frozen

    return lazy(again, str)()


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
    # May the importer change identities here (`person.view_identity` at the row's
    # classification and, for an edit, the edited incident's)? Without it an edit never
    # touches the stored identities, not even to blank them (docs/imports.md).
    identity: bool = True
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
        for at in range(0, len(pcodes), _IN_CHUNK):
            for area in Area.objects.filter(pcode__in=pcodes[at : at + _IN_CHUNK]):
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
    refused: int | None = None,
) -> Plan:
    """Check every row, without writing anything (see the module's CONTRACT).

    `refused`: how many rows of the file the reader refused (not among `rows`), when it
    knows; else counted from its errors (`refused_rows`). The plan's total is every row of
    the file, refused ones included."""
    rules._require_in(actor, "import.run", organisation)
    rows = list(rows)
    found: list[RowError] = list(errors)
    if refused is None:
        refused = refused_rows(rows, found)
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
    _check_edits(actor, planned, found, rights)
    _check_counts_after_edits(planned, codes, found)
    rights.audit_refusals(organisation)
    return Plan(
        actor_id=getattr(actor, "pk", None),
        organisation=organisation,
        source=source,
        source_key=source_key,
        rows=planned,
        errors=found,
        total=len(rows) + refused,
    )


# Errors about the file's layout (its header row), not about one of its rows.
_LAYOUT_ERRORS = frozenset({"duplicate_column", "missing_column", "no_header"})


def refused_rows(rows: list[IncidentIn], errors: Iterable[RowError]) -> int:
    """The rows a reader refused, from its errors: the distinct rows they name that are not
    among `rows` — not an error of the whole file (row 0), of its header, or of a row of a
    spreadsheet's persons sheet (column `persons.<code>`: its rows are not incidents)."""
    read = {r.row for r in rows}
    named = {
        e.row
        for e in errors
        if isinstance(e.row, int)
        and e.row > 0
        and e.row not in read
        and e.code not in _LAYOUT_ERRORS
        and not str(e.column).startswith("persons.")
    }
    return len(named)


class _Rights:
    """What the importer may write in the organisation, asked of the policy once."""

    def __init__(self, actor, organisation):
        self.actor = actor
        self.organisation = organisation
        self._levels: dict[str, int] = {}
        self._answers: dict[tuple[str, int], bool] = {}
        self.refused: set[str] = set()

    def allows(self, action: str, classification: int) -> bool:
        """May the importer do `action` on a record of this classification that they record
        themselves (the record-level rule of the policy, `required_level`)?"""
        known = self._answers.get((action, classification))
        if known is not None:
            if not known:
                self.refused.add(action)
            return known
        if action not in self._levels:
            self._levels[action] = policy.level_in(self.actor, self.organisation, action)
        need = policy.gate.required_level(action, SimpleNamespace(classification=classification))
        allowed = self._levels[action] >= 0 and self._levels[action] >= need
        self._answers[(action, classification)] = allowed
        if not allowed:
            self.refused.add(action)
        return allowed

    def may(self, action: str, classification: int) -> bool:
        """`allows` without taking note of a refusal (nothing was asked that was refused)."""
        if (action, classification) not in self._answers:
            refused = action in self.refused
            self.allows(action, classification)
            if not refused:
                self.refused.discard(action)
        return self._answers[(action, classification)]

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
    except DomainError as exc:
        error(exc.field or "", _rule_message(exc, rules._check_category, values["category"]))
        return PlannedRow(row, CREATE)
    if values["classification"] is None:
        values["classification"] = rules.default_classification(values["category"])
    try:
        rules._validate_incident(values)
    except DomainError as exc:
        error(exc.field or "", _rule_message(exc, rules._validate_incident, dict(values)))
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
        identity=rights.may("person.view_identity", classification),
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
        error(exc.field or "role", _rule_message(exc, rules._validate_person, dict(values)))
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
            message = _rule_message(exc, rules.check_victim_count, group, count)
            errors.append(RowError(row.row, column, message))
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
        message = _rule_message(exc, rules.check_counts_cover, plain, victims, codes.groups)
        errors.append(RowError(row.row, column, message))
    return counts


def digest(row: IncidentIn) -> str:
    """The keyed digest of what a row says (not where it sits in a file, nor its version):
    equal for an unchanged re-import, without storing or comparing identities in clear."""
    content = {
        "values": row.values,
        "victim_counts": sorted(
            [str(sex), _code(group), int(n or 0)] for (sex, group), n in row.victim_counts.items()
        ),
        "persons": [vars(p) for p in row.persons],  # dataclass fields, by name
    }
    data = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_code).encode()
    return crypto.keyed_digest(data, "imports.submission")


def _code(value) -> str:
    """A value JSON has no form for: a term or an area by its code, anything else (dates,
    decimals) as text."""
    if isinstance(value, Term):
        return value.code
    if isinstance(value, Area):
        return value.pcode
    return str(value)


def _stored(organisation, keys: Iterable[str]) -> dict[str, ImportedSubmission]:
    keys = sorted(set(keys))
    found = {}
    for at in range(0, len(keys), _IN_CHUNK):
        for sub in ImportedSubmission.objects.filter(
            organisation=organisation, key__in=keys[at : at + _IN_CHUNK]
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


def _check_edits(actor, planned: list[PlannedRow], errors: list, rights: _Rights) -> None:
    """An edited submission changes a recorded incident: the importer needs the right the
    edit page asks (`incident.edit` on that incident, at its classification), refused and
    audited otherwise, like the page. It changes identities only with `person.view_identity`
    at the incident's classification too."""
    for item in sorted(planned, key=lambda r: r.depth):  # an edit of an edit after it
        if item.action == UPDATE and item.replaces_row is not None:
            item.identity = item.identity and item.replaces_row.identity
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
        else:
            item.identity = item.identity and rights.may(
                "person.view_identity", incident.classification
            )
    if refused:
        gone = {id(r) for r in refused}
        planned[:] = [r for r in planned if id(r) not in gone]


def _check_counts_after_edits(planned: list[PlannedRow], codes: _Codes, errors: list) -> None:
    """An edited submission's victim counts must still cover the victims the incident will
    have once written (`check_counts_cover`, the rule `apply` asks again): the edit's
    persons in the places of those of the submission they replace, by position, and the
    incident's other persons as they are. Found here, a batch that checked clean applies."""
    updates = [r for r in planned if r.action == UPDATE]
    if not updates:
        return
    incident_ids = sorted({r.submission.incident_id for r in updates if r.submission})
    stored: dict[int, dict[int, tuple]] = {i: {} for i in incident_ids}
    with unscoped():
        for at in range(0, len(incident_ids), _IN_CHUNK):
            for pk, incident_id, role, sex, group_id in Person._base_manager.filter(
                incident_id__in=incident_ids[at : at + _IN_CHUNK]
            ).values_list("pk", "incident_id", "role", "sex", "age_group_id"):
                stored[incident_id][pk] = (role, sex, group_id)
    after: dict[int, tuple[list, list]] = {}  # id(row) -> (its persons by position, others)

    def persons_after(item: PlannedRow) -> tuple[list, list]:
        if id(item) in after:
            return after[id(item)]
        mine = [
            (p.values["role"], p.values["sex"], getattr(p.values.get("age_group"), "pk", None))
            for p in item.persons
        ]
        if item.action != UPDATE:
            listed, others = mine, []
        elif item.replaces_row is not None:
            before, others = persons_after(item.replaces_row)
            listed = mine + before[len(mine) :]
        else:
            persons = stored.get(item.submission.incident_id, {})
            ids = list(item.submission.persons or [])
            listed = mine + [persons[pk] for pk in ids[len(mine) :] if pk in persons]
            overwritten = set(ids[: len(mine)])
            kept = set(ids[len(mine) :])
            others = [v for pk, v in persons.items() if pk not in overwritten and pk not in kept]
        after[id(item)] = (listed, others)
        return after[id(item)]

    wrong = set()
    for item in sorted(updates, key=lambda r: r.depth):
        listed, others = persons_after(item)
        victims = [
            (sex, group) for role, sex, group in listed + others if role == Person.Role.VICTIM
        ]
        counts = {(sex, group.pk): n for (sex, group), n in item.victim_counts.items()}
        try:
            rules.check_counts_cover(counts, victims, codes.groups)
        except DomainError as exc:
            message = _rule_message(exc, rules.check_counts_cover, counts, victims, codes.groups)
            errors.append(RowError(item.row, _column(item.source, "victim_counts"), message))
            wrong.add(id(item))
    if wrong:
        planned[:] = [r for r in planned if id(r) not in wrong]


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
    from .writing import Writer

    writer = Writer(actor, plan, batch, progress, cancelled)
    with transaction.atomic():
        writer.run()
    return writer.result


# The background half (readers, the task's body, start / cancel / progress), re-exported so
# that every source and page keeps calling `pipeline.<name>`.
from .background import (  # noqa: E402
    _READERS,
    _channel,
    batch_progress,
    cancel_asked,
    channel_dir,
    read_batch,
    reader_for,
    register_reader,
    request_cancel,
    run_batch,
    start,
    write_progress,
)

__all__ = [
    "CREATE",
    "UNCHANGED",
    "UPDATE",
    "ImportCancelled",
    "Plan",
    "PlannedPerson",
    "PlannedRow",
    "_READERS",
    "_channel",
    "apply",
    "batch_progress",
    "cancel_asked",
    "channel_dir",
    "digest",
    "fill",
    "prepare",
    "read_batch",
    "reader_for",
    "register_reader",
    "request_cancel",
    "run_batch",
    "start",
    "write_progress",
]
