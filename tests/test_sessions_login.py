"""Login safety (django-axes, argon2) and session lifetime (idle timeout, browser close)."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.urls import reverse

from passerelle.accounts.middleware import KEY as LAST_SEEN
from passerelle.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


@pytest.fixture
def member(user_with_role):
    return user_with_role("monitor", username="awa.login")


def _login(client, username, password):
    return client.post(
        reverse(LOGIN),
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR="10.0.0.7",
    )


def test_the_right_password_logs_in(client, member):
    response = _login(client, "awa.login", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session[SESSION_KEY] == str(member.pk)


def test_a_wrong_password_is_refused_with_a_warning(client, member):
    response = _login(client, "awa.login", "wrong-password-1")
    assert response.status_code == 200
    assert "After 5 failed attempts" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client, member):
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, "awa.login", f"wrong-password-{i}")
        assert SESSION_KEY not in client.session
    response = _login(client, "awa.login", PASSWORD)
    assert response.status_code in (403, 429)
    assert "Account locked" in response.content.decode()
    assert SESSION_KEY not in client.session
    # ...and a little later still, from the same address.
    response = _login(client, "awa.login", PASSWORD)
    assert "Account locked" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_four_failures_do_not_lock(client, member):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "awa.login", f"wrong-password-{i}")
    assert _login(client, "awa.login", PASSWORD).status_code == 302


def test_the_lockout_is_per_user_and_address(client, member, user_with_role):
    user_with_role("viewer", username="other.login")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "awa.login", f"wrong-password-{i}")
    assert _login(client, "other.login", PASSWORD).status_code == 302


def test_lockout_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME >= 0.5
    assert "axes.backends.AxesStandaloneBackend" == settings.AUTHENTICATION_BACKENDS[0]


# --------------------------------------------------------------------------- hashing


def test_argon2_is_configured():
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS
    encoded = make_password("Correct horse battery", hasher="argon2")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert get_hasher("argon2").verify("Correct horse battery", encoded)


@pytest.mark.parametrize("env", ["development", "production"])
def test_argon2_is_the_first_hasher_outside_tests(env, tmp_path):
    """Read the settings module in a fresh interpreter, as it is outside the test run."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("PASSERELLE_", "DATABASE_URL"))
    }
    environ.update(
        PASSERELLE_ENV=env,
        PASSERELLE_VAR_DIR=str(tmp_path),
        PASSERELLE_SECRET_KEY="not-secret-" * 5,
        PASSERELLE_FIELD_KEY="a" * 43 + "=",
        PASSERELLE_AUDIT_KEY="b" * 43 + "=",
        PASSERELLE_ALLOWED_HOSTS="example.org",
    )
    code = "import config.settings as s; print(s.PASSWORD_HASHERS[0])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


# --------------------------------------------------------------------------- sessions


def test_session_cookie_settings():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_IDLE_TIMEOUT <= 3600


def test_the_session_cookie_dies_with_the_browser(client, member):
    response = _login(client, "awa.login", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"]
    assert client.session.get_expire_at_browser_close()


def _home(client):
    return client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en")


def test_an_active_session_stays_open(client_for, member):
    client = client_for(member)
    assert _home(client).status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60
    session.save()
    assert _home(client).status_code == 200
    assert client.session[LAST_SEEN] >= int(time.time()) - 5


def test_an_idle_session_is_logged_out(client_for, member):
    client = client_for(member)
    assert _home(client).status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 60
    session.save()
    response = _home(client)
    assert response.status_code == 302
    assert response["Location"] == reverse(LOGIN)
    assert SESSION_KEY not in client.session
    again = _home(client)
    assert again.status_code == 302
    assert again["Location"].startswith(reverse(LOGIN) + "?next=")
    login_page = client.get(reverse(LOGIN), HTTP_ACCEPT_LANGUAGE="en")
    assert "period of inactivity" in login_page.content.decode()
