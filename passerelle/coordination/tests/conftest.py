"""Fixtures for the coordination tests: the places bodies meet in, the mission and a UN
agency beside the global `org` (DRC, an INGO) and `other_org` (AMSS), and makers for bodies
and risk analyses recorded directly (test set-up; the services are tested on their own)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from passerelle.accounts.models import Organisation
from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.geography.models import Area

HUBS = {
    "bamako": ("ML09", "Bamako"),
    "mopti": ("ML05", "Mopti"),
    "gao": ("ML07", "Gao"),
    "tombouctou": ("ML06", "Tombouctou"),
}


@pytest.fixture(autouse=True)
def english():
    """Messages written by the services (events, refusals) are asserted in English; the tests
    that check the French say so with translation.override("fr")."""
    with translation.override("en"):
        yield


@pytest.fixture
def hubs(db):
    """The capital and the field hubs (regions), by name; created if not loaded already."""
    country, _ = Area.objects.get_or_create(
        pcode="ML", defaults={"name_fr": "Mali", "name_en": "Mali", "level": 0}
    )
    found = {}
    for key, (pcode, name) in HUBS.items():
        found[key], _ = Area.objects.get_or_create(
            pcode=pcode,
            defaults={"name_fr": name, "name_en": name, "level": 1, "parent": country},
        )
    return found


@pytest.fixture
def mission(db):
    return OrganisationFactory(
        acronym="MINUSMA",
        name="Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali",
        type=Organisation.Type.MISSION,
    )


@pytest.fixture
def mission_component(mission):
    return OrganisationFactory(
        acronym="MINUSMA-DDH",
        name="Division des droits de l'homme de la MINUSMA",
        type=Organisation.Type.MISSION_COMPONENT,
        parent=mission,
    )


@pytest.fixture
def un_agency(db):
    return OrganisationFactory(
        acronym="UNHCR",
        name="Haut-Commissariat des Nations unies pour les réfugiés",
        type=Organisation.Type.UN_AGENCY,
    )


@pytest.fixture
def make_body(hubs):
    """`make_body(acronym, chair, kind="cluster", place=None, co_chair=None, **fields)`."""
    from passerelle.coordination.models import Body

    def make(acronym, chair, *, kind="cluster", place=None, co_chair=None, **fields):
        return Body.objects.create(
            name=fields.pop("name", f"Body {acronym}"),
            acronym=acronym,
            kind=kind,
            place=place or hubs["bamako"],
            chair=chair,
            co_chair=co_chair,
            **fields,
        )

    return make


@pytest.fixture
def make_membership():
    """`make_membership(body, organisation, status="member", since=None, until=None, risk=None)`
    recorded directly, without the risk rule."""
    from passerelle.coordination.models import BodyMembership

    def make(body, organisation, *, status="member", since=None, until=None, risk=None):
        return BodyMembership.objects.create(
            body=body,
            organisation=organisation,
            status=status,
            since=since or timezone.localdate() - dt.timedelta(days=30),
            until=until,
            risk=risk,
        )

    return make


@pytest.fixture
def make_risk():
    """`make_risk(organisation, body=None, next_review=None, status="open", shared_with=(),
    **fields)`: an engagement risk analysis recorded directly."""
    from passerelle.coordination.models import EngagementRisk

    def make(organisation, *, body=None, next_review=None, status="open", shared_with=(), **kw):
        values = {
            "title": "Perception of alignment with the mission",
            "principle": "neutrality",
            "likelihood": 3,
            "impact": 4,
        }
        values.update(kw)
        risk = EngagementRisk.objects.create(
            organisation=organisation,
            body=body,
            next_review=next_review or timezone.localdate() + dt.timedelta(days=90),
            status=status,
            **values,
        )
        risk.shared_with.set(shared_with)
        return risk

    return make
