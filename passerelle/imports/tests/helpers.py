"""Rows as a source would give them, for the import path's tests (and the benchmark)."""

from __future__ import annotations

import datetime as dt
import uuid

from passerelle.imports.rows import IncidentIn, PersonIn


def row(n: int = 1, *, key: str | None = None, persons=None, **values) -> IncidentIn:
    """A valid protection-monitoring submission: an attack on civilians in a cercle."""
    base = {
        "occurred_on": dt.date(2013, 2, 1) + dt.timedelta(days=n % 300),
        "area": "ML0701",
        "category": "pm.attacks_on_civilians",
        "narrative": f"Tirs sur le marché numéro {n}.",
        "exact_location": f"Quartier {n}",
    }
    extra = {k: values.pop(k) for k in ("version", "replaces", "victim_counts") if k in values}
    base.update(values)
    return IncidentIn(
        key=key or f"uuid:{uuid.UUID(int=n)}",
        row=n + 1,
        values=base,
        persons=list(persons or []),
        columns={"occurred_on": "date_incident", "area": "cercle", "persons.0.full_name": "nom"},
        **extra,
    )


def victim(n: int = 1, *, identity: bool = True, **fields) -> PersonIn:
    values = {"role": "victim", "sex": "f", "age": 24}
    if identity:
        values.update(full_name=f"Aminata Traoré-{n:05d}", phone=f"+223 76 {n % 100:02d} 41 07")
    values.update(fields)
    return PersonIn(**values)
