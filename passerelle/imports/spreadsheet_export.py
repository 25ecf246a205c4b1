"""Writing the spreadsheet format of `imports.spreadsheets`: the template and the export.

Everything is written through `core.exports` (text cells stored as text, never formulas).
The export reads through the policy: `policy.redact` for every field (level-3/4 reads
audited by it), `policy.scope` for consents and needs; a column the reader does not see on
every exported incident is left out (see `export_rows`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from passerelle.core import exports
from passerelle.incidents.models import Consent, DatePrecision, Person, Sex
from passerelle.policy.fields import IDENTITY_FIELDS
from passerelle.referrals.models import ServiceType
from passerelle.vocabularies.models import Term

from .spreadsheets import (
    AGE_GROUPS,
    INCIDENTS,
    LEVEL3_INCIDENT,
    LISTS,
    PERSONS,
    SEPARATOR,
    SEXES,
    Col,
    incident_columns,
    person_columns,
)

# --------------------------------------------------------------------------- lists


def lists() -> list[tuple[str, str, str]]:
    """(list, code, label in the reader's language) of every allowed value."""
    from passerelle.geography.models import Area

    out: list[tuple[str, str, str]] = []
    out += [("date_precision", c, str(label)) for c, label in DatePrecision.choices]
    out += [("classification", str(n), str(n)) for n in (2, 3, 4)]
    for term in Term.objects.categories().select_related("parent").order_by("parent__code", "code"):
        out.append(("category", term.code, f"{term.parent.label} — {term.label}"))
    for term in Term.objects.subtypes().select_related("parent").order_by("parent__code", "code"):
        out.append(("sub_type", term.code, f"{term.parent.code}: {term.label}"))
    for vocabulary, name in (
        (Term.Vocabulary.PERPETRATOR, "perpetrator"),
        (Term.Vocabulary.SOURCE_TYPE, "source_type"),
        (Term.Vocabulary.RELIABILITY, "reliability"),
        (Term.Vocabulary.AGE_GROUP, "age_group"),
        (Term.Vocabulary.DISPLACEMENT, "displacement"),
    ):
        out += [(name, t.code, t.label) for t in Term.objects.of(vocabulary).order_by("code")]
    for area in Area.objects.filter(level__gte=1).select_related("parent").order_by("pcode"):
        parent = f" ({area.parent.name})" if area.parent and area.level > 1 else ""
        out.append(("area", area.pcode, f"{area.name}{parent}"))
    out += [("sex", c, str(label)) for c, label in Sex.choices]
    out += [("role", c, str(label)) for c, label in Person.Role.choices]
    out += [("disability", c, str(label)) for c, label in Person.Disability.choices]
    out += [("consent", c, str(label)) for c, label in Consent.Scope.choices]
    out += [("need", c, str(label)) for c, label in ServiceType.choices]
    return out


# --------------------------------------------------------------------------- writing


def _header(sheet, columns: list[Col]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    exports.append(sheet, [str(c.label) for c in columns])
    exports.append(sheet, [c.code for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B3"


def workbook(incidents: list[list] = (), persons: list[list] = (), *, columns=None) -> bytes:
    """The template (no rows) or an export: the incidents, persons and lists sheets.
    `columns`: (incident columns, person columns) to write, by default all."""
    import openpyxl

    incident_cols, person_cols = columns or (incident_columns(), person_columns())
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = INCIDENTS
    _header(sheet, incident_cols)
    for row in incidents:
        exports.append(sheet, row)
    if person_cols:
        sheet = book.create_sheet(PERSONS)
        _header(sheet, person_cols)
        for row in persons:
            exports.append(sheet, row)
    sheet = book.create_sheet(LISTS)
    exports.append(sheet, [str(_("List")), str(_("Code")), str(_("Meaning"))])
    for line in lists():
        exports.append(sheet, list(line))
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 60
    return exports.xlsx_bytes(book)


def template_bytes() -> bytes:
    return workbook()


def _code(term) -> str:
    return term.code if term is not None else ""


def _plain(value):
    if value is None:
        return ""
    if hasattr(value, "reveal"):
        value = value.reveal()
    return value


def _consents_and_needs(user, people) -> tuple[dict, dict]:
    """Person pk → their consents (where the reader sees them) and the service types they
    need, read through the policy."""
    from passerelle import policy
    from passerelle.referrals.models import Need

    shown = [p.pk for p, redacted in people if redacted.shows("consents")]
    consents: dict[int, list] = {}
    for consent in policy.scope(user, Consent.objects.filter(person__in=shown), "person.view"):
        consents.setdefault(consent.person_id, []).append(consent)
    needs: dict[int, set] = {}
    pks = [p.pk for p, _redacted in people]
    for person_id, service_type in policy.scope(
        user, Need.objects.filter(person__in=pks), "person.view"
    ).values_list("person_id", "service_type"):
        needs.setdefault(person_id, set()).add(service_type)
    return consents, needs


def _standing_consents(answers) -> tuple[list[str], list[str]]:
    latest: dict[str, Consent] = {}
    for consent in sorted(answers, key=lambda c: c.given_at):
        latest[consent.scope] = consent
    given = sorted(s for s, c in latest.items() if c.is_active)
    refused = sorted(s for s, c in latest.items() if not c.is_active)
    return given, refused


def export_rows(
    user, incidents: list, *, audit_reads: bool = True
) -> tuple[list[Col], list[Col], list[list], list[list]]:
    """The columns and rows of an export, from what `user` sees (policy.redact). A column the
    user does not see on every incident is left out; persons only when the user sees them on
    every incident, identities only when every person's identity is visible. Level-3/4
    reads are audited by `redact`, except with `audit_reads=False`: the import's comparison
    of a re-imported file with what its importer would export (`spreadsheets`), which
    shows nothing to anyone."""
    from functools import partial

    from passerelle import policy

    from .models import ImportedSubmission

    redact = partial(policy.redact, audit_reads=audit_reads)

    keys = dict(
        ImportedSubmission.objects.filter(incident__in=incidents, replaced_by="")
        .order_by("written_at")
        .values_list("incident_id", "key")
    )
    records = [redact(user, i) for i in incidents]
    full = all(r.level >= 3 for r in records)
    incident_cols = [c for c in incident_columns() if full or c.code not in LEVEL3_INCIDENT]
    with_persons = bool(records) and all(r.shows("persons") for r in records)
    people = []
    if with_persons:  # one query for the persons of every incident, through the policy
        found: dict[int, list] = {}
        persons = policy.scope(
            user, Person.objects.filter(incident__in=incidents), "person.view"
        ).select_related("age_group", "displacement_status", "incident__owner")
        for person in persons.order_by("incident_id", "code"):
            found.setdefault(person.incident_id, []).append(person)
        for incident in incidents:
            for person in found.get(incident.pk, []):
                people.append((incident, person, redact(user, person)))
    identities = all(all(p.shows(f) for f in IDENTITY_FIELDS) for *_x, p in people)
    person_cols = (
        [c for c in person_columns() if identities or c.code not in IDENTITY_FIELDS]
        if with_persons
        else []
    )
    # victims recorded as persons count in the cells (the import path's rule): a cell never
    # shows fewer victims than the persons it would have to cover
    recorded: dict[int, dict] = {}
    for incident, person, _shown in people:
        if person.role == Person.Role.VICTIM:
            cell = (person.sex, person.age_group.code if person.age_group else "unknown")
            tally = recorded.setdefault(incident.pk, {})
            tally[cell] = tally.get(cell, 0) + 1
    incident_rows = []
    for record, incident in zip(records, incidents, strict=True):
        counts = {(c.sex, c.age_group.code): c.count for c in record.victim_counts}
        for cell, number in recorded.get(incident.pk, {}).items():
            counts[cell] = max(counts.get(cell, 0), number)
        values = {
            "key": keys.get(incident.pk, incident.reference),
            "reference": incident.reference,
            "occurred_on": record.occurred_on,
            "date_precision": incident.date_precision,
            "reported_on": record.reported_on,
            "area": record.area.pcode if record.area is not None else "",
            "category": _code(record.category),
            "sub_type": _code(record.sub_type),
            "perpetrator": _code(record.perpetrator),
            "source_reliability": _code(record.source_reliability),
            "classification": record.classification,
        }
        if full:
            values.update(
                exact_location=_plain(record.exact_location),
                latitude=_plain(record.latitude),
                longitude=_plain(record.longitude),
                source_type=_code(record.source_type),
                narrative=_plain(record.narrative),
            )
        for sex in SEXES:
            for group in AGE_GROUPS:
                values[f"victims_{sex}_{group}"] = counts.get((sex, group)) or ""
        incident_rows.append([values.get(c.code, "") for c in incident_cols])
    consents, needs = _consents_and_needs(user, [(p, shown) for _i, p, shown in people])
    person_rows = []
    for incident, person, shown in people:
        given, refused = _standing_consents(consents.get(person.pk, []))
        values = {
            "incident_key": keys.get(incident.pk, incident.reference),
            "code": person.code,
            "role": person.role,
            "sex": person.sex,
            "age": person.age,
            "age_group": _code(person.age_group),
            "disability": person.disability,
            "displacement_status": _code(person.displacement_status),
            "consents_given": SEPARATOR.join(given),
            "consents_refused": SEPARATOR.join(refused),
            "needs": SEPARATOR.join(sorted(needs.get(person.pk, set()))),
        }
        if identities:
            values.update({f: _plain(getattr(shown, f)) or "" for f in IDENTITY_FIELDS})
        person_rows.append([values.get(c.code, "") for c in person_cols])
    return incident_cols, person_cols, incident_rows, person_rows
