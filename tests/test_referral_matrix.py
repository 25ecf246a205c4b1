"""THE referral matrix: every role × side (referring organisation, provider, outsider) ×
level of the referral, read through the referral page.

Expectations come from the roles table and the rule of policy/referrals.py, never written
per role:
* the referring side sees a referral as it sees the person (`person.view`; identities only
  for those named on the incident — nobody here but the recorder);
* the provider side, for roles holding `referral.respond`, sees min(the referral's level, its
  role's level), and level 4 only for the named receiver;
* anyone else gets a 404, audited (a 403, audited, for a role holding neither referral
  action: the pages declare `referral.create` or `referral.respond`).
"""

from __future__ import annotations

import itertools

import pytest
from testkit import rolled_back

from passerelle.accounts.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from passerelle.core.models import AuditEvent
from passerelle.geography.loader import load_mali
from passerelle.geography.models import Area
from passerelle.incidents import services as incident_services
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.incidents.tests.fixtures import logged_in_client
from passerelle.policy.purposes import Purpose
from passerelle.policy.roles import ACTION_LEVEL, ROLES
from passerelle.referrals import services
from passerelle.referrals.models import ServiceType
from passerelle.referrals.tests.factories import service_factory
from passerelle.sharing.tests.factories import protocol_factory

pytestmark = pytest.mark.django_db

SIDES = ("sender", "provider", "outsider")
REFERRAL_ACTIONS = {"referral.create", "referral.respond"}  # the referral pages' declaration
LEVELS = (2, 3, 4)
SUMMARY = "Résumé {level}: soins dans les 72 heures, venir accompagnée."
NAME = "Kadiatou Diallo niveau {level}"


def expected_level(role: str, side: str, level: int, is_receiver: bool = False) -> int:
    spec = ROLES[role]
    if side == "sender":
        may_view = "person.view" in spec.actions and spec.level >= ACTION_LEVEL["person.view"]
        return min(spec.level, 3) if may_view else -1  # nobody here is named on the incident
    if side == "provider" and "referral.respond" in spec.actions:
        return min(level, spec.level, 4 if is_receiver else 3)
    return -1


def _build():
    load_mali()
    gao = Area.objects.get(pcode="ML07")
    orgs = {
        "sender": OrganisationFactory(acronym="RXSND"),
        "provider": OrganisationFactory(acronym="RXPRV"),
        "outsider": OrganisationFactory(acronym="RXOUT"),
    }
    recorder = UserFactory(username="rx.recorder")
    MembershipFactory(user=recorder, organisation=orgs["sender"], role="monitor")
    receiver = UserFactory(username="rx.receiver")
    MembershipFactory(user=receiver, organisation=orgs["provider"], role="case_worker")
    protocol_factory(
        {orgs["sender"]: "cluster_member", orgs["provider"]: "gbv_provider"},
        [("gbv_provider", "*", 4, [Purpose.RESPONSE])],
        areas=[gao],
    )
    service = service_factory(
        orgs["provider"], service_type=ServiceType.MEDICAL, areas=[gao], receiver=receiver
    )
    incident = incident_factory(
        recorder, organisation=orgs["sender"], area=Area.objects.get(pcode="ML0701")
    )
    referrals = {}
    for level in LEVELS:
        person = person_factory(recorder, incident, full_name=NAME.format(level=level))
        incident_services.record_consent(recorder, person, scope="referral", given=True)
        referrals[level] = services.create_referral(
            recorder, person, service, level=level, summary=SUMMARY.format(level=level)
        )
    users = {}
    for role, side in itertools.product(ROLES, SIDES):
        user = UserFactory(username=f"rx.{side}.{role}")
        MembershipFactory(user=user, organisation=orgs[side], role=role)
        users[(role, side)] = user
    clients = {key: logged_in_client(user) for key, user in users.items()}
    clients["receiver"] = logged_in_client(receiver)
    return {"users": users, "clients": clients, "referrals": referrals, "receiver": receiver}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield _build()


def _check(client, referral, level: int, seen: int, role: str | None = None):
    page = client.get(f"/referrals/{referral.public_id}/")
    if seen < 1:
        # a role holding neither referral action is refused by the view's declaration (403,
        # as for a missing referral); any other refusal is the same 404 as a missing one
        holds = role is None or not ROLES[role].actions.isdisjoint(REFERRAL_ACTIONS)
        assert page.status_code == (404 if holds else 403)
        return
    assert page.status_code == 200
    body = page.content.decode()
    assert (SUMMARY.format(level=level) in body) == (seen >= 3)
    assert (NAME.format(level=level) in body) == (seen >= 4)
    assert referral.reference in body


@pytest.mark.parametrize(
    "role, side, level",
    [
        pytest.param(role, side, level, id=f"{role}-{side}-l{level}")
        for role, side, level in itertools.product(ROLES, SIDES, LEVELS)
    ],
)
def test_referral_matrix(world, role, side, level):
    referral = world["referrals"][level]
    seen = expected_level(role, side, level)
    before = AuditEvent.objects.filter(action="access.refused").count()
    _check(world["clients"][(role, side)], referral, level, seen, role)
    if seen < 1:
        assert AuditEvent.objects.filter(action="access.refused").count() == before + 1


@pytest.mark.parametrize("level", LEVELS)
def test_the_named_receiver(world, level):
    referral = world["referrals"][level]
    _check(
        world["clients"]["receiver"],
        referral,
        level,
        expected_level("case_worker", "provider", level, is_receiver=True),
    )


def test_the_matrix_is_not_trivial():
    """Each outcome occurs: 404, stub-free level 2, level 3 and level 4."""
    outcomes = {
        expected_level(role, side, level, is_receiver=r)
        for role, side, level, r in itertools.product(ROLES, SIDES, LEVELS, (False, True))
    }
    assert {-1, 2, 3, 4} <= outcomes


# Hand-written rows, from docs/referrals.md and docs/authorization.md, NOT from
# `expected_level`: (role, side, referral level) -> (status, summary shown, name shown).
HAND_WRITTEN = [
    # the referring side reads the referral as it reads the person: case details, no identity
    # (nobody here is named on the incident but the recorder)
    ("monitor", "sender", 3, 200, True, False),
    ("monitor", "sender", 4, 200, True, False),
    ("org_admin", "sender", 3, 200, True, False),
    # a viewer or an analyst holds no referral action: the page's declaration refuses them
    ("viewer", "sender", 3, 403, False, False),
    ("im_officer", "sender", 3, 403, False, False),
    ("focal_point", "provider", 3, 403, False, False),
    # the provider reads the referral's own level, at most its role's, no name unless receiver
    ("case_worker", "provider", 2, 200, False, False),
    ("case_worker", "provider", 3, 200, True, False),
    ("case_worker", "provider", 4, 200, True, False),
    ("org_admin", "provider", 4, 200, True, False),
    # a monitor of the provider does not answer referrals (no referral.respond there)
    ("monitor", "provider", 3, 404, False, False),
    # an organisation that is neither side: nothing, as for a missing referral
    ("case_worker", "outsider", 3, 404, False, False),
    ("org_admin", "outsider", 2, 404, False, False),
]


@pytest.mark.parametrize(
    "role, side, level, status, shows_summary, shows_name",
    [pytest.param(*row, id=f"{row[0]}-{row[1]}-l{row[2]}") for row in HAND_WRITTEN],
)
def test_hand_written_rows(world, role, side, level, status, shows_summary, shows_name):
    referral = world["referrals"][level]
    page = world["clients"][(role, side)].get(f"/referrals/{referral.public_id}/")
    body = page.content.decode()
    assert page.status_code == status
    assert (SUMMARY.format(level=level) in body) is shows_summary
    assert (NAME.format(level=level) in body) is shows_name
    assert (referral.reference in body) is (status == 200)


def test_hand_written_named_receiver_sees_the_name_at_level_4_only(world):
    client = world["clients"]["receiver"]
    for level, shows_name in ((2, False), (3, False), (4, True)):
        body = client.get(f"/referrals/{world['referrals'][level].public_id}/").content.decode()
        assert (NAME.format(level=level) in body) is shows_name, level
