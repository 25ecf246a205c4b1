"""Production settings pass `manage.py check --deploy` without a single warning."""

import base64
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings


def production_env(var_dir) -> dict:
    """The environment of a production server: fresh keys, a host name, no test switches."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PASSERELLE_", "DATABASE_URL", "DJANGO_"))
    }
    environ.update(
        PASSERELLE_ENV="production",
        PASSERELLE_VAR_DIR=str(var_dir),
        PASSERELLE_SECRET_KEY=secrets.token_urlsafe(50),
        PASSERELLE_FIELD_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        PASSERELLE_AUDIT_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        PASSERELLE_ALLOWED_HOSTS="passerelle.example.org",
    )
    return environ


def test_check_deploy_is_clean_in_production(tmp_path):
    environ = production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "no issues" in output


def test_production_settings(tmp_path):
    """HSTS, https redirect and secure cookies in production only."""
    environ = production_env(tmp_path)
    code = (
        "import config.settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )

    def run(**extra):
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env={**environ, **extra},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()

    assert run() == "31536000 True True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert run(PASSERELLE_BEHIND_PROXY="0").endswith("True None")
    assert not getattr(settings, "SECURE_HSTS_SECONDS", 0)  # tests run outside production


def _start_settings(environ, **extra):
    """Import the settings as a production server does at start; the completed process."""
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=settings.BASE_DIR,
        env={**environ, **extra},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_debug_on(tmp_path):
    environ = production_env(tmp_path)
    assert _start_settings(environ, PASSERELLE_DEBUG="0").returncode == 0
    result = _start_settings(environ, PASSERELLE_DEBUG="1")
    assert result.returncode != 0
    assert "PASSERELLE_DEBUG=1 is refused in production" in result.stderr


@pytest.mark.parametrize(
    "variable, message",
    [
        ("PASSERELLE_SECRET_KEY", "PASSERELLE_SECRET_KEY must be set in production"),
        ("PASSERELLE_FIELD_KEY", "No encryption key"),
        ("PASSERELLE_AUDIT_KEY", "No audit key"),
    ],
)
def test_production_refuses_to_start_without_a_key(tmp_path, variable, message):
    environ = production_env(tmp_path)
    del environ[variable]
    result = _start_settings(environ)
    assert result.returncode != 0
    assert message in result.stderr
    # Nothing generated in its place: production never writes a key of its own.
    assert not any(tmp_path.iterdir())


def test_production_reads_keys_from_files_and_refuses_a_missing_file(tmp_path):
    environ = production_env(tmp_path / "var")
    for name in ("FIELD", "AUDIT"):
        path = tmp_path / f"{name.lower()}.key"
        path.write_text(environ.pop(f"PASSERELLE_{name}_KEY") + "\n")
        environ[f"PASSERELLE_{name}_KEY_FILE"] = str(path)
    code = (
        "import config.settings as s, pathlib as p; "
        f"print(s.FIELD_KEY == p.Path({str(tmp_path / 'field.key')!r}).read_text().strip())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "True", result.stderr
    (tmp_path / "audit.key").unlink()
    result = _start_settings(environ)
    assert result.returncode != 0
    assert "The audit key file" in result.stderr and "cannot be read" in result.stderr


def test_behind_the_proxy_login_lockouts_count_the_address_the_proxy_saw(tmp_path):
    environ = production_env(tmp_path)
    code = "import config.settings as s; print(getattr(s, 'AXES_CLIENT_IP_CALLABLE', None))"

    def run(**extra):
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env={**environ, **extra},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()

    assert run() == "passerelle.core.client_ip.client_ip"
    assert run(PASSERELLE_BEHIND_PROXY="0") == "None"


def test_client_ip_reads_the_proxy_header_and_falls_back_to_the_socket(rf):
    from passerelle.core.client_ip import client_ip

    assert client_ip(rf.get("/", HTTP_X_REAL_IP="203.0.113.7", REMOTE_ADDR="")) == "203.0.113.7"
    assert client_ip(rf.get("/", HTTP_X_REAL_IP=" 2001:db8::1 ")) == "2001:db8::1"
    # Not an address: the socket's own address, never the text sent.
    assert client_ip(rf.get("/", HTTP_X_REAL_IP="1.2.3.4, 5.6.7.8", REMOTE_ADDR="10.0.0.2")) == (
        "10.0.0.2"
    )
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    assert client_ip(None) is None
