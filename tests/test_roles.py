"""Each role's rights are exactly those of the roles table (and of its generated doc)."""

import itertools
import re
from pathlib import Path

import pytest
from django.conf import settings

from passerelle import policy
from passerelle.policy.roles import ACTION_LEVEL, ACTIONS, ROLES

pytestmark = pytest.mark.django_db

DOC = Path(settings.BASE_DIR) / "docs" / "authorization.md"


@pytest.mark.parametrize(
    "role, action",
    list(itertools.product(sorted(ROLES), sorted(ACTIONS))),
    ids=lambda v: v,
)
def test_a_role_holds_exactly_the_actions_of_the_table(role, action, user_with_role):
    user = user_with_role(role)
    assert policy.can(user, action) is (action in ROLES[role].actions)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_role_holds_nothing_in_an_inactive_membership_or_organisation(role, user_with_role, org):
    user = user_with_role(role)
    user.memberships.update(active=False)
    policy.forget(user)
    assert not any(policy.can(user, action) for action in ACTIONS)
    user.memberships.update(active=True)
    org.active = False
    org.save()
    policy.forget(user)
    assert not any(policy.can(user, action) for action in ACTIONS)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_an_inactive_user_holds_nothing(role, user_with_role):
    user = user_with_role(role)
    user.is_active = False
    user.save()
    policy.forget(user)
    assert not any(policy.can(user, action) for action in ACTIONS)


def test_anonymous_and_no_membership_hold_nothing(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    lonely = django_user_model.objects.create_user("lonely")
    for action in ACTIONS:
        assert not policy.can(AnonymousUser(), action)
        assert not policy.can(lonely, action)
        assert not policy.can(None, action)


def test_the_table_is_consistent():
    assert set(ROLES) == {c.value for c in _membership_roles()}
    for name, role in ROLES.items():
        assert 0 <= role.level <= 4, name
        assert role.actions <= set(ACTIONS), name
        for action in role.actions & set(ACTION_LEVEL):
            # a role cannot hold an action it never has the level to use
            assert role.level >= ACTION_LEVEL[action], (name, action)


def _membership_roles():
    from passerelle.accounts.models import Membership

    return Membership.Role


# --------------------------------------------------------------------------- the doc


def _doc_tables(text: str):
    """The markdown tables of the doc, each as a list of rows of cells."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


@pytest.mark.skipif(not DOC.exists(), reason="docs/authorization.md is not generated yet")
def test_the_authorization_doc_matches_the_table():
    tables = _doc_tables(DOC.read_text(encoding="utf-8"))
    roles_table = next(t for t in tables if t[0][:2] == ["role", "level"])
    documented_roles = {row[0].strip("`"): int(row[1]) for row in roles_table[1:]}
    assert documented_roles == {name: role.level for name, role in ROLES.items()}

    actions_table = next(t for t in tables if t[0][0] == "action")
    header = [h.strip("`") for h in actions_table[0]]
    role_columns = {name: header.index(name) for name in ROLES}
    documented = {}
    for row in actions_table[1:]:
        action = re.match(r"`([^`]+)`", row[0]).group(1)
        documented[action] = {name for name, i in role_columns.items() if row[i]}
        if action in ACTION_LEVEL:
            assert row[1] == str(ACTION_LEVEL[action]), action
    assert set(documented) == set(ACTIONS)
    for action in ACTIONS:
        holders = {name for name, role in ROLES.items() if action in role.actions}
        assert documented[action] == holders, action
