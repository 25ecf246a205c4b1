"""THE sharing matrix: roles × organisation (owner, partner under the protocol, partner outside
it, mission component, government) × shared record × channel (page, person page, "shared with
us" list, export).

Expectations are computed from the roles table and the protocol, never written per role:

* owner: the foundation's rule (role level; identities only for the named, here nobody);
* partner under the protocol (HRD): min(level disclosed, consent of every person, own role's
  level; 3 unless the user is the disclosure's named recipient), for read actions only;
* mission component (party, aggregates only), partner outside and government: nothing.

A record is visible at level >= max(2, its classification); its narrative from level 3; a
person page from level 3 with `person.view`; identities at level 4 with
`person.view_identity`. There is no REST API yet: the matrix covers it when one exists.
"""

from __future__ import annotations

import csv
import io
import itertools
import uuid

import pytest
from django.urls import reverse
from testkit import rolled_back

from passerelle import policy
from passerelle.accounts.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Consent
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.incidents.tests.fixtures import logged_in_client
from passerelle.policy.purposes import ForbiddenPurpose, Purpose
from passerelle.policy.roles import ROLES
from passerelle.sharing import aggregates, services
from passerelle.sharing.models import PartyRole
from passerelle.sharing.tests.factories import protocol_factory

pytestmark = pytest.mark.django_db

RELATIONS = ("owner", "partner", "outside", "mission_component", "government")

# key -> (classification, level disclosed to the partner, consent given, withdrawn afterwards)
RECORDS = {
    "summary": (2, 2, None, False),
    "case": (3, 3, Consent.Scope.CASE_SHARING, False),
    "identified": (4, 4, Consent.Scope.IDENTIFIABLE_SHARING, False),
    "withdrawn": (3, 3, Consent.Scope.CASE_SHARING, True),
    "never_shared": (2, None, None, False),
}
CHANNELS = ("page", "person", "list", "export")


# --------------------------------------------------------------------------- expectations


def _role_level(role: str, action: str) -> int:
    return ROLES[role].level if action in ROLES[role].actions else -1


def expected_level(role: str, relation: str, record: str, named: bool, action: str) -> int:
    classification, disclosed, _consent, withdrawn = RECORDS[record]
    if relation == "owner":
        level = _role_level(role, action)
        return min(level, 3)  # nobody in the matrix is named on the owner's records
    if relation != "partner" or disclosed is None or withdrawn:
        return -1
    if action not in policy.gate.SHARED_ACTIONS:
        return -1
    level = min(disclosed, _role_level(role, action))
    if not named:
        level = min(level, 3)
    return level


def expected_visible(role, relation, record, named, action="incident.view") -> bool:
    classification = RECORDS[record][0]
    needed = max(2, classification)
    if action == "person.view":
        needed = max(3, classification)
    if action == "person.view_identity":
        needed = 4
    return expected_level(role, relation, record, named, action) >= needed


# --------------------------------------------------------------------------- the world


def _build():
    load_mali()
    orgs = {
        "owner": OrganisationFactory(acronym="SXOWN", name="Sharing owner"),
        "partner": OrganisationFactory(acronym="SXHRD", name="Mission human rights"),
        "outside": OrganisationFactory(acronym="SXOUT", name="Partner outside the protocol"),
        "mission_component": OrganisationFactory(acronym="SXJOC", name="Mission component"),
        "government": OrganisationFactory(acronym="SXGOV", name="Ministry", type="government"),
    }
    protocol = protocol_factory(
        {
            orgs["owner"]: PartyRole.CLUSTER_MEMBER,
            orgs["partner"]: PartyRole.MISSION_HUMAN_RIGHTS,
            orgs["mission_component"]: PartyRole.MISSION_COMPONENT,
        },
        [
            (PartyRole.MISSION_HUMAN_RIGHTS, "*", 4, [Purpose.VERIFICATION]),
            (PartyRole.MISSION_COMPONENT, "*", 1, [Purpose.ANALYSIS]),
        ],
        areas=list(Area.objects.filter(level=0)),
    )
    recorder = UserFactory(username="sx.recorder")
    MembershipFactory(user=recorder, organisation=orgs["owner"], role="monitor")
    sharer = UserFactory(username="sx.sharer")
    MembershipFactory(user=sharer, organisation=orgs["owner"], role="verifier")
    manager = UserFactory(username="sx.manager")
    MembershipFactory(user=manager, organisation=orgs["owner"], role="org_admin")

    users = {}
    for role, relation in itertools.product(ROLES, RELATIONS):
        user = UserFactory(username=f"sx.{relation}.{role}")
        MembershipFactory(user=user, organisation=orgs[relation], role=role)
        users[(role, relation)] = user
    named = users[("monitor", "partner")]  # the named recipient of identities

    records, persons, narratives, names = {}, {}, {}, {}
    for key, (classification, disclosed, consent, withdrawn) in RECORDS.items():
        narratives[key] = f"Narrative {key} karité {uuid.uuid4().hex[:8]}"
        names[key] = f"Kadiatou Bah {key} {uuid.uuid4().hex[:6]}"
        incident = incident_factory(
            recorder,
            organisation=orgs["owner"],
            classification=classification,
            narrative=narratives[key],
        )
        person = person_factory(recorder, incident, full_name=names[key])
        given = None
        if consent:
            given = incident_services.record_consent(recorder, person, scope=consent, given=True)
        if disclosed:
            if disclosed >= 4:
                incident_services.set_need_to_know(manager, incident, user=sharer, named=True)
            services.share_incident(
                sharer,
                incident,
                protocol=protocol,
                recipient=orgs["partner"],
                purpose=Purpose.VERIFICATION,
                level=disclosed,
                recipient_user=named if disclosed >= 4 else None,
            )
        if withdrawn:
            incident_services.withdraw_consent(recorder, given)
        records[key], persons[key] = incident, person
    clients = {key: logged_in_client(user) for key, user in users.items()}
    return {
        "users": users,
        "named": named,
        "clients": clients,
        "records": records,
        "persons": persons,
        "narratives": narratives,
        "names": names,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield _build()


# --------------------------------------------------------------------------- the matrix

CASES = [
    pytest.param(role, relation, record, channel, id=f"{role}-{relation}-{record}-{channel}")
    for role, relation, record, channel in itertools.product(ROLES, RELATIONS, RECORDS, CHANNELS)
]


@pytest.mark.parametrize("role, relation, record, channel", CASES)
def test_sharing_matrix(world, role, relation, record, channel):
    user = world["users"][(role, relation)]
    client = world["clients"][(role, relation)]
    named = user == world["named"]
    incident, person = world["records"][record], world["persons"][record]
    narrative, full_name = world["narratives"][record], world["names"][record]
    visible = expected_visible(role, relation, record, named)

    if channel == "page":
        response = client.get(reverse("incidents:detail", kwargs={"public_id": incident.public_id}))
        if "incident.view" not in ROLES[role].actions:
            assert response.status_code == 403
            return
        assert response.status_code == (200 if visible else 404)
        body = response.content.decode()
        level = expected_level(role, relation, record, named, "incident.view")
        assert (narrative in body) == (visible and level >= 3)
        assert full_name not in body  # identities only on the person page
        assert policy.can(user, "incident.view", incident) == visible

    elif channel == "person":
        response = client.get(reverse("incidents:person", kwargs={"public_id": person.public_id}))
        if "person.view" not in ROLES[role].actions:
            assert response.status_code == 403
            return
        can_open = expected_visible(role, relation, record, named, "person.view")
        assert response.status_code == (200 if can_open else 404)
        identity = expected_visible(role, relation, record, named, "person.view_identity")
        assert (full_name in response.content.decode()) == (can_open and identity)

    elif channel == "list":
        response = client.get(reverse("sharing:received"))
        if "incident.view" not in ROLES[role].actions:
            assert response.status_code == 403
            return
        shown = incident.reference in response.content.decode()
        assert shown == (visible and relation == "partner")
        assert narrative not in response.content.decode()

    else:  # export
        response = client.get(reverse("sharing:export"), {"which": "received"})
        if "incident.export" not in ROLES[role].actions:
            assert response.status_code == 403
            return
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        references = {row[0] for row in rows[2:]}
        assert (incident.reference in references) == (visible and relation == "partner")
        assert narrative not in response.content.decode()
        assert full_name not in response.content.decode()


def test_the_matrix_is_large_enough():
    assert len(CASES) >= 400


@pytest.mark.parametrize("relation", ["outside", "mission_component", "government"])
def test_sharing_outside_the_protocol_is_refused_with_the_reason(world, relation):
    sharer = world["users"][("verifier", "owner")]
    incident = world["records"]["never_shared"]
    recipient = world["users"][("viewer", relation)].memberships.get().organisation
    with unscoped():  # disclosures are guarded: the test reads the protocol of one
        protocol = incident.disclosures.model.objects.first().protocol
    with pytest.raises(services.SharingRefused) as refused:
        services.share_incident(
            sharer,
            incident,
            protocol=protocol,
            recipient=recipient,
            purpose=Purpose.VERIFICATION,
            level=2,
        )
    expected = "above_protocol_level" if relation == "mission_component" else "recipient_not_party"
    assert expected in refused.value.codes


# --------------------------------------------------------------------------- statistics

FORBIDDEN_PURPOSES = (Purpose.INTELLIGENCE, Purpose.TARGETING, Purpose.SCREENING)
AGGREGATE_CASES = [
    pytest.param(role, relation, purpose, id=f"{role}-{relation}-{purpose}")
    for role, relation, purpose in itertools.product(
        ROLES, ("partner", "mission_component"), (Purpose.ANALYSIS, *FORBIDDEN_PURPOSES)
    )
    if "aggregate.view" in ROLES[role].actions
]


def _owner_refusals(world):
    owner = world["records"]["summary"].owner
    return AuditEvent.objects.filter(action="aggregate.refused", organisation=owner)


@pytest.mark.parametrize("role, relation, purpose", AGGREGATE_CASES)
def test_statistics_matrix(world, role, relation, purpose):
    """The mission component counts the owner's records for analysis (its rule is level 1);
    the partner's rule is for verification, so nothing for analysis. A forbidden purpose is
    refused for both, at every level, and the refusal reaches the owner's audit log."""
    user = world["users"][(role, relation)]
    if purpose in FORBIDDEN_PURPOSES:
        with pytest.raises(ForbiddenPurpose):
            aggregates.build(user, purpose=purpose, rows="area", columns="sex")
        assert _owner_refusals(world).filter(actor=user).count() == 1
        return
    result = aggregates.build(user, purpose=purpose, rows="area", columns="sex")
    owners = {i.owner_id for i in policy.aggregate_scope(user, purpose)[0]}
    assert bool(owners) == (relation == "mission_component")
    assert not _owner_refusals(world).exists()
    assert result.table.total.value is not None or result.table.total.suppressed


def test_statistics_hand_written_rows(world):
    """Written from docs/data-protection.md, not from the expectation above."""
    component = world["users"][("viewer", "mission_component")]
    owner = world["records"]["summary"].owner
    # sx.mission_component.viewer counts the owner's five records for analysis ...
    scope, _k, protocols = policy.aggregate_scope(component, Purpose.ANALYSIS)
    assert scope.filter(owner=owner).count() == len(RECORDS) and len(protocols) == 1
    # ... and nothing for targeting: refused, one event in the owner's log and one in its own.
    with pytest.raises(ForbiddenPurpose):
        policy.aggregate_scope(component, Purpose.TARGETING)
    events = AuditEvent.objects.filter(action="aggregate.refused", actor=component)
    assert sorted(e.organisation.acronym for e in events) == ["SXHRD", "SXJOC", "SXOWN"]
    # the page says why, in French, and shows no table
    client = world["clients"][("viewer", "mission_component")]
    page = client.get(
        reverse("sharing:aggregates"),
        {
            "purpose": Purpose.INTELLIGENCE,
            "rows": "area",
            "columns": "sex",
            "area_level": 1,
            "period": "quarter",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert page.status_code == 403 and "<table" not in page.content.decode()


# Hand-written rows for the record channels, from docs/data-protection.md ("Sharing under a
# protocol") and docs/authorization.md, NOT from `expected_level`: (role, relation, record,
# channel) -> (status, narrative shown, name shown).
HAND_WRITTEN = [
    # the partner under the protocol reads what was disclosed, at most its role's level
    ("viewer", "partner", "summary", "page", 200, False, False),
    ("viewer", "partner", "case", "page", 404, False, False),
    ("case_worker", "partner", "case", "page", 200, True, False),
    ("case_worker", "partner", "case", "person", 200, False, False),
    # identities reach only the named recipient of a level-4 disclosure
    ("monitor", "partner", "identified", "person", 200, False, True),
    ("case_worker", "partner", "identified", "person", 404, False, False),
    # a withdrawn consent, or a record never shared, shows nothing to the partner
    ("case_worker", "partner", "withdrawn", "page", 404, False, False),
    ("verifier", "partner", "never_shared", "page", 404, False, False),
    # the mission component is a party for aggregates only; others are not parties at all
    ("case_worker", "mission_component", "summary", "page", 404, False, False),
    ("org_admin", "outside", "summary", "page", 404, False, False),
    ("viewer", "government", "summary", "page", 404, False, False),
    # the owner's unnamed monitor: case details, no identity even on a level-4 record
    ("monitor", "owner", "case", "page", 200, True, False),
    ("monitor", "owner", "identified", "person", 404, False, False),
]


@pytest.mark.parametrize(
    "role, relation, record, channel, status, shows_narrative, shows_name",
    [pytest.param(*row, id="-".join(row[:4])) for row in HAND_WRITTEN],
)
def test_hand_written_rows(
    world, role, relation, record, channel, status, shows_narrative, shows_name
):
    client = world["clients"][(role, relation)]
    target = world["records"][record] if channel == "page" else world["persons"][record]
    name = "incidents:detail" if channel == "page" else "incidents:person"
    response = client.get(reverse(name, kwargs={"public_id": target.public_id}))
    body = response.content.decode()
    assert response.status_code == status
    assert (world["narratives"][record] in body) is shows_narrative
    assert (world["names"][record] in body) is shows_name
