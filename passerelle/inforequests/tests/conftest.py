"""The requests register's world: the mission (MINUSMA) and two of its components (HRD, the
human-rights division that asks, and CPS, a sister component), UNHCR (the cluster lead that
answers), AMSS (the `other_org` fixture, an outsider), and a maker of requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.directory.models import FocalPoint, ThematicArea
from passerelle.incidents.tests.factories import incident_factory
from passerelle.policy.purposes import Purpose
from passerelle.sharing.models import Disclosure, PartyRole
from passerelle.sharing.tests.factories import protocol_factory

from .. import services


@pytest.fixture(autouse=True)
def english():
    """Messages written by the services (events, refusals) are asserted in English; the tests
    that check the French say so with translation.override("fr")."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db, areas, other_org, user_with_role):
    mission = OrganisationFactory(acronym="MINUSMA", name="MINUSMA", type="mission")
    hrd = OrganisationFactory(
        acronym="HRD", name="Human Rights Division", type="mission_component", parent=mission
    )
    cps = OrganisationFactory(
        acronym="CPS", name="Child Protection Section", type="mission_component", parent=mission
    )
    unhcr = OrganisationFactory(acronym="UNHCR", name="UNHCR", type="un_agency")
    return {
        "mission": mission,
        "hrd": hrd,
        "cps": cps,
        "unhcr": unhcr,
        "outsider_org": other_org,
        # the asking side
        "asker": user_with_role("monitor", hrd, username="hrd.officer"),
        "hrd_viewer": user_with_role("viewer", hrd, username="hrd.viewer"),
        "sister": user_with_role("monitor", cps, username="cps.officer"),
        # the answering side
        "fp": user_with_role("focal_point", unhcr, username="unhcr.fp"),
        "admin": user_with_role("org_admin", unhcr, username="unhcr.admin"),
        "unhcr_viewer": user_with_role("viewer", unhcr, username="unhcr.viewer"),
        "unhcr_monitor": user_with_role("monitor", unhcr, username="unhcr.monitor"),
        # neither
        "outsider": user_with_role("focal_point", other_org, username="amss.fp"),
        "sysadmin": user_with_role("system_admin", unhcr, username="sysadmin"),
    }


@pytest.fixture
def theme(db):
    return lambda code: ThematicArea.objects.get(code=code)


@pytest.fixture
def ask(world, areas, theme):
    """`ask(actor=HRD officer, **values)`: file a request (HRD asks UNHCR by default)."""

    def make(actor=None, **values):
        values.setdefault("asker", world["hrd"])
        values.setdefault("addressee", world["unhcr"])
        values.setdefault("kind", "information")
        values.setdefault("thematic_area", theme("durable_solutions"))
        values.setdefault("data_category", "")
        values.setdefault("level", 1)
        values.setdefault("purpose", Purpose.ANALYSIS)
        values.setdefault("area", areas["ML07"])
        values.setdefault("period_start", None)
        values.setdefault("period_end", None)
        values.setdefault("subject", "Nombre de personnes déplacées dans la région de Gao")
        values.setdefault(
            "body", "Merci de partager les chiffres des PDI par cercle pour le rapport mensuel."
        )
        return services.file_request(actor or world["asker"], **values)

    return make


@pytest.fixture
def make_fp(theme):
    """`make_fp(org, theme_code, name, areas=(), user=None, **fields)`: a current focal point."""

    def make(organisation, code, name, *, areas=(), **fields):
        fields.setdefault("since", timezone.localdate() - dt.timedelta(days=30))
        fp = FocalPoint.objects.create(
            organisation=organisation, thematic_area=theme(code), name=name, **fields
        )
        fp.areas.set(list(areas))
        return fp

    return make


@pytest.fixture
def protocol(world, areas):
    """UNHCR (cluster member) and HRD (mission human rights): HRD may receive every category
    up to level 3, for analysis and verification, in the Gao region."""
    return protocol_factory(
        {world["unhcr"]: PartyRole.CLUSTER_MEMBER, world["hrd"]: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 3, [Purpose.ANALYSIS, Purpose.VERIFICATION])],
        areas=[areas["ML07"]],
    )


@pytest.fixture
def disclose(world, areas):
    """`disclose(protocol, recipient, owner_user=UNHCR monitor, level=2, **fields)`: an
    incident of the owner's organisation shared with the recipient."""

    def make(protocol, recipient, owner_user=None, level=2, **fields):
        owner_user = owner_user or world["unhcr_monitor"]
        incident = incident_factory(owner_user, area=areas["ML0701"], classification=2)
        fields.setdefault("expires_at", timezone.now() + dt.timedelta(days=30))
        return Disclosure.objects.create(
            protocol=protocol,
            incident=incident,
            owner=incident.owner,
            recipient=recipient,
            recipient_role=sorted(protocol.party_roles(recipient))[0],
            purpose=Purpose.ANALYSIS,
            level=level,
            disclosed_by=owner_user,
            **fields,
        )

    return make
