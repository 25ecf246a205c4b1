"""Loading COD-AB areas from the browser: administrators only; "Check" shows what each level
would become and writes nothing; "Apply" writes all or nothing, audited; problems are listed
with the row and the file the user uploaded."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from passerelle.core.models import AuditEvent
from passerelle.geography import admin_views
from passerelle.geography.models import Area

pytestmark = pytest.mark.django_db

AREAS = (
    "pcode,name,level,parent_pcode,name_fr,name_en\r\n"
    "NE,Niger,0,,Niger,Niger\r\n"
    "NE001,Agadez,1,NE,Agadez,Agadez\r\n"
    "NE002,Diffa,1,NE,Diffa,Diffa\r\n"
    "NE001001,Arlit,2,NE001,Arlit,Arlit\r\n"
)
SQUARE = [[[7.0, 18.0], [8.0, 18.0], [8.0, 19.0], [7.0, 19.0], [7.0, 18.0]]]
BOUNDARIES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"ADM2_PCODE": "NE001001"},
         "geometry": {"type": "Polygon", "coordinates": SQUARE}},
    ],
}  # fmt: skip


def files(areas=AREAS, boundaries=BOUNDARIES, **options):
    data = {"areas": SimpleUploadedFile("ner_adm.csv", areas.encode())}
    if boundaries is not None:
        data["boundaries"] = SimpleUploadedFile("ner_adm2.geojson", json.dumps(boundaries).encode())
        data["match_property"] = "ADM2_PCODE"
    data.update(options)
    return data


@pytest.fixture
def admin(client_as):
    return client_as("system_admin")


def test_check_shows_each_level_and_writes_nothing_then_apply_writes_and_audits(admin):
    response = admin.post(reverse("geography:upload"), files(version="cod-ab-2024"))
    assert response.status_code == 200
    levels = {row["preview"].level: row["preview"] for row in response.context["levels"]}
    assert {lvl: (p.created, p.updated, p.unchanged) for lvl, p in levels.items()} == {
        0: (1, 0, 0),
        1: (2, 0, 0),
        2: (1, 0, 0),
    }
    assert levels[2].geometries == 1
    assert not Area.objects.exists()

    applied = admin.post(reverse("geography:apply"))
    assert applied.status_code == 302
    arlit = Area.objects.get(pcode="NE001001")
    assert arlit.parent.pcode == "NE001" and arlit.geometry["type"] == "Polygon"
    assert arlit.pcode_version == "cod-ab-2024"
    event = AuditEvent.objects.get(action="areas.import")
    assert event.actor == admin.user and event.detail["created"] == 4
    assert event.detail["levels"] == {"0": 1, "1": 2, "2": 1}
    # the files are gone: applying again has nothing to apply
    assert admin.post(reverse("geography:apply")).status_code == 302
    assert AuditEvent.objects.filter(action="areas.import").count() == 1

    again = admin.post(reverse("geography:upload"), files(version="cod-ab-2024"))
    assert [(r["preview"].created, r["preview"].unchanged) for r in again.context["levels"]] == [
        (0, 1),
        (0, 2),
        (0, 1),
    ]


def test_problems_are_listed_by_file_and_row_and_nothing_is_written(admin):
    bad = AREAS + "NE009009,Nowhere,2,NE009,,\r\nNE001,Agadez again,1,NE,,\r\n"
    response = admin.post(reverse("geography:upload"), files(areas=bad))
    assert response.status_code == 200
    errors = response.context["errors"]
    assert "Row 6 of ner_adm.csv: the parent P-code NE009 does not exist." in errors
    assert any(e.startswith("Row 7 of ner_adm.csv") for e in errors)
    assert "levels" not in response.context
    assert not Area.objects.exists()
    assert admin.session.get(admin_views.SESSION_KEY) is None  # the files are deleted


def test_boundaries_need_the_property_that_names_the_pcode(admin):
    response = admin.post(reverse("geography:upload"), files(match_property=""))
    assert response.status_code == 200
    assert "match_property" in response.context["form"].errors
    assert not Area.objects.exists()


def test_an_unknown_pcode_in_the_boundaries_is_named(admin):
    boundaries = json.loads(json.dumps(BOUNDARIES))
    boundaries["features"][0]["properties"]["ADM2_PCODE"] = "NE777"
    response = admin.post(reverse("geography:upload"), files(boundaries=boundaries))
    assert response.context["errors"] == [
        "Feature 1 of ner_adm2.geojson: the P-code NE777 (property ADM2_PCODE) is not a known area."
    ]


@pytest.mark.parametrize("role", ["viewer", "im_officer", "org_admin"])
def test_only_administrators_load_areas(client_as, role):
    client = client_as(role)
    assert client.get(reverse("geography:upload")).status_code == 403
    assert client.post(reverse("geography:upload"), files()).status_code == 403
    assert client.post(reverse("geography:apply")).status_code == 403
    assert not Area.objects.exists()


def test_apply_without_a_check_does_nothing(admin):
    response = admin.post(reverse("geography:apply"))
    assert response.status_code == 302 and response["Location"] == reverse("geography:upload")
    assert not Area.objects.exists()


def test_folders_of_checks_never_applied_are_swept_a_day_later(admin):
    import os
    import time

    admin.post(reverse("geography:upload"), files())
    token = admin.session[admin_views.SESSION_KEY]["token"]
    folder = admin_views._root() / token
    assert folder.is_dir()
    old = time.time() - 2 * 24 * 3600
    os.utime(folder, (old, old))
    admin_views._sweep()
    assert not folder.exists()
