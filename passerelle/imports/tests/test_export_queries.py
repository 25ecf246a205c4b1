"""The spreadsheet export reads a fixed number of queries, whatever the number of incidents:
each victim count's age group comes with the counts (it was one query per count: 736
queries for the demo's 428 UNHCR incidents)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from passerelle.incidents.tests.factories import incident_factory, term
from passerelle.vocabularies.models import Term

pytestmark = pytest.mark.django_db


def _record(monitor, areas, n):
    adult = term(Term.Vocabulary.AGE_GROUP, "18_59")
    child = term(Term.Vocabulary.AGE_GROUP, "5_11")
    for _ in range(n):
        incident_factory(
            monitor, area=areas["ML0701"], victim_counts={("f", adult): 2, ("m", child): 1}
        )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("imports:spreadsheet_export"))
    assert response.status_code == 200
    return len(queries)


def test_the_export_reads_as_many_queries_for_two_incidents_as_for_eight(
    client_as, monitor, org, areas
):
    client = client_as("im_officer")
    _record(monitor, areas, 2)
    few = _queries(client)
    _record(monitor, areas, 6)
    assert _queries(client) == few
