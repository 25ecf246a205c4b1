"""Templates ask the policy (`{% can %}`); views and template tags never hand them a decision.

- No view or template tag passes a context key starting with `may_` (read from the code);
- the protocol steps are the protocols family's rules by status, and agree with what the
  services allow (edit a draft, activate a draft or a suspended protocol, suspend an active
  one as a manager or a signatory);
- actions derived from roles and data (`registry.register_action`) answer `can` and the tag,
  also inside an inclusion tag's template."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from passerelle import policy
from passerelle.policy.registry import derived_actions
from passerelle.policy.roles import ROLES
from passerelle.sharing.models import PartyRole, Protocol
from passerelle.sharing.tests.test_protocol_views import build_protocol, hrd  # noqa: F401

ROOT = pathlib.Path(__file__).resolve().parent.parent / "passerelle"

# Context keys starting with `may_` kept on purpose, with the reason: none today.
KEPT: dict[tuple[str, str], str] = {}


def _view_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{relative}" or "/migrations/" in relative:
            continue
        name = path.name
        if name == "views.py" or name.endswith("_views.py") or "/templatetags/" in relative:
            yield relative, path


def _may_keys(tree):
    """`{"may_x": ...}` dict keys and `context["may_x"] = ...` assignments."""
    for node in ast.walk(tree):
        keys = []
        if isinstance(node, ast.Dict):
            keys = node.keys
        elif isinstance(node, ast.Assign):
            keys = [t.slice for t in node.targets if isinstance(t, ast.Subscript)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "dict":  # dict(may_x=...)
                keys = [ast.Constant(k.arg) for k in node.keywords if k.arg]
        for key in keys:
            if isinstance(key, ast.Constant) and str(key.value).startswith("may_"):
                yield getattr(node, "lineno", 0), key.value


def test_no_view_or_template_tag_passes_a_may_flag_to_a_template():
    found = [
        f"{relative}:{line}: {key}"
        for relative, path in _view_modules()
        for line, key in _may_keys(ast.parse(path.read_text()))
        if (relative, key) not in KEPT
    ]
    assert not found, "ask {% can %} in the template instead:\n" + "\n".join(found)


def test_the_scan_finds_a_may_flag():
    source = 'render(r, "t.html", {"may_edit": True})\ncontext["may_add"] = x\ndict(may_go=1)'
    assert sorted(k for _line, k in _may_keys(ast.parse(source))) == [
        "may_add",
        "may_edit",
        "may_go",
    ]


def test_the_views_are_found():
    names = {relative for relative, _path in _view_modules()}
    assert {"sharing/protocol_views.py", "directory/views.py", "coordination/views.py"} <= names
    assert "referrals/templatetags/referral_tags.py" in names


# --------------------------------------------------------------------------- protocol steps


def _old_steps(manages: bool, signs: bool, status: str) -> dict:
    """What the protocol page offered before the family rules (the services' own checks)."""
    return {
        "protocol.edit": manages and status == "draft",
        "protocol.activate": manages and status in ("draft", "suspended"),
        "protocol.suspend": status == "active" and (manages or signs),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "active", "suspended", "expired"])
def test_protocol_steps_follow_the_status_in_can_and_scope(
    status,
    org,
    other_org,
    hrd,  # noqa: F811
    areas,
    user_with_role,
):
    manager = user_with_role("org_admin", org)
    protocol = build_protocol(
        manager,
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        areas=[areas["ML07"]],
    )
    Protocol.objects.filter(pk=protocol.pk).update(status=status)
    protocol.refresh_from_db()
    users = {
        "manager": (manager, True, True),
        "hrd signatory": (user_with_role("org_admin", hrd), True, True),
        "outsider admin": (user_with_role("org_admin", other_org), False, False),
        "viewer": (user_with_role("viewer", org), False, False),
        "system admin": (user_with_role("system_admin", other_org), True, False),
    }
    for label, (user, manages, signs) in users.items():
        assert policy.can(user, "protocol.manage", protocol) is manages, label
        expected = _old_steps(manages, signs, status)
        for action, allowed in expected.items():
            assert policy.can(user, action, protocol) is allowed, (label, action)
            listed = policy.scope(user, Protocol.objects.all(), action).filter(pk=protocol.pk)
            assert listed.exists() is allowed, (label, action, "scope")


# --------------------------------------------------------------------------- derived actions


def _render(template: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template(template).render(Context({"request": request, **context})).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLES))
def test_derived_actions_answer_as_the_rules_they_replace(role, org, user_with_role):
    user = user_with_role(role, org)
    holds = ROLES[role].actions
    old = {
        "body.create": "coordination.manage" in holds or "directory.manage" in holds,
        "training.create": "coordination.manage" in holds or "directory.manage" in holds,
        "focalpoint.create": "focalpoint.manage" in holds or "directory.manage" in holds,
        "service.create": "service.manage" in holds or "servicemap.manage" in holds,
        "service.import": "service.manage" in holds or "servicemap.manage" in holds,
    }
    for action, allowed in old.items():
        assert policy.can(user, action) is allowed, action
        tag = _render(f'{{% can "{action}" as ok %}}{{{{ ok }}}}', user)
        assert tag == str(allowed), action
    assert policy.can(user, "organisation.describe", org) is (
        "focalpoint.manage" in holds or "directory.manage" in holds
    )


@pytest.mark.django_db
def test_a_derived_action_is_refused_to_a_user_of_no_organisation(db):
    from django.contrib.auth.models import AnonymousUser

    assert derived_actions()  # the apps registered theirs
    for action in derived_actions():
        assert policy.can(AnonymousUser(), action) is False


def test_a_roles_action_cannot_be_derived():
    from passerelle.policy.registry import register_action

    with pytest.raises(ValueError):
        register_action("incident.view", lambda user, obj=None: True)
    assert policy.registry.derived("incident.view") is None
