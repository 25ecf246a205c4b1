"""End to end: the API's docs page (Swagger UI from drf-spectacular-sidecar) in chromium under
the site's Content Security Policy: it draws every operation of the schema, loads nothing
from another origin, and the browser reports no CSP violation."""

import pytest

from .test_record_incident import pytestmark  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_page_draws_the_schema_under_the_csp(live_server, browser):
    page = browser.new_page()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.innerText)")
    assert any("/api/incidents/" in p for p in paths)
    assert any("/api/aggregates/" in p for p in paths)
    assert all(u.startswith(live_server.url) or u.startswith("data:") for u in requests), [
        u for u in requests if not u.startswith(live_server.url)
    ]
    violations = [p for p in problems if "Content Security Policy" in p]
    assert not violations, violations
