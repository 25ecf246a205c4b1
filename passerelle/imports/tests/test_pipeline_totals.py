"""The rows an import read are every row of its file: the rows its reader refused count
(a 3-row spreadsheet with 2 bad rows read 3 rows, not 1)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from passerelle.imports import pipeline
from passerelle.imports.models import ImportBatch
from passerelle.imports.rows import RowError

from .helpers import row
from .test_spreadsheets import fill, incident_line, person_line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_the_total_counts_the_rows_the_reader_refused(monitor, org, areas):
    reader = [
        RowError(0, "", "The file is odd.", "invalid"),  # the whole file: not a row
        RowError(1, "key", "This column appears twice.", "duplicate_column"),  # its header
        RowError(3, "occurred_on", "Enter a valid date."),
        RowError(3, "area", "No such area."),  # the same row twice: one row
        RowError(5, "key", "Duplicated key.", "duplicate"),
        RowError(2, "persons.role", "Not allowed."),  # a row of the persons sheet
    ]
    plan = pipeline.prepare(
        monitor, organisation=org, rows=[row(1)], source="x", errors=reader
    )  # row(1) is row 2
    assert plan.total == 3 and plan.counts()["total"] == 3
    assert (
        pipeline.prepare(
            monitor, organisation=org, rows=[row(1)], source="x", errors=reader, refused=4
        ).total
        == 5
    )


def test_the_preview_shows_every_row_of_the_spreadsheet(client_for, monitor, org, areas):
    client = client_for(monitor)
    data = fill(
        [
            incident_line("INC-1"),
            incident_line("INC-2", occurred_on="soon"),
            incident_line("INC-3", victims_m_18_59="many", area="nowhere"),
        ],
        [person_line("INC-1"), person_line("INC-9")],  # INC-9: no such incident
    )
    upload = SimpleUploadedFile("filled.xlsx", data)
    response = client.post(reverse("imports:spreadsheet"), {"organisation": org.pk, "file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.total_rows == 3 and batch.error_count >= 3
    page = client.get(response["Location"]).content.decode()
    assert re.search(r"<strong>3</strong>\s*rows read", page)
