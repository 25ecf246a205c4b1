"""Two-factor authentication: who must use it, setup, verification, backup codes, reset."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from passerelle.accounts import twofactor
from passerelle.accounts.tests.factories import (
    MembershipFactory,
    confirmed_device,
    current_code,
)
from passerelle.core.models import AuditEvent
from passerelle.policy.roles import ROLES

pytestmark = pytest.mark.django_db

NEEDS = sorted(r for r, role in ROLES.items() if role.level >= 3 or r == "system_admin")
FREE = sorted(set(ROLES) - set(NEEDS))
SETUP, VERIFY, MANAGE = "accounts:otp_setup", "accounts:otp_verify", "accounts:otp_manage"


@pytest.fixture(autouse=True)
def no_backoff(settings):
    """django-otp waits 1, 2, 4... s after a wrong code; tests try codes back to back."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture(autouse=True)
def keep_the_language():
    """The English requests below must not leave English active for the next tests."""
    language = translation.get_language()
    yield
    translation.activate(language)


def password_only(user) -> Client:
    """A client logged in with the password only (no second factor yet)."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _post_code(client, name, code, next_url=None):
    data = {"code": code}
    if next_url:
        data["next"] = next_url
    return client.post(reverse(name), data)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --------------------------------------------------------------------------- who


def test_the_roles_that_need_two_factor():
    assert NEEDS == ["case_worker", "monitor", "org_admin", "system_admin", "verifier"]
    assert twofactor.roles_needing_two_factor() == set(NEEDS)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_needs_two_factor_follows_the_role(role, user_with_role):
    assert twofactor.needs_two_factor(user_with_role(role)) is (role in NEEDS)


def test_an_inactive_membership_does_not_count(user_with_role, org):
    user = user_with_role("viewer")
    MembershipFactory(user=user, organisation=org, role="monitor", active=False)
    assert not twofactor.needs_two_factor(user)


@pytest.mark.parametrize("role", NEEDS)
def test_without_a_device_the_user_is_sent_to_setup(role, user_with_role, incident):
    client = password_only(user_with_role(role))
    detail = reverse("incidents:detail", kwargs={"public_id": incident.public_id})
    response = client.get(detail)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(SETUP)}?next={detail.replace('/', '%2F')}"
    assert client.get(reverse("core:home")).status_code == 302
    assert client.get(reverse("incidents:list")).status_code == 302


@pytest.mark.parametrize("role", NEEDS)
def test_with_a_device_the_user_is_asked_for_a_code(role, user_with_role, incident):
    user = user_with_role(role)
    confirmed_device(user)
    client = password_only(user)
    detail = reverse("incidents:detail", kwargs={"public_id": incident.public_id})
    response = client.get(detail)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(VERIFY) + "?next=")
    assert "Tassiga" not in response.content.decode()


@pytest.mark.parametrize("role", FREE)
def test_level_two_roles_are_not_asked(role, user_with_role):
    client = password_only(user_with_role(role))
    assert client.get(reverse("core:home")).status_code == 200


def test_htmx_requests_get_an_hx_redirect(monitor):
    client = password_only(monitor)
    response = client.get(
        reverse("incidents:list"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/incidents/?region=ML07",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse(SETUP)}?next=%2Fincidents%2F%3Fregion%3DML07"


def test_the_exempt_pages_stay_open(monitor):
    client = password_only(monitor)
    assert client.get(reverse("core:health")).status_code == 200
    assert client.get(reverse(SETUP)).status_code == 200
    assert client.post(reverse("set_language"), {"language": "fr"}).status_code == 302
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_the_test_helper_passes_two_factor(client_for, monitor):
    client = client_for(monitor)
    assert client.session[DEVICE_ID_SESSION_KEY] == confirmed_device(monitor).persistent_id
    assert client.get(reverse("core:home")).status_code == 200


def test_a_password_login_then_asks_for_setup(client, monitor):
    from passerelle.accounts.tests.factories import PASSWORD

    response = client.post(
        reverse("accounts:login"), {"username": monitor.username, "password": PASSWORD}
    )
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home"))["Location"].startswith(reverse(SETUP))


# --------------------------------------------------------------------------- setup


def test_setup_shows_a_qr_code_and_the_secret(monitor):
    client = password_only(monitor)
    response = client.get(reverse(SETUP))
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=monitor)
    assert not device.confirmed
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert twofactor.base32_secret(device) in html
    assert " style=" not in html and "<script>" not in html
    assert response["Cache-Control"].startswith("max-age=0")
    # Reloading keeps the same secret (the user may already have scanned it).
    client.get(reverse(SETUP))
    assert TOTPDevice.objects.get(user=monitor).key == device.key


def test_setup_with_a_wrong_code_fails(monitor):
    client = password_only(monitor)
    client.get(reverse(SETUP))
    device = TOTPDevice.objects.get(user=monitor)
    wrong = current_code(device, offset=10)
    response = _post_code(client, SETUP, wrong)
    assert response.status_code == 200
    assert "This code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("core:home")).status_code == 302
    assert not _events("auth.2fa_setup")


def test_setup_with_the_right_code_succeeds_and_shows_backup_codes_once(monitor):
    client = password_only(monitor)
    client.get(reverse(SETUP))
    device = TOTPDevice.objects.get(user=monitor)
    response = _post_code(client, SETUP, current_code(device), next_url="/incidents/")
    assert response.status_code == 200
    html = response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)
    assert len(codes) == 10 == twofactor.backup_codes_left(monitor)
    assert 'href="/incidents/"' in html
    assert client.get(reverse("core:home")).status_code == 200
    # Shown once: the setup page now leads to the two-factor page, without codes.
    again = client.get(reverse(SETUP))
    assert again["Location"] == reverse(MANAGE)
    assert not any(code in client.get(reverse(MANAGE)).content.decode() for code in codes)
    (event,) = _events("auth.2fa_setup")
    assert event.actor == monitor and event.outcome == "ok"
    assert event.detail == {}
    assert device.key not in str(event.detail)


# --------------------------------------------------------------------------- verify


@pytest.fixture
def enrolled(monitor):
    device = confirmed_device(monitor)
    codes = twofactor.new_backup_codes(monitor)
    return monitor, device, codes


def test_a_current_code_verifies_the_session(enrolled):
    user, device, _codes = enrolled
    client = password_only(user)
    response = _post_code(client, VERIFY, current_code(device), next_url="/incidents/")
    assert response["Location"] == "/incidents/"
    assert client.get(reverse("incidents:list")).status_code == 200


def test_a_code_from_another_site_is_not_followed(enrolled):
    user, device, _codes = enrolled
    client = password_only(user)
    response = _post_code(client, VERIFY, current_code(device), next_url="https://evil.example/")
    assert response["Location"] == reverse("core:home")


def test_a_backup_code_works_once(enrolled):
    user, _device, codes = enrolled
    client = password_only(user)
    response = _post_code(client, VERIFY, codes[0].upper())
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert twofactor.backup_codes_left(user) == 9
    (event,) = _events("auth.2fa_backup_code_used")
    assert event.detail == {"remaining": 9}

    other = password_only(user)
    response = _post_code(other, VERIFY, codes[0])
    assert response.status_code == 200
    assert other.get(reverse("core:home")).status_code == 302


def test_verify_failures_are_audited_and_five_log_out(enrolled):
    user, device, codes = enrolled
    client = password_only(user)
    wrong = current_code(device, offset=20)
    for i in range(1, settings.OTP_MAX_FAILURES):
        response = _post_code(client, VERIFY, wrong)
        assert response.status_code == 200
        left = settings.OTP_MAX_FAILURES - i
        attempts = "attempt" if left == 1 else "attempts"  # the last one in the singular
        assert f"{left} {attempts} left" in response.content.decode()
    failures = _events("auth.2fa_failed")
    assert [e.detail for e in failures] == [
        {"step": "verify", "failures": i} for i in range(1, settings.OTP_MAX_FAILURES)
    ]
    assert all(e.outcome == "refused" and e.actor == user for e in failures)
    assert all(wrong not in str(e.detail) for e in failures)
    assert failures[0].organisation == user.memberships.get().organisation

    response = _post_code(client, VERIFY, "nottherightcode")
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert len(_events("auth.2fa_failed")) == settings.OTP_MAX_FAILURES
    (logout,) = _events("auth.2fa_logout")
    assert logout.outcome == "refused"


def test_a_success_resets_the_count(enrolled):
    user, device, _codes = enrolled
    client = password_only(user)
    for _ in range(settings.OTP_MAX_FAILURES - 1):
        _post_code(client, VERIFY, current_code(device, offset=20))
    assert _post_code(client, VERIFY, current_code(device)).status_code == 302
    assert twofactor.FAILURES_KEY not in client.session


def test_the_back_off_refuses_without_counting(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    user, device, _codes = enrolled
    client = password_only(user)
    _post_code(client, VERIFY, current_code(device, offset=20))
    response = _post_code(client, VERIFY, current_code(device))
    assert "wait a few seconds" in response.content.decode()
    assert client.session[twofactor.FAILURES_KEY] == 1


# --------------------------------------------------------------------------- manage, reset


def test_the_two_factor_page_is_in_the_menu(client_for, enrolled):
    user, _device, _codes = enrolled
    client = client_for(user)
    assert reverse(MANAGE) in client.get(reverse("core:home")).content.decode()
    html = client.get(reverse(MANAGE)).content.decode()
    assert "Backup codes left" in html and "<dd>10</dd>" in html


def test_reset_needs_a_current_code(client_for, enrolled):
    user, device, _codes = enrolled
    client = client_for(user)
    response = _post_code(client, MANAGE, current_code(device, offset=20))
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=user).exists()
    (event,) = _events("auth.2fa_failed")
    assert event.detail == {"step": "reset", "failures": 1}

    response = _post_code(client, MANAGE, current_code(device))
    assert response["Location"] == reverse(SETUP)
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    (event,) = _events("auth.2fa_reset")
    assert event.actor == user
    # The session is no longer verified: the next page asks for a new setup.
    assert client.get(reverse("core:home"))["Location"].startswith(reverse(SETUP))


def test_a_viewer_may_open_the_page_and_is_told_it_is_optional(client_as):
    html = client_as("viewer").get(reverse(MANAGE)).content.decode()
    assert "do not require two-factor authentication" in html


def test_a_system_admin_can_reset_a_user(client_as, enrolled):
    user, _device, _codes = enrolled
    admin = client_as("system_admin")
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    (event,) = _events("auth.2fa_reset")
    assert event.actor == admin.user and event.detail == {"by": "admin"}
