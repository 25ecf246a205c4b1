"""Submissions turned into IncidentIn rows through the officer's mapping: codes, dates, the
finest area, the GPS point, victims from the repeat, consents and needs; each error names
the row, the column and (for a code) the unknown answer, never a name or a narrative."""

from __future__ import annotations

import datetime as dt
import functools
import json

import pytest
from django.utils import translation

from passerelle.xlsforms.forms import read_form
from passerelle.xlsforms.submissions import read_submissions, to_incidents

from . import exports
from .forms import protection_monitoring_form

SUBS = exports.pm_submissions(4)


@functools.cache
def form():
    return read_form(protection_monitoring_form())


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _rows(data, mapping=exports.PM_MAPPING):
    result = read_submissions(data, form())
    rows, errors = to_incidents(form(), mapping, result)
    return rows, result.errors + errors


def test_a_kobo_xlsx_export_becomes_incidents_with_their_victims():
    rows, errors = _rows(exports.kobo_xlsx(SUBS))
    assert errors == []
    assert [len(r.persons) for r in rows] == [0, 1, 2, 3]
    row = rows[3]
    assert row.key == SUBS[3]["uuid"]
    assert row.row == 5
    assert row.version == SUBS[3]["submitted"]
    assert row.values["occurred_on"] == dt.date(2026, 9, 1)
    assert row.values["reported_on"] == dt.date(2026, 9, 4)
    assert row.values["area"] == "ML0601"
    assert row.values["category"] == "pm.attacks_on_civilians"  # meurtre, first right code
    assert row.values["perpetrator"] == "self_defence_militia"
    assert row.values["source_type"] == "witness"
    assert row.values["source_reliability"] == "02"
    assert (row.values["latitude"], row.values["longitude"]) == (16.7666, -3.0026)
    assert row.values["exact_location"] == "Quartier 4"
    first = row.persons[0]
    assert first.role == "victim"
    assert (first.sex, first.age, first.displacement_status) == ("m", 9, "idp")
    assert first.full_name == "Ibrahim Maïga" and first.mother_name == "Aïssata Cissé"
    assert first.disability == "no"
    assert first.consents == {"case_sharing": False, "referral": True}
    assert first.needs == ["police_other_service", "safehouse_service"]
    assert first.phone == "730123450"


@pytest.mark.parametrize(
    "make",
    [exports.kobo_xlsx, exports.kobo_json, exports.odk_json, exports.odk_csv_zip],
    ids=["kobo-xlsx", "kobo-json", "odk-odata", "odk-csv-zip"],
)
def test_every_layout_gives_the_same_rows(make):
    reference, _errors = _rows(exports.kobo_xlsx(SUBS))
    rows, errors = _rows(make(SUBS))
    assert errors == []
    strip = lambda r: (r.key, r.version, r.values, r.persons)  # noqa: E731
    assert [strip(r) for r in rows] == [strip(r) for r in reference]


def test_columns_name_where_each_field_came_from():
    rows, _errors = _rows(exports.kobo_xlsx(SUBS))
    columns = rows[2].columns
    assert columns["occurred_on"] == "incident/date_incident"
    assert columns["area"] == "incident/cercle"
    assert columns["latitude"] == "incident/gps"
    assert columns["persons.1.full_name"] == "victimes!victimes/nom"
    rows, _errors = _rows(exports.kobo_csv(SUBS, separator=".", victim_columns=True))
    assert rows[1].columns["occurred_on"] == "incident.date_incident"
    assert rows[1].columns["persons.0.age"] == "victimes.age"


def test_a_labels_export_is_mapped_through_the_choices_labels():
    rows, errors = _rows(exports.kobo_csv(SUBS, labels="fr", victim_columns=True))
    assert errors == []
    reference, _errors = _rows(exports.kobo_xlsx(SUBS))
    assert rows[2].values["category"] == reference[2].values["category"]
    # with labels in the answers (Kobo's "Labels" export), the same codes
    document = json.loads(exports.kobo_json(SUBS))
    document["results"][2]["incident/type_incident"] = "Violence basée sur le genre"
    document["results"][2]["victimes"][0]["victimes/sexe"] = "Masculin"
    rows, errors = _rows(json.dumps(document).encode())
    assert errors == []
    assert rows[2].values["category"] == "pm.gbv"
    assert rows[2].persons[0].sex == "m"


def test_an_unknown_choice_is_an_error_naming_row_column_and_code():
    document = json.loads(exports.kobo_json(SUBS))
    document["results"][1]["incident/type_incident"] = "massacre_v3"
    document["results"][2]["victimes"][1]["victimes/besoins"] = "medical teleportation"
    rows, errors = _rows(json.dumps(document).encode())
    found = [(e.row, e.column, e.code) for e in errors]
    assert found == [
        (2, "incident/type_incident", "unknown_choice"),
        (3, "victimes/besoins", "unknown_choice"),
    ]
    assert "massacre_v3" in str(errors[0].message) and "Row 2" in str(errors[0].message)
    assert "teleportation" in str(errors[1].message)
    assert [r.row for r in rows] == [1, 4]  # rows with an error are left out


def test_an_unknown_choice_in_a_kobo_xlsx_names_the_victims_sheet_row():
    document = exports.pm_submissions(4)
    document[3]["victimes"][2]["victimes/sexe"] = "x"
    rows, errors = _rows(exports.kobo_xlsx(document))
    [error] = errors
    assert (error.row, error.column) == (7, "victimes!victimes/sexe")  # row 7 of that sheet


def test_a_choice_left_out_of_the_mapping_gives_no_value():
    mapping = {**exports.PM_MAPPING}
    mapping["perpetrator"] = {"question": "auteur", "choices": {"fama": "national_armed_forces"}}
    rows, errors = _rows(exports.kobo_xlsx(SUBS), mapping)
    assert errors == []
    assert "perpetrator" not in rows[1].values  # bandits: not mapped


@pytest.mark.parametrize(
    "written, expected",
    [
        ("05/03/2026", dt.date(2026, 3, 5)),
        ("5/3/2026", dt.date(2026, 3, 5)),
        ("2026-03-05", dt.date(2026, 3, 5)),
        ("2026-03-05T23:30:00.000-05:00", dt.date(2026, 3, 5)),
        ("46086", dt.date(2026, 3, 5)),
    ],
)
def test_dates_in_french_iso_and_excel_serial_forms(written, expected):
    text = exports.kobo_csv(SUBS[:1]).decode().replace("2026-08-29", written)
    rows, errors = _rows(text.encode())
    assert errors == []
    assert rows[0].values["occurred_on"] == expected


def test_an_excel_serial_in_an_xlsx_number_cell_is_a_date():
    document = exports.pm_submissions(1)
    document[0]["values"]["incident/date_signalement"] = 46086  # a number cell
    rows, errors = _rows(exports.kobo_xlsx(document))
    assert errors == []
    assert rows[0].values["reported_on"] == dt.date(2026, 3, 5)


def test_a_bad_date_is_an_error_quoting_it_only_when_it_looks_like_a_date():
    text = exports.kobo_csv(SUBS[:2]).decode()
    text = text.replace("2026-08-29", "31/02/2026").replace("2026-08-30", "pendant la nuit")
    rows, errors = _rows(text.encode())
    assert rows == []
    assert [(e.row, e.column, e.code) for e in errors] == [
        (2, "incident/date_incident", "bad_date"),
        (3, "incident/date_incident", "not_a_date"),
    ]
    assert "31/02/2026" in str(errors[0].message)
    assert "nuit" not in str(errors[1].message)


def test_no_name_or_narrative_is_ever_quoted_in_an_error():
    mapping = {**exports.PM_MAPPING, "occurred_on": {"question": "description"}}  # mistakes
    mapping["persons.age"] = {"question": "nom"}
    mapping["reported_on"] = {"question": "localite"}
    rows, errors = _rows(exports.kobo_xlsx(SUBS), mapping)
    assert {e.code for e in errors} == {"not_a_date", "bad_number"}
    assert len(errors) == 4 * 2 + 6  # two dates per submission, one age per victim
    secrets = [v for s in SUBS for vi in s["victimes"] for v in vi.values()]
    secrets += [s["values"]["incident/description"] for s in SUBS]
    secrets += [s["values"]["incident/localite"] for s in SUBS]
    for error in errors:
        for language in ("en", "fr"):
            with translation.override(language):
                message = str(error.message)
            assert not any(str(secret) in message for secret in secrets if len(str(secret)) > 3)


def test_a_bad_gps_point_and_a_bad_age_are_errors():
    document = json.loads(exports.kobo_json(SUBS))
    document["results"][1]["incident/gps"] = "91.5 -3.0 0 0"
    document["results"][3]["victimes"][0]["victimes/age"] = "douze"
    _rows_, errors = _rows(json.dumps(document).encode())
    assert [(e.row, e.column, e.code) for e in errors] == [
        (2, "incident/gps", "bad_geopoint"),
        (4, "victimes/age", "bad_number"),
    ]


def test_area_is_the_finest_level_answered():
    mapping = {key: spec for key, spec in exports.PM_MAPPING.items() if key != "area"}
    mapping["area.admin1"] = {"question": "region", "choices": {"kayes": "ML01", "segou": "ML04"}}
    mapping["area.admin2"] = {"question": "cercle"}
    document = exports.pm_submissions(2)
    document[1]["values"]["incident/cercle"] = ""  # cercle not answered: the region
    rows, errors = _rows(exports.kobo_json(document), mapping)
    assert errors == []
    assert [r.values["area"] for r in rows] == ["ML0101", "ML04"]
    assert rows[1].columns["area"] == "incident/region"


def test_constant_values_and_a_role_mapped_for_every_person():
    mapping = {
        **exports.PM_MAPPING,
        "persons.role": {"value": "witness"},
        "classification": {"value": "3"},
    }
    rows, errors = _rows(exports.kobo_xlsx(SUBS), mapping)
    assert errors == []
    assert {p.role for r in rows for p in r.persons} == {"witness"}
    assert {r.values["classification"] for r in rows} == {3}


def test_person_questions_outside_a_repeat_make_one_person():
    mapping = {"persons.sex": {"question": "sexe", "choices": {"f": "f", "m": "m"}}}
    rows, errors = _rows(exports.kobo_csv(SUBS, victim_columns=True), mapping)
    assert errors == []
    assert [len(r.persons) for r in rows] == [0, 1, 1, 1]
    assert rows[1].persons[0].role == "victim"


def test_a_need_written_as_its_label_is_one_choice():
    document = json.loads(exports.kobo_json(SUBS))
    document["results"][1]["victimes"][0]["victimes/besoins"] = "Soutien psychosocial"
    rows, errors = _rows(json.dumps(document).encode())
    assert errors == []
    assert rows[1].persons[0].needs == ["psychosocial_service"]


@pytest.mark.parametrize("ref", ["victimes", "/pm_mali_2026/victimes", "/data/victimes"])
def test_the_persons_repeat_may_be_named_by_name_or_xpath(ref):
    mapping = {**exports.PM_MAPPING, "persons.repeat": {"question": ref}}
    rows, errors = _rows(exports.kobo_json(SUBS), mapping)
    assert errors == []
    assert [len(r.persons) for r in rows] == [0, 1, 2, 3]


def test_free_text_taken_as_a_code_is_refused_without_being_quoted():
    mapping = {**exports.PM_MAPPING, "category": {"question": "description"}}
    rows, errors = _rows(exports.kobo_json(SUBS), mapping)
    assert rows == []
    assert {(e.column, e.code) for e in errors} == {("incident/description", "not_a_code")}
    assert not any("Récit" in str(e.message) for e in errors)
    mapping["area"] = {"question": "localite"}  # "Quartier 4": not a code either
    mapping["category"] = exports.PM_MAPPING["category"]
    rows, errors = _rows(exports.kobo_json(SUBS), mapping)
    assert {e.code for e in errors} == {"not_a_code"}
