"""The requests family in the policy registry: `can` and `scope` agree for the asker, its
sister components, the addressee and outsiders; the old names answer like the registry."""

from __future__ import annotations

import pytest

from passerelle import policy
from passerelle.inforequests.models import Request
from passerelle.policy import inforequests as rules
from passerelle.policy.testing import disagreements

pytestmark = pytest.mark.django_db


def test_requests_answer_can_and_scope_alike(world, ask):
    ask()
    ask(addressee=world["hrd"], asker=world["unhcr"], actor=world["fp"])
    users = [world[k] for k in ("asker", "hrd_viewer", "sister", "fp", "admin", "outsider")]
    users.append(world["sysadmin"])
    actions = ["request.view", "request.answer", "request.create"]
    assert disagreements(users, Request.objects.all(), actions) == []


def test_the_old_names_answer_like_the_registry(world, ask):
    request = ask()
    for user in (world["asker"], world["sister"], world["fp"], world["outsider"]):
        assert policy.can(user, "request.answer", request) == rules.may_answer(user, request)
        assert policy.can(user, "request.create", request) == rules.may_follow_up(user, request)
        assert policy.can(user, "request.view", request) == (
            rules.relation(user, request) is not None
        )
