"""The API's lists read a fixed number of queries, however many rows a page shows (the
pages' rule, tests/test_list_queries.py): measured with a few rows, then with more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from passerelle.incidents import services
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.referrals.tests.factories import service_factory

from .apikit import api_client

pytestmark = pytest.mark.django_db

LISTS = ["incidents", "persons", "consents", "services"]


def _add(monitor, areas, n: int) -> None:
    for _ in range(n):
        incident = incident_factory(monitor, area=areas["ML0701"], classification=3)
        person = person_factory(monitor, incident)
        services.record_consent(monitor, person, scope="referral", given=True)
        service_factory(incident.owner, areas=[areas["ML0701"]])


def _measure(client, name: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"api:{name}"))
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("name", LISTS)
def test_a_list_reads_no_more_with_more_rows(name, monitor, areas):
    client = api_client(monitor)
    _add(monitor, areas, 2)
    _measure(client, name)  # warm the per-process caches
    before, rows_before = _measure(client, name)
    _add(monitor, areas, 4)
    after, rows_after = _measure(client, name)
    assert rows_after > rows_before
    assert after == before, f"{name}: {before} queries for {rows_before} rows, {after} for more"
