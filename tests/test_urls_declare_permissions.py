"""Every view declares the permission it needs or that it is public (policy.decorators).

The admin site's own URLs (namespace "admin") are the only exemption: they are guarded
by `PasserelleAdminSite.has_permission`, which asks the policy for `admin.access`.
"""

import pytest
from django.contrib.admin.sites import AdminSite
from django.urls import NoReverseMatch, reverse
from testkit import walk

from passerelle.policy.roles import ACTIONS, ROLES

ROUTES = list(walk())
# Views of the admin site that Django builds itself (wrapped by AdminSite.admin_view).
ADMIN_MODULES = ("django.contrib.admin", "django.contrib.auth.admin", "passerelle.accounts.admin")
ADMIN_ROUTES = [r for r in ROUTES if r.is_admin]
APP_ROUTES = [r for r in ROUTES if not r.is_admin]


def test_the_walk_finds_the_application_and_the_admin():
    names = {r.name for r in APP_ROUTES}
    assert {"core:home", "incidents:list", "incidents:detail", "accounts:login"} <= names
    assert ADMIN_ROUTES, "the admin site is mounted"


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: r.name or r.route)
def test_view_declares_a_permission_or_is_public(route):
    declared = route.permission
    assert declared, (
        f"{route.route} ({route.name}) declares no permission: decorate the view with "
        "@policy.permission('...') or @policy.public"
    )
    assert declared == "__public__" or declared in ACTIONS, (
        f"{route.route} declares the unknown action {declared!r}"
    )


def test_public_views_are_the_expected_few():
    public = sorted(r.name for r in APP_ROUTES if r.is_public)
    assert public == sorted(["accounts:login", "accounts:logout", "core:health", "set_language"]), (
        public
    )


def test_admin_exemption_covers_only_the_admin_site():
    """List the exempted URLs; each one's view belongs to the admin site or a model admin."""
    exempted = []
    for route in ADMIN_ROUTES:
        view = route.callback
        owner = getattr(view, "admin_site", None) or getattr(view, "model_admin", None)
        module = getattr(view, "__module__", "")
        assert owner is not None or module.startswith(ADMIN_MODULES), (route.route, module)
        if owner is not None:
            site = owner if isinstance(owner, AdminSite) else owner.admin_site
            assert site.name == "admin"
        exempted.append(route.name or route.route)
    print("Admin URLs exempted (guarded by PasserelleAdminSite.has_permission):")
    print("\n".join(f"  {name}" for name in exempted))
    assert "admin:index" in exempted


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLES))
def test_admin_index_is_open_only_to_roles_with_admin_access(role, client_as):
    response = client_as(role).get(reverse("admin:index"))
    if "admin.access" in ROLES[role].actions:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_admin_index_redirects_anonymous_users_to_the_admin_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(r for r in ROLES if "admin.access" not in ROLES[r].actions))
def test_admin_pages_refuse_roles_without_admin_access(role, client_as):
    client = client_as(role)
    checked = 0
    for route in ADMIN_ROUTES:
        if route.name in (None, "admin:login"):
            continue
        try:
            url = route.url(**{name: "1" for name in route.kwargs})
        except NoReverseMatch:
            continue
        response = client.get(url)
        assert response.status_code in (302, 405), (route.name, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(
                (reverse("admin:login"), reverse("admin:index"))
            ), route.name
        checked += 1
    assert checked > 5


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["organisation", "user", "membership"])
def test_system_admin_can_use_the_admin_changelists(model, client_as):
    """`system_admin` "runs the platform (organisations, users...)": the admin must let
    them list those records, not only open an empty index."""
    client = client_as("system_admin")
    response = client.get(reverse(f"admin:accounts_{model}_changelist"))
    assert response.status_code == 200
