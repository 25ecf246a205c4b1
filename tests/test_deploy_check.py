"""Production settings pass `manage.py check --deploy` without a single warning."""

import base64
import os
import secrets
import subprocess
import sys

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
