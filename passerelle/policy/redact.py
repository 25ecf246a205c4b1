"""Read-only views of records with hidden fields removed, coarsened or decrypted.

`redact(user, obj)` is what templates and exports render. A field the user may
not see is absent (None and listed in `.hidden`); an encrypted field the user may
see is decrypted here, and reading level-3/4 content is audited once per view.
"""

from __future__ import annotations

from passerelle.core import audit
from passerelle.core.fields import OpenedRows, reveal

from .fields import INCIDENT_FIELDS, PERSON_FIELDS
from .gate import clearance, scope, visible_fields


class Redacted:
    """Attribute access limited to visible fields; `level` is the reader's clearance."""

    def __init__(self, obj, values: dict, hidden: set, level: int):
        self._obj = obj
        self._values = values
        self.hidden = hidden
        self.level = level
        self.public_id = obj.public_id

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        if name in self.__dict__.get("hidden", set()):
            return None
        raise AttributeError(name)

    def shows(self, name: str) -> bool:
        return name in self._values


def _coarse_area(area, level: int):
    if level < 3 and area is not None and area.level > 2:
        return area.ancestor_at(2)
    return area


def redact(user, obj, **options):
    """What the user may see of a record of any family that shows fields (see gate.redact)."""
    from .gate import redact as dispatch

    return dispatch(user, obj, **options)


def redact_record(user, obj, *, audit_reads: bool = True) -> Redacted:
    """`redact` for incidents and persons (the records family)."""
    from .gate import _mark_scoped, _model
    from .registry import family_of

    is_incident = family_of(obj).record_path == ""
    table = INCIDENT_FIELDS if is_incident else PERSON_FIELDS
    visible = visible_fields(user, obj)
    level = clearance(user, obj)
    values = {}
    for name in table:
        if name not in visible:
            continue
        if name == "persons":
            persons = _model("incidents.Person").objects.filter(incident=obj)
            values[name] = scope(user, persons, "person.view")
            continue
        if name in {"verification_history", "consents"}:
            # Level-3 rows whose free-text note is sealed: opened here, at their level.
            # The consents are guarded: shown because the reader may see this field.
            values[name] = OpenedRows(_mark_scoped(getattr(obj, name).all()), "note")
            continue
        if name == "victim_counts":
            values[name] = getattr(obj, name).all()
            values["victim_total"] = sum(c.count for c in values[name])
            continue
        value = getattr(obj, name)
        field = obj._meta.get_field(name)
        if getattr(field, "choices", None):
            values[f"{name}_display"] = getattr(obj, f"get_{name}_display")()
        if name == "area":
            value = _coarse_area(value, level)
        values[name] = reveal(value) if _is_sealed(value) else value
    shown_level = max((table[n] for n in values if n in table), default=0)
    if audit_reads and shown_level >= 3:
        record = obj if is_incident else obj.incident
        audit.record(
            user,
            "incident.read" if is_incident else "person.read",
            obj,
            organisation=record.owner,
            level=shown_level,
            detail={"fields": sorted(n for n in values if table.get(n, 0) >= 3)},
        )
    return Redacted(obj, values, set(table) - set(values), level)


def open_notes(user, rows, *names: str, action: str, audit_as: str | None = None):
    """Rows listed under `action` (already scoped by the policy for `user`) with their sealed
    free-text fields opened, for lists whose action grants the level of those notes: the
    break-glass reasons shown to the reviewing administrator. With `audit_as`, the read of
    these level-3 notes is audited once, in the log of each organisation the rows belong to
    (rows with an `organisation_id`)."""
    from django.core.exceptions import PermissionDenied

    from .gate import can, organisations

    if not can(user, action):
        raise PermissionDenied
    if audit_as:
        listed = list(rows)  # evaluated once: the opened rows below reuse the result
        if listed:
            ids = {row.organisation_id for row in listed}
            audit.record_each(
                user,
                audit_as,
                None,
                organisations=[o for o in organisations(user, action) if o.pk in ids],
                level=3,
                detail={"records": [str(row.public_id) for row in listed]},
            )
    return OpenedRows(rows, *names)


def _is_sealed(value) -> bool:
    from passerelle.core.fields import Sealed

    return isinstance(value, Sealed)
