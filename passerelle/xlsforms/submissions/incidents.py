"""Submissions to `IncidentIn` rows through an officer's mapping (see passerelle.imports.rows).

The mapping's format is `passerelle.xlsforms.mapping`'s (saved per form version):
`{target: {"question": path_or_name, "choices": {choice name: code}}}` or
`{target: {"value": code}}` (the same value for every submission). Here:

- dates (occurred_on, reported_on) are read by `dates.parse_date`; coordinates from a
  geopoint "lat lon alt accuracy" (or latitude / longitude questions);
- area: the finest level answered (area.admin3, area.admin2, area.admin1, each choice mapped
  to a P-code), or "area" (a P-code of any level);
- persons: the entries of `persons.repeat` (else of the repeat holding the person questions;
  person questions outside any repeat make one person); role "victim" unless mapped;
  `persons.consent.<scope>` answers mapped to yes / no become booleans; `persons.needs` (a
  select_multiple) becomes a list of service types;
- a choice the mapping leaves out or maps to "" gives no value (the field is left empty);
  an answer that is NOT a choice of the form's question is an error naming the row, the
  column and the answer; without "choices" the answer itself is the code.

Rows with an error are left out of the rows (their errors say why); `IncidentIn.columns`
names, for each field, the column of the file it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from passerelle.core.errors import worded
from passerelle.imports.rows import IncidentIn, PersonIn, RowError

from .dates import parse_date
from .form import FormView, Question, form_view
from .reading import ReadResult, Submission, _norm, _quote

INCIDENT_TEXT = {"exact_location", "narrative"}
INCIDENT_DATES = {"occurred_on", "reported_on"}
INCIDENT_CODES = {
    "date_precision",
    "category",
    "sub_type",
    "perpetrator",
    "source_type",
    "source_reliability",
}
PERSON_TEXT = {"full_name", "father_name", "mother_name", "phone", "address"}
PERSON_CODES = {"role", "sex", "age_group", "disability", "displacement_status"}
CODE_LIKE = re.compile(r"^[\w.\-]{1,80}$")  # P-codes, vocabulary codes, choice names
DATE_LIKE = re.compile(r"^[\d\s/.:TZ+\-]{1,40}$")
YES = {"yes", "oui", "true", "vrai", "1", "1.0", "y", "o"}
NO = {"no", "non", "false", "faux", "0", "0.0", "n"}

MESSAGES = {
    "unknown_choice": _(
        "Row %(row)s, column %(column)s: the answer %(code)s is not a choice of this question "
        "in the form."
    ),
    "unmapped_answer": _(
        "Row %(row)s, column %(column)s: this answer has no Passerelle value in the mapping "
        "(the question mapped is not a list of choices): check the mapping."
    ),
    "unmapped_choice": _(
        "Row %(row)s, column %(column)s: the answer %(code)s has no Passerelle value in the "
        "mapping; complete the mapping."
    ),
    "bad_date": _(
        "Row %(row)s, column %(column)s: %(value)s is not a date (jj/mm/aaaa, aaaa-mm-jj or an "
        "Excel date)."
    ),
    "not_a_date": _(
        "Row %(row)s, column %(column)s: the answer is not a date (jj/mm/aaaa, aaaa-mm-jj or an "
        "Excel date)."
    ),
    "not_a_code": _(
        "Row %(row)s, column %(column)s: the answer is not a code (the question mapped is "
        "free text): map a list of choices or a question holding codes."
    ),
    "bad_number": _("Row %(row)s, column %(column)s: the answer is not a whole number."),
    "bad_geopoint": _(
        "Row %(row)s, column %(column)s: the answer is not a GPS point (latitude, longitude)."
    ),
    "bad_yes_no": _("Row %(row)s, column %(column)s: the answer %(code)s is neither yes nor no."),
}


def _error(kind: str, row: int, column: str, **params) -> RowError:
    message = worded(MESSAGES[kind], row=row, column=column, **params)
    return RowError(row=row, column=column, message=message, code=kind)


class _Rows:
    """Reads the mapped answers of one submission (or one repeat entry), collecting errors."""

    def __init__(self, form: FormView, mapping: dict, errors: list[RowError], found=None):
        self.form = form
        self.mapping = mapping
        self.errors = errors
        self.found: dict[str, Question | None] = {} if found is None else found  # by target

    def question(self, target: str) -> Question | None:
        try:
            return self.found[target]
        except KeyError:
            spec = self.mapping.get(target) or {}
            ref = spec.get("question", "") if isinstance(spec, dict) else ""
            found = self.found[target] = self.form.find(ref)
            return found

    def raw(self, source, target: str) -> tuple[Any, str, Question | None]:
        question = self.question(target)
        if question is None or question.path not in source.values:
            return None, "", question
        path = question.path
        return source.values[path], source.columns.get(path, path), question

    def text(self, source, target: str) -> str:
        value, _column, _q = self.raw(source, target)
        if value is None:
            return (self.constant(target) or "") if _q is None else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone number read from XLSX as a number
        return str(value).strip()

    def constant(self, target: str):
        """A target mapped to one value for every submission ({"value": code}), else None."""
        spec = self.mapping.get(target)
        if not isinstance(spec, dict) or spec.get("question"):
            return None
        value = spec.get("value")
        return None if value in (None, "") else str(value)

    def code(self, source, target: str, row: int, value=None, column="") -> str | None:
        """The code an answer is mapped to; None after an error, "" for no value (no answer,
        or a choice the mapping leaves out or maps to "")."""
        if value is None:
            value, column, question = self.raw(source, target)
        else:
            question = self.question(target)
        if question is None:
            return self.constant(target) or ""
        if value is None:
            return ""
        answer = self._choice(question, value)
        if answer is None:
            self.errors.append(_error("unknown_choice", row, column, code=_quote(value)))
            return None
        choices = (self.mapping.get(target) or {}).get("choices")
        if not choices:
            if not question.is_select and not CODE_LIKE.match(answer):
                # a text question's answer taken as a code: never passed on (or quoted) when it
                # is plainly not one (it may be a name or a narrative)
                self.errors.append(_error("not_a_code", row, column))
                return None
            return answer
        code = choices.get(answer, "")
        if isinstance(code, list | tuple):
            code = code[0] if code else ""
        return str(code or "")

    @staticmethod
    def _choice(question: Question, value) -> str | None:
        """The choice name of an answer (an export with labels gives a label), None if the
        question lists its choices and this is none of them."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        answer = str(value).strip()
        if not question.choices or answer in question.choices:
            return answer
        wanted = _norm(answer)
        for name, labels in question.choices.items():
            if any(_norm(label) == wanted for label in labels.values()):
                return name
        return None

    def date(self, source, target: str, row: int) -> dt.date | None | bool:
        value, column, _q = self.raw(source, target)
        if value is None:
            return None
        try:
            return parse_date(value)
        except (ValueError, TypeError, OverflowError):
            if DATE_LIKE.match(str(value)):
                self.errors.append(_error("bad_date", row, column, value=_quote(value)))
            else:  # quoted only when it looks like a date: a name mapped by mistake is not
                self.errors.append(_error("not_a_date", row, column))
            return False

    def integer(self, source, target: str, row: int) -> int | None | bool:
        value, column, _q = self.raw(source, target)
        if value is None:
            return None
        try:
            number = float(str(value).strip().replace(",", "."))
            if not number.is_integer():
                raise ValueError
            return int(number)
        except (ValueError, OverflowError):
            self.errors.append(_error("bad_number", row, column))
            return False


def to_incidents(definition, mapping: dict, submissions) -> tuple[list[IncidentIn], list[RowError]]:
    """`IncidentIn`s of the submissions (a ReadResult or a list of Submission) through the
    mapping, and the row-level errors; a row with an error is not among the rows."""
    form = form_view(definition)
    if isinstance(submissions, ReadResult):
        submissions = submissions.submissions
    rows: list[IncidentIn] = []
    errors: list[RowError] = []
    questions: dict = {}  # target → question, looked up once per call
    for submission in submissions:
        found: list[RowError] = []
        incident = _incident(_Rows(form, mapping, found, questions), submission)
        errors.extend(found)
        if not found:
            rows.append(incident)
    return rows, errors


def _incident(reader: _Rows, submission: Submission) -> IncidentIn:
    row = submission.row
    incident = IncidentIn(
        key=submission.key, row=row, version=submission.version, replaces=submission.replaces
    )
    values, columns = incident.values, incident.columns

    def note(name: str, target: str | None = None):
        question = reader.question(target or name)
        if question is not None:
            columns[name] = submission.columns.get(question.path, question.path)

    for name in INCIDENT_DATES:
        day = reader.date(submission, name, row)
        if day:
            values[name] = day
        note(name)
    for name in INCIDENT_TEXT:
        text = reader.text(submission, name)
        if text:
            values[name] = text
        note(name)
    for name in INCIDENT_CODES:
        code = reader.code(submission, name, row)
        if code:
            values[name] = code
        note(name)
    note("classification")
    classification = reader.code(submission, "classification", row)
    if classification:
        try:
            values["classification"] = int(float(classification))
        except ValueError:
            reader.errors.append(_error("bad_number", row, columns.get("classification", "")))
    _area(reader, submission, values, columns)
    _coordinates(reader, submission, values, columns)
    incident.persons = _persons(reader, submission, columns)
    return incident


AREA_LEVELS = {"area.admin3": 3, "area.admin2": 2, "area.admin1": 1}


def _area(reader: _Rows, submission: Submission, values: dict, columns: dict) -> None:
    """The finest answered area: area.admin3, else admin2, else admin1 (choices mapped to
    P-codes), or "area" (a P-code of any level); between equals, the longest P-code."""
    targets = [t for t in reader.mapping if t == "area" or t.startswith("area.")]
    found = []
    for target in targets:
        code = reader.code(submission, target, submission.row)
        if code:
            question = reader.question(target)
            column = submission.columns.get(question.path, question.path) if question else ""
            found.append((AREA_LEVELS.get(target, 0), len(code), code, column))
    if found:
        _level, _length, values["area"], columns["area"] = max(found)
        return
    for target in targets:
        question = reader.question(target)
        if question is not None:
            columns["area"] = submission.columns.get(question.path, question.path)
            return


def _coordinates(reader: _Rows, submission: Submission, values: dict, columns: dict) -> None:
    value, column, _q = reader.raw(submission, "coordinates")
    if value is not None:
        parts = str(value).replace(",", " ").split()
        try:
            latitude, longitude = float(parts[0]), float(parts[1])
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError
        except (ValueError, IndexError):
            reader.errors.append(_error("bad_geopoint", submission.row, column))
            return
        values["latitude"], values["longitude"] = latitude, longitude
        columns["latitude"] = columns["longitude"] = column
        return
    for name in ("latitude", "longitude"):
        value, column, _q = reader.raw(submission, name)
        if value is None:
            continue
        try:
            values[name] = float(str(value).replace(",", "."))
        except ValueError:
            reader.errors.append(_error("bad_geopoint", submission.row, column))
        columns[name] = column


def _person_targets(mapping: dict) -> list[str]:
    return [t for t in mapping if t.startswith("persons.") and t != "persons.repeat"]


def _persons(reader: _Rows, submission: Submission, columns: dict) -> list[PersonIn]:
    targets = _person_targets(reader.mapping)
    if not targets:
        return []
    repeat = ""
    spec = reader.mapping.get("persons.repeat") or {}
    if isinstance(spec, dict) and spec.get("question"):
        repeat = _repeat_path(reader.form, str(spec["question"]))
    if not repeat:
        inside = [q.repeat for t in targets if (q := reader.question(t)) is not None and q.repeat]
        repeat = inside[0] if inside else ""
    sources = submission.repeats.get(repeat, []) if repeat else [submission]
    persons = []
    for entry in sources:
        person = _person(reader, entry, submission.row if not repeat else entry.row)
        if person is None:
            continue
        for target in targets:
            question = reader.question(target)
            if question is not None and question.path in entry.columns:
                field = target.removeprefix("persons.")
                columns[f"persons.{len(persons)}.{field}"] = entry.columns[question.path]
        persons.append(person)
    return persons


def _repeat_path(form: FormView, ref: str) -> str:
    """The path of a repeat given by path, xpath (`/data/victimes`) or name."""
    parts = [p for p in ref.split("/") if p]
    for start in range(len(parts)):
        path = "/".join(parts[start:])
        if path in form.repeats:
            return path
    named = sorted(r for r in form.repeats if parts and r.split("/")[-1] == parts[-1])
    return named[0] if len(named) == 1 else "/".join(parts)


def _person(reader: _Rows, entry, row: int) -> PersonIn | None:
    """A person from one repeat entry (or the submission), None when nothing is answered."""
    answered = any(
        (q := reader.question(t)) is not None and q.path in entry.values
        for t in _person_targets(reader.mapping)
    )
    if not answered:
        return None
    person = PersonIn(role="victim")
    for name in PERSON_CODES:
        code = reader.code(entry, f"persons.{name}", row)
        if code:
            setattr(person, name, code)
    for name in PERSON_TEXT:
        text = reader.text(entry, f"persons.{name}")
        if text:
            setattr(person, name, text)
    age = reader.integer(entry, "persons.age", row)
    if age is not False and age is not None:
        person.age = age
    for target in reader.mapping:
        if target.startswith(("persons.consent.", "persons.consents.")):
            scope = target.split(".", 2)[2]
            given = _yes_no(reader, entry, target, row)
            if given is not None:
                person.consents[scope] = given
    person.needs = _needs(reader, entry, row)
    return person


def _yes_no(reader: _Rows, entry, target: str, row: int) -> bool | None:
    value, column, _q = reader.raw(entry, target)
    if value is None:
        return None
    code = reader.code(entry, target, row)
    if code is None or code == "":
        return None
    if code.strip().casefold() in YES:
        return True
    if code.strip().casefold() in NO:
        return False
    reader.errors.append(_error("bad_yes_no", row, column, code=_quote(code)))
    return None


def _needs(reader: _Rows, entry, row: int) -> list[str]:
    value, column, question = reader.raw(entry, "persons.needs")
    if value is None or question is None:
        return []
    needs = []
    whole = reader._choice(question, value)  # one choice written as its label, spaces and all
    answers = [whole] if whole is not None and question.choices else str(value).split()
    for answer in answers:
        code = reader.code(entry, "persons.needs", row, value=answer, column=column)
        if code and code not in needs:
            needs.append(code)
    return needs
