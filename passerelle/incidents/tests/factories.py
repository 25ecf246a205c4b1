"""Incidents and persons recorded through the services, so encryption and audit are real."""

from __future__ import annotations

import datetime as dt
import itertools

from passerelle.geography.models import Area
from passerelle.incidents import services
from passerelle.vocabularies.models import Term

_counter = itertools.count(1)


def term(vocabulary: str, code: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, code=code)


def category(code: str = "pm.attacks_on_civilians") -> Term:
    return term(Term.Vocabulary.CATEGORY, code)


def default_area() -> Area:
    """A cercle (admin 2); the Mali areas must be loaded (fixture `areas`)."""
    area = Area.objects.filter(level=2).order_by("pcode").first()
    if area is None:
        raise LookupError("No area loaded: use the `areas` fixture.")
    return area


def incident_factory(actor, *, organisation=None, victim_counts=None, **values):
    """Record an incident as `actor` (by default in the actor's first organisation)."""
    from passerelle import policy

    if organisation is None:
        organisation = policy.organisations(actor, "incident.create")[0]
    n = next(_counter)
    values.setdefault("occurred_on", dt.date(2013, 2, 14))
    values.setdefault("area", default_area())
    values.setdefault("category", category())
    values.setdefault("narrative", f"Tirs sur le marché numéro {n}; deux blessés.")
    values.setdefault("exact_location", f"Quartier Château {n}")
    return services.record_incident(
        actor, organisation=organisation, victim_counts=victim_counts, **values
    )


def person_factory(actor, incident, **values):
    """Add a person to an incident as `actor` (a victim with an identity by default)."""
    n = next(_counter)
    values.setdefault("role", "victim")
    values.setdefault("sex", "f")
    values.setdefault("age", 24)
    values.setdefault("full_name", f"Aminata Traoré-{n:04d}")
    values.setdefault("father_name", f"Boubacar Traoré-{n:04d}")
    values.setdefault("phone", f"+223 76 {n:02d} 41 07")
    return services.add_person(actor, incident, **values)
