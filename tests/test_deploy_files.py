"""The production setup's files (docs/deployment.md): what they log, what the proxy forwards.

scripts/check_serve.sh (run by CI) starts the whole setup and fetches pages through it; these
tests hold the properties that a page fetch would not show."""

import re
import runpy
import shutil
import subprocess

import pytest
from django.conf import settings

ROOT = settings.BASE_DIR
TEMPLATE = (ROOT / "deploy" / "nginx.conf.template").read_text()
SERVE = (ROOT / "scripts" / "serve.sh").read_text()


def test_gunicorn_access_log_holds_no_query_string_nor_referrer():
    config = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))
    line = config["access_log_format"]
    assert "%(U)s" in line  # the path alone
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(h)s"):  # request line, query, referrer, address
        assert atom not in line
    assert config["worker_class"] == "gthread"
    assert config["workers"] >= 2 and config["threads"] >= 2
    assert 0 < config["graceful_timeout"] <= config["timeout"]


def test_nginx_log_holds_no_query_string_nor_referrer():
    formats = re.findall(r"log_format\s+\w+\s+((?:'[^']*'\s*)+);", TEMPLATE)
    assert formats
    for fmt in formats:
        assert "$uri" in fmt
        for variable in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer"):
            assert variable not in fmt
    assert re.search(r"access_log\s+\S+\s+passerelle;", TEMPLATE)


def test_nginx_overwrites_every_forwarding_header():
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+(.+?);", TEMPLATE))
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Real-IP"] == "$remote_addr"
    assert headers["X-Forwarded-For"] == "$remote_addr"  # never appended to what was sent
    assert headers["X-Forwarded-Host"] == '""'
    assert headers["Host"] == "$http_host"
    assert "$proxy_add_x_forwarded_for" not in TEMPLATE


def test_nginx_refuses_bodies_over_the_application_limit_and_caches_hashed_files():
    assert "client_max_body_size @MAX_BODY@;" in TEMPLATE
    assert "MAX_BODY=$max_body" in SERVE and "settings.MAX_REQUEST_BYTES" in SERVE
    assert 'max-age=31536000, immutable"' in TEMPLATE
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in TEMPLATE


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_the_rendered_configuration_passes_nginx_t(tmp_path):
    """Render the template as serve.sh does (same placeholders) and ask nginx to check it."""
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", str(key)]
        + ["-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    for sub in ("logs", "tmp"):
        (tmp_path / sub).mkdir()
    values = {
        "PREFIX": str(tmp_path),
        "MAX_BODY": str(settings.MAX_REQUEST_BYTES),
        "UPSTREAM": f"unix:{tmp_path}/gunicorn.sock",
        "LISTEN": "127.0.0.1",
        "HTTPS_PORT": "18999",
        "SERVER_NAMES": "localhost",
        "TLS_CERT": str(cert),
        "TLS_KEY": str(key),
        "STATIC_ROOT": str(tmp_path),
        "MIME_TYPES": "/etc/nginx/mime.types",
        "HTTP_SERVER": "",
    }
    rendered = re.sub(r"@([A-Z_]+)@", lambda m: values[m.group(1)], TEMPLATE)
    assert "@" not in re.sub(r"#.*", "", rendered)
    (tmp_path / "nginx.conf").write_text(rendered)
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"client_max_body_size {settings.MAX_REQUEST_BYTES};" in rendered
