"""Every `aria-describedby` (and `aria-labelledby`) on a rendered page names an element of that
page: Django points a field at `<id>_helptext` and `<id>_error`, so the templates that show help
text and errors give them those ids (`templates/_field.html`, `_field_errors.html`).

Walks every page reachable by GET (the walk of test_hostile_parameters), in French, then posts
every form page empty so that its errors are rendered too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from test_hostile_parameters import _pages, parameters_of, powerful  # noqa: F401

pytestmark = pytest.mark.django_db

ID = re.compile(r"""\sid=["']([^"']+)["']""")
REFERENCE = re.compile(r"""\saria-(describedby|labelledby)=["']([^"']*)["']""")


def broken_references(html: str) -> list[str]:
    ids = set(ID.findall(html))
    broken = []
    for kind, value in REFERENCE.findall(html):
        broken += [f"aria-{kind}={name}" for name in value.split() if name not in ids]
    return broken


def test_the_reference_reader_finds_a_missing_id():
    html = (
        '<input id="id_a" aria-describedby="id_a_helptext id_a_error">'
        '<small id="id_a_helptext">x</small>'
    )
    assert broken_references(html) == ["aria-describedby=id_a_error"]
    assert broken_references(html + '<div id="id_a_error"></div>') == []


def _html(response):
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


SKIP_POST = {"accounts:otp_manage"}  # resetting two-factor would end the walk


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_aria_reference_on_every_page_points_at_an_element(powerful, client_for, language):  # noqa: F811
    user, records = powerful
    client = client_for(user, language=language)
    broken, pages, posted = {}, 0, 0
    for route, url in _pages(records):
        html = _html(client.get(url))
        if not html:
            continue
        pages += 1
        if found := broken_references(html):
            broken[f"GET {route.name}"] = found
        _read, fields = parameters_of(html, urlsplit(url).path)
        if fields and route.name not in SKIP_POST:
            # Empty values for the page's own fields: the form comes back with its errors.
            html = _html(client.post(url, {name: "" for name in fields}))
            if html:
                posted += 1
                if found := broken_references(html):
                    broken[f"POST {route.name}"] = found
    assert pages > 70 and posted > 20, (pages, posted)
    assert not broken, "\n".join(f"{page}: {refs}" for page, refs in sorted(broken.items()))
