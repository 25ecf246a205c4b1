"""The referrals family in the policy registry: the Python decision (`referral_level`,
`may_act`) and its SQL twin (`referral_condition`) agree on both sides of a referral, while
it is live and after its consent is withdrawn."""

from __future__ import annotations

import pytest

from passerelle import policy
from passerelle.incidents import services as incident_services
from passerelle.policy.testing import disagreements
from passerelle.referrals import services
from passerelle.referrals.models import Referral, Service

pytestmark = pytest.mark.django_db

ACTIONS = ["referral.view", "referral.create", "referral.respond"]


@pytest.fixture
def readers(world, monitor, org, other_org, user_with_role):
    return [
        monitor,
        user_with_role("org_admin", org),
        user_with_role("viewer", org),
        world["receiver"],
        world["triage"],
        user_with_role("case_worker", world["medical"].provider),
        user_with_role("case_worker", other_org),
    ]


@pytest.mark.parametrize("level", [2, 3, 4])
def test_referrals_answer_can_and_scope_alike(world, monitor, person, readers, level):
    incident_services.record_consent(monitor, person, scope="referral", given=True)
    services.create_referral(monitor, person, world["medical"], level=level)
    assert disagreements(readers, Referral.objects.all(), ACTIONS) == []
    incident_services.record_consent(monitor, person, scope="referral", given=False)
    policy.forget(monitor)
    assert disagreements(readers, Referral.objects.all(), ACTIONS) == []


def test_services_answer_can_and_scope_alike(world, readers, user_with_role, org):
    readers = [*readers, user_with_role("im_officer", org)]
    assert disagreements(readers, Service.objects.all(), ["service.view", "service.manage"]) == []
    for user in readers:
        for service in Service.objects.select_related("provider"):
            assert policy.can(user, "service.manage", service) == services.may_manage_service(
                user, service.provider
            )
