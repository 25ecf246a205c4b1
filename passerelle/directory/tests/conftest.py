"""Fixtures for the directory tests: the mission's side (MINUSMA, its human rights division and
child protection section), the cluster's side (UNHCR, UNICEF, and DRC, the `org` fixture),
and a maker of focal points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from passerelle.accounts.tests.factories import OrganisationFactory

from ..models import FocalPoint, ThematicArea


@pytest.fixture(autouse=True)
def english():
    """Messages written by the services (events, refusals) are asserted in English; the tests
    that check the French say so with translation.override("fr")."""
    with translation.override("en"):
        yield


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def mission(db):
    return OrganisationFactory(
        acronym="MINUSMA",
        name="Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali",
        type="mission",
    )


@pytest.fixture
def hrd(mission):
    return OrganisationFactory(
        acronym="HRPD",
        name="Human Rights and Protection Division",
        type="mission_component",
        parent=mission,
    )


@pytest.fixture
def cps(mission):
    return OrganisationFactory(
        acronym="CPS", name="Child Protection Section", type="mission_component", parent=mission
    )


@pytest.fixture
def unhcr(db):
    return OrganisationFactory(
        acronym="UNHCR", name="Haut-Commissariat aux réfugiés", type="un_agency"
    )


@pytest.fixture
def unicef(db):
    return OrganisationFactory(
        acronym="UNICEF", name="Fonds des Nations unies pour l'enfance", type="un_agency"
    )


@pytest.fixture
def theme(db):
    """`theme(code)`: a thematic area seeded by the migration."""
    return lambda code: ThematicArea.objects.get(code=code)


@pytest.fixture
def make_fp(db, theme):
    """`make_fp(org, theme_code, name, areas=(), since=-30 days, until=None, **fields)`."""

    def make(organisation, code, name, *, areas=(), since=None, until=None, **fields):
        fp = FocalPoint.objects.create(
            organisation=organisation,
            thematic_area=theme(code),
            name=name,
            since=since or timezone.localdate() - dt.timedelta(days=30),
            until=until,
            **fields,
        )
        fp.areas.set(list(areas))
        return fp

    return make
