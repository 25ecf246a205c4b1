"""Pages of the mapping of trainings: who reads and who writes, the flags, the map, the export."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.coordination.models import Training
from passerelle.core.models import AuditEvent

from .training_fixtures import form_data, make_training

D = dt.date
LIST = reverse("coordination:training_list")
MAP = reverse("coordination:training_map")
CREATE = reverse("coordination:training_create")
XLSX = reverse("coordination:training_xlsx")


def edit_url(training):
    return reverse("coordination:training_edit", kwargs={"public_id": training.public_id})


def delete_url(training):
    return reverse("coordination:training_delete", kwargs={"public_id": training.public_id})


def detail_url(training):
    return reverse("coordination:training_detail", kwargs={"public_id": training.public_id})


@pytest.fixture
def mission(db):
    return OrganisationFactory(acronym="MINUSMA", name="MINUSMA", type="mission")


@pytest.fixture
def mapping(org, other_org, mission, areas):
    """DRC and MINUSMA both train the mission military on the protection of civilians in
    Mopti in September (MINUSMA for the whole region): likely duplicates. AMSS trains
    communities in Gao; DRC trains the national forces in Bandiagara (another audience)."""
    return {
        "drc_mopti": make_training(
            org, areas["ML0506"], title="PoC — Sévaré", participants=30, women=6
        ),
        "minusma_region": make_training(
            mission, areas["ML05"], title="PoC — région de Mopti", start=D(2013, 9, 3), days=5
        ),
        "amss_gao": make_training(
            other_org,
            areas["ML0703"],
            title="Sensibilisation GBV",
            topic="gbv",
            audience="community",
            participants=50,
            women=40,
        ),
        "drc_bandiagara": make_training(
            org,
            areas["ML0501"],
            title="DIH — FAMa",
            topic="ihl",
            audience="national_forces",
            participants=20,
            women=None,
        ),
    }


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("role", ["viewer", "monitor", "focal_point", "im_officer"])
def test_every_holder_of_coordination_view_reads_every_training(client_as, mapping, role):
    response = client_as(role).get(LIST)
    assert response.status_code == 200
    for training in mapping.values():
        assert training.title in response.content.decode()


def test_system_admin_does_not_read_the_trainings(client_as, mapping):
    assert client_as("system_admin").get(LIST).status_code == 403


def test_the_list_flags_likely_duplicates_and_links_them(client_as, mapping):
    response = client_as("viewer").get(LIST)
    rows = {r["training"].pk: r["duplicates"] for r in response.context["page"].object_list}
    drc, minusma = mapping["drc_mopti"], mapping["minusma_region"]
    assert [d["other"].pk for d in rows[drc.pk]] == [minusma.pk]
    assert rows[drc.pk][0]["same_provider"] is False
    assert rows[mapping["amss_gao"].pk] == [] and rows[mapping["drc_bandiagara"].pk] == []
    html = response.content.decode()
    assert detail_url(minusma) in html and "by another provider: MINUSMA" in html


def test_the_same_provider_twice_is_said(client_as, org, areas, mapping):
    again = make_training(org, areas["ML0506"], title="PoC — Sévaré bis", start=D(2013, 9, 3))
    response = client_as("viewer").get(detail_url(again))
    assert response.status_code == 200
    same = {d["other"].pk: d["same_provider"] for d in response.context["duplicates"]}
    assert same == {mapping["drc_mopti"].pk: True, mapping["minusma_region"].pk: False}
    assert "by the same provider" in response.content.decode()


def test_totals_and_the_audience_topic_table(client_as, mapping):
    response = client_as("viewer").get(LIST)
    totals = response.context["totals"]
    assert totals["trainings"] == 4
    assert totals["participants"] == 30 + 20 + 50 + 20
    # women known for DRC Mopti (6/30), MINUSMA (no women given: None), AMSS (40/50)
    assert totals["women_share"] == round(100 * (6 + 40) / (30 + 50))
    table = response.context["table"]
    assert [t.value for t in table["topics"]] == ["ihl", "poc", "gbv"]
    cells = {row["audience"].value: row["cells"] for row in table["rows"]}
    assert cells["mission_military"] == [0, 2, 0]
    assert cells["community"] == [0, 0, 1]
    assert table["totals"] == [1, 2, 1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"topic": "poc"}, {"drc_mopti", "minusma_region"}),
        ({"audience": "community"}, {"amss_gao"}),
        ({"area": "ML0506"}, {"drc_mopti", "minusma_region"}),  # the region's training too
        ({"area": "ML07"}, {"amss_gao"}),
        ({"area": "ML0501"}, {"drc_bandiagara", "minusma_region"}),
        ({"duplicates": "on"}, {"drc_mopti", "minusma_region"}),
        ({"start": "2013-09-05", "end": "2013-09-30"}, {"minusma_region"}),
        ({"end": "2013-08-31"}, set()),
    ],
)
def test_list_filters(client_as, mapping, query, expected):
    response = client_as("viewer").get(LIST, query)
    shown = {r["training"].pk for r in response.context["page"].object_list}
    assert shown == {mapping[key].pk for key in expected}


def test_filter_by_provider_keeps_the_other_providers_duplicate(client_as, org, mapping):
    response = client_as("viewer").get(LIST, {"provider": org.pk, "duplicates": "on"})
    rows = response.context["page"].object_list
    assert [r["training"].pk for r in rows] == [mapping["drc_mopti"].pk]
    assert rows[0]["duplicates"][0]["other"].pk == mapping["minusma_region"].pk


def test_a_window_flags_trainings_a_few_days_apart(client_as, org, other_org, areas):
    make_training(org, areas["ML0703"], start=D(2013, 9, 2), days=2)
    make_training(other_org, areas["ML0703"], start=D(2013, 9, 6), days=1)
    client = client_as("viewer")
    assert client.get(LIST, {"duplicates": "on"}).context["totals"]["trainings"] == 0
    assert client.get(LIST, {"duplicates": "on", "window": "3"}).context["totals"]["trainings"] == 2


def test_wrong_filters_are_explained_in_the_users_language(client_as, mapping):
    response = client_as("viewer", language="fr").get(
        LIST, {"start": "2013-09-30", "end": "2013-09-01"}
    )
    assert list(response.context["form"].errors["end"]) == ["La fin précède le début."]
    assert response.context["totals"]["trainings"] == 0


# --------------------------------------------------------------------------- map


def test_the_map_draws_the_cercles_with_counts_and_flags(client_as, mapping):
    response = client_as("viewer").get(MAP)
    assert response.status_code == 200
    values = response.context["map"]["values"]
    assert values["ML0506"]["c"] == "3"  # a likely duplicate (with the region's training)
    assert values["ML0703"]["c"] == "1"  # trainings, none a likely duplicate
    assert values["ML0101"]["c"] == "0"
    assert values["ML0501"]["t"] == "1 training, 20 participants, 1 more for a wider area"
    html = response.content.decode()
    block = re.search(r'<script id="training-map-data"[^>]*>(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    drawn = {area["p"] for area in data["areas"]}
    assert {"ML0506", "ML0703"} <= drawn and len(drawn) > 40
    assert "js/areamap.js" in html and "<script>" not in html
    assert reverse("coordination:training_list") + "?area=ML0506" in html


def test_the_map_per_region_counts_everything_within(client_as, mapping):
    response = client_as("viewer").get(MAP, {"level": "region", "colour": "count"})
    rows = {row["area"].pcode: row for row, _link in response.context["by_area"]}
    assert rows["ML05"]["count"] == 3 and rows["ML05"]["duplicates"] == 2
    assert rows["ML07"]["count"] == 1 and rows["ML01"]["count"] == 0
    assert response.context["map"]["palette"] == "services"


def test_the_map_of_one_region_shows_its_cercles_only(client_as, mapping):
    response = client_as("viewer").get(MAP, {"area": "ML07", "topic": "gbv"})
    rows = {row["area"].pcode: row["count"] for row, _link in response.context["by_area"]}
    assert set(rows) == {p for p in rows if p.startswith("ML07")} and rows["ML0703"] == 1


# --------------------------------------------------------------------------- writing


def test_a_focal_point_records_a_training_through_the_form(client_as, org, areas):
    client = client_as("focal_point")
    response = client.post(CREATE, form_data(org, areas["ML0506"]))
    training = Training.objects.get()
    assert response.status_code == 302 and response.url == detail_url(training)
    assert (training.provider, training.participants, training.women) == (org, 30, 4)
    assert AuditEvent.objects.filter(action="training.create", actor=client.user).exists()


def test_a_viewer_reads_but_may_not_record(client_as, areas, org):
    client = client_as("viewer")
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(org, areas["ML0506"])).status_code == 403
    assert not Training.objects.exists()


def test_the_form_offers_only_ones_own_organisation(client_as, org, other_org, areas):
    client = client_as("org_admin")
    response = client.get(CREATE)
    assert list(response.context["form"].fields["provider"].queryset) == [org]
    response = client.post(CREATE, form_data(other_org, areas["ML0506"]))
    assert response.status_code == 200 and "provider" in response.context["form"].errors
    assert not Training.objects.exists()


def test_another_organisations_manager_gets_404_and_is_audited(client_as, other_org, mapping):
    training = mapping["drc_mopti"]
    client = client_as("org_admin", other_org)
    assert client.get(edit_url(training)).status_code == 404
    assert client.post(edit_url(training), {"title": "x"}).status_code == 404
    assert client.post(delete_url(training)).status_code == 404
    assert Training.objects.filter(pk=training.pk).exists()
    assert AuditEvent.objects.filter(action="access.refused", actor=client.user).count() == 3
    assert client.get(detail_url(training)).status_code == 200  # reading stays open


def test_the_provider_edits_and_deletes_its_training(client_as, org, areas, mapping):
    training = mapping["drc_mopti"]
    client = client_as("focal_point")
    data = form_data(org, areas["ML0506"], title="PoC — Sévaré (2)", participants="35")
    assert client.post(edit_url(training), data).status_code == 302
    training.refresh_from_db()
    assert (training.title, training.participants) == ("PoC — Sévaré (2)", 35)
    assert client.get(delete_url(training)).status_code == 405
    assert client.post(delete_url(training)).status_code == 302
    assert not Training.objects.filter(pk=training.pk).exists()


def test_an_im_officer_edits_any_providers_training(client_as, other_org, mission, areas, mapping):
    training = mapping["minusma_region"]
    client = client_as("im_officer", other_org)
    response = client.get(edit_url(training))
    assert response.status_code == 200
    data = form_data(mission, areas["ML05"], participants="12", women="")
    assert client.post(edit_url(training), data).status_code == 302
    training.refresh_from_db()
    assert (training.participants, training.women) == (12, None)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_form_errors_are_translated_and_the_values_kept(client_as, org, areas, language):
    client = client_as("focal_point", language=language)
    data = form_data(org, areas["ML0506"], women="31", note="Exercice sur scénario à Sévaré")
    response = client.post(CREATE, data)
    assert response.status_code == 200
    with translation.override(language):
        expected = translation.gettext("There cannot be more women than participants.")
    assert list(response.context["form"].errors["women"]) == [expected]
    html = response.content.decode()
    assert 'value="31"' in html and "Exercice sur scénario à Sévaré" in html
    assert not Training.objects.exists()


def test_dates_in_the_wrong_order_are_refused_at_the_end_date(client_as, org, areas):
    response = client_as("focal_point").post(
        CREATE, form_data(org, areas["ML0506"], starts_on="2013-10-09", ends_on="2013-10-07")
    )
    assert response.context["form"].errors["ends_on"] == [
        "The training cannot end before it starts."
    ]
    assert 'value="2013-10-09"' in response.content.decode()


# --------------------------------------------------------------------------- export


def test_the_xlsx_lists_the_filtered_trainings_in_the_users_language(client_as, mapping):
    client = client_as("viewer", language="fr")
    response = client.get(XLSX, {"topic": "poc"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, r in enumerate(rows) if r[5] == "P-code")
    header = rows[header_index]
    assert (header[0], header[7], header[8]) == ("Titre", "Du", "Au")  # in French
    body = rows[header_index + 1 :]
    assert {r[0] for r in body} == {"PoC — Sévaré", "PoC — région de Mopti"}
    by_title = {r[0]: r for r in body}
    assert by_title["PoC — Sévaré"][1] == "DRC" and by_title["PoC — Sévaré"][5] == "ML0506"
    assert "PoC — région de Mopti" in by_title["PoC — Sévaré"][13]
    event = AuditEvent.objects.get(action="training.export")
    assert event.actor == client.user
    assert event.detail["rows"] == 2 and event.detail["filters"] == {"topic": "poc"}


def test_the_xlsx_with_wrong_filters_is_refused_and_not_audited(client_as, mapping):
    response = client_as("viewer").get(XLSX, {"start": "2013-09-30", "end": "2013-09-01"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="training.export").exists()
