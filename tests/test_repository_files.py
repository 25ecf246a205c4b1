"""Files a reader or a user sees as they are: the licence text, and template comments that
Django does not print (a `{# ... #}` spanning several lines is shown as text)."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from passerelle.directory.tests.pdftext import pdf_text

ROOT = Path(settings.BASE_DIR)


def _templates():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += list((ROOT / "passerelle").glob("**/templates"))
    return sorted({f for root in roots for f in root.rglob("*") if f.suffix in (".html", ".txt")})


def _unclosed_comments(text: str) -> list[int]:
    """Line numbers holding a `{#` whose `#}` is not on the same line."""
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if any("#}" not in rest for rest in line.split("{#")[1:])
    ]


def test_the_check_finds_a_multi_line_comment():
    assert _unclosed_comments("a {# one #} b\n{# two\nlines #}\n") == [2]
    assert _unclosed_comments("{# a #} {# b #}") == []
    assert _unclosed_comments("{# a #} {# b") == [1]


def test_no_template_has_a_comment_django_would_print():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _templates()
        for line in _unclosed_comments(path.read_text())
    ]
    assert len(_templates()) > 10
    assert not found, "use {% comment %} for comments over several lines:\n" + "\n".join(found)


@pytest.mark.django_db
def test_the_entry_points_document_shows_no_template_comment(client_as):
    client = client_as("viewer")
    html = client.get(reverse("directory:entry_points")).content.decode()
    assert "{#" not in html and "WeasyPrint repeats" not in html
    response = client.get(reverse("directory:entry_points"), {"format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Entry points" in text
    assert "{#" not in text and "WeasyPrint" not in text


# The GNU Affero General Public License, version 3, as published by the FSF (agpl-3.0.txt).
AGPL_SHA256 = "57c8ff33c9c0cfc3ef00e650a1cc910d7ee479a8bc509f6c9209a7c2a11399d6"


def test_the_licence_is_the_unmodified_agpl_the_project_declares():
    text = (ROOT / "LICENSE").read_text()
    assert hashlib.sha256(text.encode()).hexdigest() == AGPL_SHA256
    assert re.match(r"\s+GNU AFFERO GENERAL PUBLIC LICENSE\n\s+Version 3, 19 November 2007", text)
    assert 'license = { text = "AGPL-3.0-or-later" }' in (ROOT / "pyproject.toml").read_text()
    assert "AGPL-3.0-or-later" in (ROOT / "README.md").read_text()
