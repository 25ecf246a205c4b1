"""ACLED security context: the import (every row checked, all or nothing, idempotent on
event_id_cnty, newer timestamps update), the area each event is placed in, the pages (who may
read, who may import), and the rule that ACLED never enters protection figures."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from passerelle.context import acled
from passerelle.context.models import AcledEvent
from passerelle.core.models import AuditEvent
from passerelle.incidents.tests.factories import incident_factory

pytestmark = pytest.mark.django_db

HEADER = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip


def event(**values) -> dict:
    row = {
        "event_id_cnty": "MLI1001",
        "event_date": "2024-03-12",
        "year": "2024",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Violence against civilians",
        "sub_event_type": "Attack",
        "actor1": "Unidentified Armed Group (Mali)",
        "inter1": "3",
        "actor2": "Civilians (Mali)",
        "inter2": "7",
        "interaction": "37",
        "iso": "466",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": "Gao",
        "admin2": "Ansongo",
        "admin3": "Ouattagouna",
        "location": "Ouattagouna",
        "latitude": "15.1780",
        "longitude": "0.7190",
        "geo_precision": "1",
        "source": "Studio Tamani",
        "source_scale": "National",
        "notes": "On 12 March 2024, armed men attacked a village.",
        "fatalities": "3",
        "timestamp": "1710400000",
    }
    row.update(values)
    return row


def export(*rows, delimiter=",", encoding="utf-8", header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


@pytest.fixture
def admin(user_with_role):
    return user_with_role("system_admin")


@pytest.fixture
def importer(user_with_role):
    return user_with_role("im_officer")


# --------------------------------------------------------------------------- the import


def test_an_export_is_imported_and_each_event_placed_in_its_cercle(areas, importer):
    data = export(event(), event(event_id_cnty="MLI1002", admin1="Mopti", admin2="Djenne"))
    result = acled.import_events(importer, data=data, filename="acled.csv")
    assert result.counts() == {"created": 2, "updated": 0, "unchanged": 0, "unplaced": 0}
    assert AcledEvent.objects.get(event_id_cnty="MLI1001").area.pcode == "ML0701"
    assert AcledEvent.objects.get(event_id_cnty="MLI1002").area.pcode == "ML0503"  # Djenné
    audit = AuditEvent.objects.filter(action="acled.import").get()
    assert audit.detail["created"] == 2 and audit.actor == importer


def test_names_in_other_forms_match_and_unknown_names_fall_back_on_coordinates(areas, importer):
    rows = [
        event(event_id_cnty="MLI1", admin1="Ségou", admin2="Cercle de Ségou"),
        # names no area has: the point (Gao town) lies in the Gao cercle's boundary
        event(
            event_id_cnty="MLI2", admin1="Nowhere", admin2="", latitude="16.27", longitude="-0.04"
        ),
        # far in the ocean: no area at all
        event(event_id_cnty="MLI3", admin1="", admin2="", latitude="0", longitude="-30"),
    ]
    result = acled.import_events(importer, data=export(*rows))
    placed = dict(AcledEvent.objects.values_list("event_id_cnty", "area__pcode"))
    assert placed == {"MLI1": "ML0406", "MLI2": "ML0703", "MLI3": None}
    assert result.unplaced == 1


def test_importing_again_changes_nothing_and_a_newer_timestamp_updates(areas, importer):
    data = export(event(), event(event_id_cnty="MLI1002"))
    acled.import_events(importer, data=data)
    again = acled.import_events(importer, data=data)
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 2, "unplaced": 0}
    revised = export(
        event(fatalities="5", timestamp="1710500000"),  # ACLED revised it
        event(event_id_cnty="MLI1002", fatalities="9", timestamp="1710300000"),  # older: ignored
        event(event_id_cnty="MLI1003"),
    )
    result = acled.import_events(importer, data=revised)
    assert result.counts() == {"created": 1, "updated": 1, "unchanged": 1, "unplaced": 0}
    assert AcledEvent.objects.get(event_id_cnty="MLI1001").fatalities == 5
    assert AcledEvent.objects.get(event_id_cnty="MLI1002").fatalities == 3


def test_one_bad_row_and_nothing_is_written_every_problem_named(areas, importer):
    rows = [
        event(event_id_cnty="MLI1"),
        event(event_id_cnty="MLI2", event_date="31/02/2024", latitude="91"),
        event(event_id_cnty="MLI3", event_type="Skirmish", fatalities="-1"),
        event(event_id_cnty="MLI1"),
    ]
    with pytest.raises(acled.AcledRejected) as caught:
        acled.import_events(importer, data=export(*rows))
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "event_date"),
        (3, "latitude"),
        (4, "event_type"),
        (4, "fatalities"),
        (5, "event_id_cnty"),
    }
    assert not AcledEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="acled.import").exists()
    with translation.override("en"):
        messages = [str(e.message) for e in caught.value.errors]
    assert "The event MLI1 already appears in row 2." in messages


def test_a_file_that_is_not_an_acled_export_is_refused_by_column(areas, importer):
    data = b"name,age\nAwa,12\n"
    with pytest.raises(acled.AcledRejected) as caught:
        acled.import_events(importer, data=data)
    assert {e.column for e in caught.value.errors} == set(acled.REQUIRED)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("latin-1", ";")],
)
def test_encodings_and_separators(areas, importer, encoding, delimiter):
    rows = [event(admin1="Ségou", admin2="Ségou", event_date="12/03/2024", latitude="13,45")]
    acled.import_events(importer, data=export(*rows, delimiter=delimiter, encoding=encoding))
    stored = AcledEvent.objects.get()
    assert stored.area.pcode == "ML0406"
    assert stored.event_date == dt.date(2024, 3, 12)
    assert str(stored.latitude) == "13.45000"


def test_acled_date_written_in_words(areas, importer):
    acled.import_events(importer, data=export(event(event_date="12 March 2024")))
    assert AcledEvent.objects.get().event_date == dt.date(2024, 3, 12)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_events_or_row_errors_never_a_crash(data):
    events, errors = acled.read(data)
    assert events or errors


# --------------------------------------------------------------------------- never counted


def test_an_acled_import_changes_no_protection_figure(areas, importer, monitor, client_as):
    """Aggregates, response gaps and the home page read incidents only: importing ACLED
    events in the same area and week changes none of their figures."""
    from passerelle.referrals import gaps
    from passerelle.sharing import aggregates

    incident_factory(monitor, area=areas["ML0701"], occurred_on=dt.date(2024, 3, 12))
    viewer = client_as("im_officer")
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)

    def figures():
        report = gaps.build(viewer.user, start=start, end=end, region=None)
        gap_rows = [(r.key, [c.value for c in r.cells], r.needed_missing) for r in report.rows]
        table = aggregates.build(
            viewer.user, purpose="analysis", rows="area", columns="category", area_level=2
        )
        cells = [[c.value for c in row] for row in table.table.cells]
        home = viewer.get(reverse("core:home"))
        return (
            gap_rows,
            [c.value for c in report.totals],
            table.incidents,
            cells,
            table.table.total.value,
            _numbers(home),
        )

    before = figures()
    assert before[2] == 1  # the incident is counted in the aggregate table
    rows = [event(event_id_cnty=f"MLI{n}", fatalities="4") for n in range(30)]
    acled.import_events(importer, data=export(*rows))
    assert AcledEvent.objects.count() == 30
    assert figures() == before


def _numbers(response) -> list[str]:
    import re

    return re.findall(r"\d+", response.content.decode().split("<main", 1)[-1])


# --------------------------------------------------------------------------- pages


def test_the_map_page_counts_events_per_cercle(areas, importer, client_as):
    acled.import_events(
        importer,
        data=export(
            event(),
            event(event_id_cnty="MLI2"),
            event(event_id_cnty="MLI3", admin1="Mopti", admin2="Djenne"),
        ),
    )
    client = client_as("viewer")
    response = client.get(reverse("context:events"))
    assert response.status_code == 200
    rows = {area.pcode: count for area, _link, count, _dead in response.context["rows"]}
    assert rows["ML0701"] == 2 and rows["ML0503"] == 1 and rows["ML0101"] == 0
    assert response.context["map"]["values"]["ML0701"]["t"] == "2"
    chosen = client.get(reverse("context:events"), {"area": "ML0503"})
    assert [e.event_id_cnty for e in chosen.context["events"]] == ["MLI3"]


def test_the_incident_page_shows_acled_events_of_its_cercle_and_week(
    areas, importer, monitor, client_for
):
    incident = incident_factory(monitor, area=areas["ML0701"], occurred_on=dt.date(2024, 3, 13))
    acled.import_events(
        importer,
        data=export(
            event(event_id_cnty="MLI-SAME", event_date="2024-03-11"),  # Monday, same week
            event(event_id_cnty="MLI-NEXT", event_date="2024-03-18"),  # the next week
            event(event_id_cnty="MLI-ELSE", admin1="Mopti", admin2="Djenne"),  # another cercle
        ),
    )
    page = client_for(monitor).get(
        reverse("incidents:detail", kwargs={"public_id": incident.public_id})
    )
    text = page.content.decode()
    assert "MLI-SAME" not in text  # the id is not shown; the event is, by its actor and place
    assert "Security context (ACLED)" in text
    assert page.content.decode().count("Unidentified Armed Group (Mali)") == 1


def test_anyone_who_browses_areas_reads_the_layer_and_only_importers_import(client_as, areas):
    assert client_as("viewer").get(reverse("context:events")).status_code == 200
    assert client_as("viewer").get(reverse("context:import")).status_code == 403
    assert client_as("im_officer").get(reverse("context:import")).status_code == 200
    assert client_as("system_admin").get(reverse("context:import")).status_code == 200


def test_the_import_page_applies_a_file_or_lists_its_problems(client_as, areas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as("im_officer")
    bad = SimpleUploadedFile("acled.csv", export(event(latitude="north")))
    response = client.post(reverse("context:import"), {"file": bad})
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["errors"]] == [(2, "latitude")]
    good = SimpleUploadedFile("acled.csv", export(event()))
    response = client.post(reverse("context:import"), {"file": good})
    assert response.status_code == 302
    assert AcledEvent.objects.count() == 1


def test_the_command_imports_a_file_and_refuses_a_bad_one(areas, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    good = tmp_path / "acled.csv"
    good.write_bytes(export(event(), event(event_id_cnty="MLI2")))
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_acled", str(good), stdout=out)
    assert "New: 2" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(export(event(event_id_cnty="MLI3", longitude="east")))
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command("import_acled", str(bad), stderr=err)
    assert "row 2, column longitude" in err.getvalue()
    assert AcledEvent.objects.count() == 2


def test_an_event_written_meanwhile_by_another_import_gives_a_clear_refusal(
    areas, importer, monitor
):
    """Two imports of the same new event at once: the second meets the unique id; it is
    refused whole with a message, not a server error."""
    from unittest import mock

    original = AcledEvent.objects.in_bulk

    def stale(*args, **kwargs):  # what the second import read before the first committed
        found = original(*args, **kwargs)
        AcledEvent.objects.create(
            event_id_cnty="MLI1001", event_date=dt.date(2024, 3, 12), event_type="Riots",
            latitude=1, longitude=1,
        )  # fmt: skip
        return found

    with mock.patch.object(AcledEvent.objects, "in_bulk", side_effect=stale):
        with pytest.raises(acled.AcledRejected) as caught:
            acled.import_events(importer, data=export(event(), event(event_id_cnty="MLI9")))
    assert [e.code for e in caught.value.errors] == ["conflict"]
    assert not AcledEvent.objects.filter(event_id_cnty="MLI9").exists()


def test_an_incident_known_by_its_month_shows_the_events_of_that_month(areas, importer, monitor):
    from passerelle.context.templatetags.context_tags import security_context

    incident = incident_factory(
        monitor, area=areas["ML0701"], occurred_on=dt.date(2024, 3, 1), date_precision="month"
    )
    acled.import_events(
        importer,
        data=export(
            event(event_id_cnty="MLI-MARCH", event_date="2024-03-28"),
            event(event_id_cnty="MLI-APRIL", event_date="2024-04-01"),
        ),
    )
    shown = security_context(incident)
    assert [e.event_id_cnty for e in shown["events"]] == ["MLI-MARCH"] and shown["by_month"]
    incident.date_precision = "year"
    assert security_context(incident) == {"shown": False}
