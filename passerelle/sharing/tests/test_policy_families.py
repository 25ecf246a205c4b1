"""The sharing app's families in the policy registry: disclosures, break-glass accesses and
protocols answer `can` and `scope` alike, and a break-glass access of another organisation
answers exactly like a missing one."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from passerelle import policy
from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.policy.purposes import Purpose
from passerelle.policy.testing import disagreements
from passerelle.sharing import services
from passerelle.sharing.models import BreakGlass, Disclosure, PartyRole, Protocol
from passerelle.sharing.tests.factories import protocol_factory

pytestmark = pytest.mark.django_db

REASON = "La survivante est menacée ce soir; orientation d'urgence vers un abri."


@pytest.fixture
def hrd(db):
    return OrganisationFactory(acronym="HRD", name="MINUSMA Human Rights Division")


@pytest.fixture
def protocol(org, hrd, areas):
    return protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 4, [Purpose.VERIFICATION])],
        areas=[areas["ML07"]],
    )


@pytest.fixture
def access(incident, person, user_with_role):
    colleague = user_with_role("monitor", username="drc.colleague")
    return services.open_break_glass(colleague, incident, reason=REASON, hours=2)


def _review(client, public_id):
    url = reverse("sharing:break_glass_review", kwargs={"public_id": public_id})
    return client.post(url, {"note": "Justifié"})


def test_another_organisations_break_glass_access_answers_like_a_missing_one(
    access, other_org, user_with_role, client_for
):
    outsider = client_for(user_with_role("org_admin", other_org))
    foreign = _review(outsider, access.public_id)
    missing = _review(outsider, uuid.uuid4())
    assert foreign.status_code == missing.status_code == 404
    access.refresh_from_db()
    assert access.reviewed_at is None
    refusal = AuditEvent.objects.filter(action="access.refused").latest("seq")
    assert refusal.detail["action"] == "breakglass.review"
    assert refusal.organisation_id == access.organisation_id  # the owner sees the attempt


def test_the_organisations_own_administrator_reviews_the_access(access, user_with_role, client_for):
    admin = user_with_role("org_admin")
    assert _review(client_for(admin), access.public_id).status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == admin


def test_break_glass_can_and_scope_agree(access, org, other_org, user_with_role):
    users = [
        user_with_role("org_admin"),
        user_with_role("viewer"),
        user_with_role("org_admin", other_org),
    ]
    assert disagreements(users, BreakGlass.objects.all(), ["breakglass.review"]) == []


def test_disclosure_can_and_scope_agree(
    incident, person, protocol, hrd, org, other_org, user_with_role, monitor
):
    from passerelle.incidents import services as incident_services

    incident_services.update_incident(monitor, incident, classification=2)
    incident.refresh_from_db()
    sharer = user_with_role("verifier")
    services.share_incident(
        sharer,
        incident,
        protocol=protocol,
        recipient=hrd,
        purpose=Purpose.VERIFICATION,
        level=2,
    )
    users = [
        sharer,
        user_with_role("org_admin"),
        user_with_role("viewer"),
        user_with_role("viewer", hrd),
        user_with_role("org_admin", other_org),
    ]
    actions = ["disclosure.view", "incident.share", "incident.view"]
    assert disagreements(users, Disclosure.objects.all(), actions) == []
    with unscoped():
        disclosure = Disclosure.objects.get()
    assert policy.can(users[3], "incident.view", disclosure)
    assert not policy.can(users[3], "incident.share", disclosure)


def test_protocol_can_and_scope_agree(protocol, org, hrd, other_org, user_with_role):
    from passerelle.accounts.models import Membership
    from passerelle.accounts.tests.factories import UserFactory

    sysadmin = UserFactory()
    Membership.objects.create(user=sysadmin, organisation=other_org, role="system_admin")
    users = [
        user_with_role("org_admin"),
        user_with_role("org_admin", other_org),
        user_with_role("viewer"),
        sysadmin,
    ]
    actions = ["protocol.view", "protocol.manage"]
    assert disagreements(users, Protocol.objects.all(), actions) == []
    for user in users:
        assert policy.can(user, "protocol.manage", protocol) == services.may_manage(user, protocol)
