"""Security headers: the Content-Security-Policy and friends, and templates that obey it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _directives(header: str) -> dict:
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.parametrize("who", ["anonymous", "monitor"])
def test_pages_carry_the_security_headers(who, client, client_as):
    if who == "anonymous":
        response = client.get(reverse("accounts:login"))
    else:
        response = client_as("monitor").get(reverse("core:home"))
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"]) == CSP
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_htmx_does_not_inject_its_indicator_style(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in html


def _templates():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [p for p in (settings.BASE_DIR / "passerelle").glob("*/templates")]
    return sorted(f for root in roots for f in root.rglob("*.html"))


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on...= event handler"),
    (re.compile(r"\bhx-on", re.I), "hx-on handler (needs eval)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_uses_inline_scripts_or_styles():
    found = []
    for path in _templates():
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}")
    assert len(_templates()) > 10
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------- caching


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "no-cache", "private"} <= directives and response["Pragma"] == "no-cache"


@pytest.mark.parametrize(
    "name", ["core:home", "incidents:list", "sharing:export", "directory:entry_points"]
)
def test_a_signed_in_users_pages_and_files_are_never_stored(name, client_as):
    response = client_as("org_admin").get(reverse(name))
    assert response.status_code == 200
    assert _no_store(response)


def test_the_page_after_logout_is_not_stored_either(client_as):
    response = client_as("monitor").post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert _no_store(response)


# --------------------------------------------------------------------------- request size


def test_a_request_body_past_the_limit_is_refused_before_it_is_read(client_as, settings):
    settings.MAX_REQUEST_BYTES = 1024
    client = client_as("im_officer")
    upload = SimpleUploadedFile("services.csv", b"x" * 4096, content_type="text/csv")
    response = client.post(reverse("referrals:service_import"), {"file": upload})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    small = SimpleUploadedFile("services.csv", b"", content_type="text/csv")
    assert client.post(reverse("referrals:service_import"), {"file": small}).status_code == 200


def test_django_caps_form_fields_and_their_size():
    assert settings.MAX_REQUEST_BYTES <= 10 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2.5 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 1000
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2.5 * 1024 * 1024
