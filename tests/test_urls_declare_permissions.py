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
    actions = (declared,) if isinstance(declared, str) else declared
    assert declared == "__public__" or all(a in ACTIONS for a in actions), (
        f"{route.route} declares the unknown action {declared!r}"
    )


# What each view must declare: the action its own logic needs (a tuple: any of them), written
# by hand from the view, not read back from the decorators, so that a placeholder (the home
# page's `dashboard.view` on a referral page, `service.view` on a form that writes services)
# fails here. A new route fails too until it is added to this table.
# Rules used: a view that writes declares the writing action(s) its service checks; a view
# serving both sides of a referral declares the sender's and the provider's actions;
# `dashboard.view` (every member holds it) only for pages that are about the user, not records.
EXPECTED = {
    "core:home": "dashboard.view",
    "core:health": "__public__",
    "core:audit": "audit.view",
    "core:jobs": "admin.access",
    "core:job_run": "admin.access",
    "core:audit_xlsx": "audit.view",
    "accounts:login": "__public__",
    "accounts:logout": "__public__",
    "accounts:otp_manage": "dashboard.view",
    "accounts:otp_setup": "dashboard.view",
    "accounts:otp_verify": "dashboard.view",
    "accounts:keep_alive": "dashboard.view",
    "accounts:held": "dashboard.view",
    "geography:list": "area.view",
    "geography:boundaries": "area.view",
    "geography:upload": "admin.access",
    "geography:apply": "admin.access",
    "incidents:list": "incident.view",
    "incidents:create": "incident.create",
    "incidents:export_xlsx": "incident.export",
    "incidents:area_options": "incident.view",
    "incidents:person_search": "person.view_identity",
    "incidents:detail": "incident.view",
    "incidents:edit": "incident.edit",
    "incidents:verify": "incident.verify",
    "incidents:need_to_know": "incident.manage_access",
    "incidents:person_create": "person.create",
    "incidents:person": "person.view",
    "incidents:person_edit": "person.edit",
    "incidents:consent_record": "consent.record",
    "incidents:consent_withdraw": "consent.record",
    "sharing:received": "incident.view",
    "sharing:received_xlsx": "incident.export",
    "sharing:received_detail": "incident.view",
    "sharing:sent": "incident.share",
    "sharing:revoke": "incident.share",
    "sharing:confirm": "incident.share",
    "sharing:share": "incident.share",
    "sharing:share_guidance": "incident.share",
    "sharing:break_glass": "breakglass.request",
    "sharing:break_glass_list": "breakglass.review",
    "sharing:break_glass_review": "breakglass.review",
    "sharing:export": "incident.export",
    "sharing:aggregates": "aggregate.view",
    "sharing:notifications": "dashboard.view",
    "sharing:notifications_read": "dashboard.view",
    "sharing:protocol_list": "protocol.view",
    "sharing:protocol_create": "protocol.manage",
    "sharing:protocol_detail": "protocol.view",
    "sharing:protocol_edit": "protocol.manage",
    "sharing:protocol_print": "protocol.view",
    "sharing:protocol_pdf": "protocol.view",
    "sharing:protocol_approve": "protocol.approve",
    "sharing:protocol_activate": "protocol.manage",
    "sharing:protocol_suspend": ("protocol.manage", "protocol.approve"),
    "referrals:service_list": "service.view",
    "referrals:service_create": ("service.manage", "servicemap.manage"),
    "referrals:service_detail": "service.view",
    "referrals:service_edit": ("service.manage", "servicemap.manage"),
    "referrals:need_record": "person.edit",
    "referrals:create": "referral.create",
    "referrals:list": ("referral.create", "referral.respond"),
    "referrals:export_xlsx": ("referral.create", "referral.respond"),
    "referrals:received": ("referral.create", "referral.respond"),
    "referrals:sent": ("referral.create", "referral.respond"),
    "referrals:overdue": ("referral.create", "referral.respond"),
    "referrals:detail": ("referral.create", "referral.respond"),
    "referrals:move": ("referral.create", "referral.respond"),
    "referrals:follow_up": ("referral.create", "referral.respond"),
    "referrals:service_export_xlsx": "service.view",
    "referrals:service_export_hxl": "service.view",
    "referrals:service_import": ("service.manage", "servicemap.manage"),
    "referrals:service_import_errors": ("service.manage", "servicemap.manage"),
    "referrals:pathway_list": "service.view",
    "referrals:pathway_create": "servicemap.manage",
    "referrals:pathway_detail": "service.view",
    "referrals:pathway_edit": "servicemap.manage",
    "referrals:pathway_sheet": "service.view",
    "referrals:pathway_pdf": "service.view",
    "referrals:gaps": "aggregate.view",
    "referrals:gaps_xlsx": "aggregate.view",
    "referrals:service_map": "service.view",
    "directory:index": "directory.view",
    "directory:export_xlsx": "directory.view",
    "directory:focal_point_create": ("focalpoint.manage", "directory.manage"),
    "directory:focal_point_edit": ("focalpoint.manage", "directory.manage"),
    "directory:focal_point_end": ("focalpoint.manage", "directory.manage"),
    "directory:objective_list": "directory.view",
    "directory:objective_create": "directory.manage",
    "directory:objective_detail": "directory.view",
    "directory:objective_edit": "directory.manage",
    "directory:objective_note_add": "directory.manage",
    "directory:objective_note_resolve": "directory.manage",
    "directory:profile_list": "directory.view",
    "directory:profile_edit": ("focalpoint.manage", "directory.manage"),
    "directory:entry_points": "directory.view",
    "inforequests:list": "request.view",
    "inforequests:export_xlsx": "request.view",
    "inforequests:received": "request.view",
    "inforequests:made": "request.view",
    "inforequests:related": "request.view",
    "inforequests:overdue": "request.view",
    "inforequests:all": "request.view",
    "inforequests:create": "request.create",
    "inforequests:suggest": "request.create",
    "inforequests:metrics": "request.view",
    "inforequests:detail": "request.view",
    "inforequests:reuse": "request.create",
    "inforequests:acknowledge": "request.answer",
    "inforequests:answer": "request.answer",
    "inforequests:answer_earlier": "request.answer",
    "inforequests:decline": "request.answer",
    "inforequests:close": "request.create",
    "coordination:index": "coordination.view",
    "coordination:body_list": "coordination.view",
    "coordination:body_create": ("coordination.manage", "directory.manage"),
    "coordination:body_detail": "coordination.view",
    "coordination:body_edit": ("coordination.manage", "directory.manage"),
    "coordination:membership_add": ("coordination.manage", "directory.manage"),
    "coordination:membership_end": ("coordination.manage", "directory.manage"),
    "coordination:meeting_create": ("coordination.manage", "directory.manage"),
    "coordination:action_point_add": ("coordination.manage", "directory.manage"),
    "coordination:meeting_detail": "coordination.view",
    "coordination:action_points": "coordination.view",
    "coordination:action_points_xlsx": "coordination.view",
    "coordination:action_point_update": ("coordination.manage", "directory.manage"),
    "coordination:risk_register": "risk.manage",
    "coordination:risk_create": "risk.manage",
    "coordination:risk_detail": "risk.manage",
    "coordination:risk_edit": "risk.manage",
    "coordination:risk_review": "risk.manage",
    "coordination:risk_close": "risk.manage",
    "coordination:training_list": "coordination.view",
    "coordination:training_map": "coordination.view",
    "coordination:training_xlsx": "coordination.view",
    "coordination:training_create": ("coordination.manage", "directory.manage"),
    "coordination:training_detail": "coordination.view",
    "coordination:training_edit": ("coordination.manage", "directory.manage"),
    "coordination:training_delete": ("coordination.manage", "directory.manage"),
    "context:events": ("area.view", "incident.view"),
    "context:import": ("admin.access", "import.run"),
    "pulls:list": "import.run",
    "pulls:create": "import.run",
    "pulls:detail": "import.run",
    "pulls:edit": "import.run",
    "pulls:pull": "import.run",
    "api:schema": "__public__",
    "api:docs": "__public__",
    "api:not_found": "__public__",
    "api:incidents": ("incident.view", "incident.create"),
    "api:incident": ("incident.view", "incident.edit"),
    "api:persons": "person.view",
    "api:person": "person.view",
    "api:consents": "person.view",
    "api:consent": "person.view",
    "api:disclosures": ("incident.view", "incident.share"),
    "api:disclosure": "incident.view",
    "api:referrals": ("referral.create", "referral.respond"),
    "api:referral": ("referral.create", "referral.respond"),
    "api:services": "service.view",
    "api:service": "service.view",
    "api:requests": "request.view",
    "api:request": "request.view",
    "api:areas": "area.view",
    "api:vocabularies": "dashboard.view",
    "api:aggregates": "aggregate.view",
    "api:response_gaps": "aggregate.view",
    "api_tokens:list": "dashboard.view",
    "api_tokens:revoke": "dashboard.view",
    "imports:list": "import.run",
    "imports:spreadsheet": "import.run",
    "imports:spreadsheet_template": "import.run",
    "imports:spreadsheet_export": "incident.export",
    "imports:new": "import.run",
    "imports:example": "import.run",
    "imports:example_form": "import.run",
    "imports:example_export_csv": "import.run",
    "imports:example_export_xlsx": "import.run",
    "imports:detail": "import.run",
    "imports:mapping": "import.run",
    "imports:preview": "import.run",
    "imports:apply": "import.run",
    "imports:progress": "import.run",
    "imports:cancel": "import.run",
    "set_language": "__public__",
}

# Declarations that look like placeholders: allowed only on the routes listed with them.
PLACEHOLDERS = {
    "dashboard.view": {
        "core:home",
        "accounts:otp_manage",
        "accounts:otp_setup",
        "accounts:otp_verify",
        "accounts:keep_alive",
        "accounts:held",
        "sharing:notifications",
        "sharing:notifications_read",
        "api:vocabularies",  # the reference lists every member's client reads
        "api_tokens:list",  # the user's own tokens
        "api_tokens:revoke",
    },
}


def test_every_route_is_in_the_table_of_expected_permissions():
    names = {r.name for r in APP_ROUTES if r.name}
    assert not names - set(EXPECTED), f"add to EXPECTED: {sorted(names - set(EXPECTED))}"
    assert not set(EXPECTED) - names, f"stale in EXPECTED: {sorted(set(EXPECTED) - names)}"
    unnamed = [r.route for r in APP_ROUTES if not r.name]
    assert not unnamed, f"name these routes: {unnamed}"


@pytest.mark.parametrize("route", [r for r in APP_ROUTES if r.name], ids=lambda r: r.name)
def test_each_view_declares_its_real_permission(route):
    assert route.permission == EXPECTED.get(route.name), (
        f"{route.name} declares {route.permission!r}, expected {EXPECTED.get(route.name)!r}"
    )


@pytest.mark.parametrize("placeholder", sorted(PLACEHOLDERS))
def test_placeholder_permissions_only_where_listed(placeholder):
    using = {
        name
        for name, declared in EXPECTED.items()
        if placeholder == declared or (isinstance(declared, tuple) and placeholder in declared)
    }
    assert using == PLACEHOLDERS[placeholder]


def test_views_that_write_do_not_declare_a_read_permission():
    """A route whose name says it writes declares an action that is not a plain `.view`
    (nor `dashboard.view`), except those that only read or are the user's own settings."""
    writing = ("create", "edit", "new", "add", "end", "delete", "update", "import", "move")
    allowed_view: set[str] = set()
    for name, declared in EXPECTED.items():
        verb = name.split(":")[-1]
        if not any(part in writing for part in verb.split("_")) or name in allowed_view:
            continue
        actions = (declared,) if isinstance(declared, str) else declared
        assert not any(a.endswith(".view") for a in actions), (name, declared)


def test_public_views_are_the_expected_few():
    public = sorted(r.name for r in APP_ROUTES if r.is_public)
    expected = ["accounts:login", "accounts:logout", "core:health", "set_language"]
    # the API's schema and docs (no data) and its 404 for paths no view serves
    expected += ["api:schema", "api:docs", "api:not_found"]
    assert public == sorted(expected), public


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


@pytest.mark.django_db
def test_a_view_declaring_several_actions_opens_to_a_holder_of_any_and_refuses_the_others(
    user_with_role, other_org
):
    """`@permission("a", "b")` means either: the provider's `referral.respond` (org_admin)
    or the sender's `referral.create` (monitor) opens it; a viewer holding neither gets a
    403, audited with both names."""
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse
    from django.test import RequestFactory

    from passerelle.core.models import AuditEvent
    from passerelle.policy.decorators import permission

    @permission("referral.create", "referral.respond")
    def view(request):
        return HttpResponse("ok")

    assert view.passerelle_permission == ("referral.create", "referral.respond")
    for role in ("monitor", "org_admin", "case_worker"):
        request = RequestFactory().get("/")
        request.user = user_with_role(role, other_org)
        assert view(request).status_code == 200
    request = RequestFactory().get("/")
    request.user = user_with_role("viewer", other_org)
    with pytest.raises(PermissionDenied):
        view(request)
    refusal = AuditEvent.objects.filter(action="access.refused").order_by("-seq").first()
    assert refusal.actor == request.user
    assert refusal.detail["action"] == "referral.create | referral.respond"
    with pytest.raises(TypeError):
        permission()
