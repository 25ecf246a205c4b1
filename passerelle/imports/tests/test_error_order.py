"""The preview lists an import's errors in the order of the file's rows, whatever pass of the
check found them (the reader's errors, then the rules'); the list says an import with errors
was checked."""

import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.imports import steps
from passerelle.imports.models import ImportBatch


def _error(row, column, text):
    return {"row": row, "column": column, "code": "invalid", "message": {"en": text, "fr": text}}


def test_errors_are_listed_by_row_the_files_own_first():
    batch = ImportBatch()
    batch.set_errors(
        [
            _error(3, "occurred_on", "not a date"),
            _error(5, "key", "key used twice"),
            _error(4, "category", "not allowed"),
            _error(None, "", "file problem"),
            _error(4, "area", "no such area"),
        ]
    )
    with translation.override("en"):
        worded = steps.worded_errors(batch)
    assert [(e["row"], e["column"]) for e in worded] == [
        (0, ""),
        (3, "occurred_on"),
        (4, "category"),
        (4, "area"),
        (5, "key"),
    ]


@pytest.mark.django_db
def test_the_list_says_an_import_with_errors_was_checked(client_as, org):
    """A checked import with errors stays a draft, but the list must not call it 'not checked
    yet' (the newcomer would check it again instead of correcting the file)."""
    client = client_as("monitor", language="en")
    checked = ImportBatch.objects.create(
        organisation=org, created_by=client.user, source="xlsform", payload=""
    )
    checked.set_errors([_error(4, "incident/type_incident", "not a choice")])
    checked.save()
    ImportBatch.objects.create(
        organisation=org, created_by=client.user, source="xlsform", payload=""
    )
    with translation.override("en"):
        html = client.get(reverse("imports:list")).content.decode()
    assert html.count("Checked, errors to correct") == 1
    assert html.count("Uploaded, not checked yet") == 1


@pytest.mark.django_db
def test_the_list_reads_a_fixed_number_of_queries(client_as, org):
    """The imports list reads the same number of queries for one import as for six."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("monitor", language="en")

    def batch():
        ImportBatch.objects.create(
            organisation=org, created_by=client.user, source="xlsform", payload=""
        )

    batch()
    client.get(reverse("imports:list"))  # warm the session and the policy's caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("imports:list")).status_code == 200
    for _ in range(5):
        batch()
    with CaptureQueriesContext(connection) as six:
        page = client.get(reverse("imports:list")).content.decode()
    assert page.count("Uploaded, not checked yet") == 6
    assert len(six) == len(one)
