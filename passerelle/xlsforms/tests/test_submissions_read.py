"""Reading Kobo and ODK exports of the protection-monitoring form: every layout gives the same
submissions; bad input gives one clear refusal or an error naming the row and column."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import zipfile

import openpyxl
import pytest
from django.test import override_settings
from django.utils import translation

from passerelle.core.exports import csv_writer
from passerelle.xlsforms.forms import read_form
from passerelle.xlsforms.submissions import (
    SubmissionsRefused,
    detect_format,
    read_submissions,
    sniff_delimiter,
)

from . import exports
from .forms import protection_monitoring_form


@functools.cache
def form():
    return read_form(protection_monitoring_form())


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


SUBS = exports.pm_submissions(4)


def _flat(result):
    """What was read, comparable across layouts: key → (version, values, victims' values)."""
    out = {}
    for s in result.submissions:
        values = {p: str(v) for p, v in s.values.items() if p not in ("start", "end", "today")}
        victims = [{p: str(v) for p, v in e.values.items()} for e in s.repeats.get("victimes", [])]
        out[s.key] = (s.version, values, victims)
    return out


def _expected(with_victims=True):
    out = {}
    for sub in SUBS:
        values = {
            p: str(v)
            for p, v in sub["values"].items()
            if v != "" and p not in ("start", "end", "today")
        }
        victims = [{p: str(v) for p, v in vi.items()} for vi in sub["victimes"]]
        out[sub["uuid"]] = (sub["submitted"], values, victims if with_victims else [])
    return out


@pytest.mark.parametrize(
    "data, kind",
    [
        (exports.kobo_xlsx(SUBS), "xlsx"),
        (exports.kobo_json(SUBS), "json"),
        (exports.odk_json(SUBS), "json"),
        (exports.odk_csv_zip(SUBS), "zip"),
    ],
    ids=["kobo-xlsx", "kobo-json", "odk-odata", "odk-csv-zip"],
)
def test_every_export_with_repeats_reads_the_same_submissions_and_victims(data, kind):
    result = read_submissions(data, form())
    assert result.format == kind
    assert result.errors == []
    got = _flat(result)
    expected = _expected()
    if kind == "xlsx":  # XLSX cells keep their types: dates and numbers
        for _version, values, _victims in got.values():
            values["incident/date_incident"] = values["incident/date_incident"][:10]
            values["incident/gps"] = " ".join(str(float(x)) for x in values["incident/gps"].split())
        for _version, values, _victims in expected.values():
            values["incident/gps"] = " ".join(str(float(x)) for x in values["incident/gps"].split())
    if kind == "json" and data[:2] == b'{"' and b"@odata" in data:  # OData's GeoJSON point
        for _version, values, _victims in expected.values():
            lat, lon, alt, acc = (float(x) for x in values["incident/gps"].split())
            values["incident/gps"] = f"{lat} {lon} {alt} {acc}"
    assert got == expected


@pytest.mark.parametrize(
    "options",
    [
        {"separator": "/", "delimiter": ";"},
        {"separator": ".", "delimiter": ","},
        {"separator": "/", "delimiter": "\t", "encoding": "utf-16"},
        {"separator": "/", "delimiter": ",", "encoding": "utf-8-sig"},
        {"separator": "/", "delimiter": ";", "encoding": "cp1252"},
        {"groups": False, "delimiter": ";"},
        {"labels": "fr", "delimiter": ";"},
        {"labels": "en", "delimiter": ","},
        {"multiple": "columns", "victim_columns": True},
        {"multiple": "space", "victim_columns": True, "separator": "."},
    ],
    ids=lambda o: "-".join(f"{k}={v!r}" for k, v in o.items()),
)
def test_kobo_csv_in_every_layout_reads_the_same_submissions(options):
    result = read_submissions(exports.kobo_csv(SUBS, **options), form())
    assert result.format == "csv"
    assert result.delimiter == options.get("delimiter", ";")
    assert result.errors == []
    expected = _expected(with_victims=False)
    if options.get("victim_columns"):  # one victim per row: the first one
        expected = {
            key: (version, values, [victims[0]] if victims else [])
            for key, (version, values, victims) in _expected().items()
        }
    assert _flat(result) == expected


def test_latin1_is_read_as_windows_1252_with_a_note():
    data = exports.kobo_csv(SUBS, encoding="cp1252")
    result = read_submissions(data, form())
    assert result.encoding == "cp1252"
    assert any("Windows-1252" in str(note) for note in result.notes)
    narrative = result.submissions[0].values["incident/description"]
    assert "Récit n° 1" in narrative and "«" in narrative


def test_utf16_without_bom_is_recognised():
    data = exports.kobo_csv(SUBS, delimiter="\t", encoding="utf-16-le")
    result = read_submissions(data, form())
    assert result.encoding == "utf-16-le"
    assert len(result.submissions) == 4


def test_a_chosen_encoding_that_does_not_fit_is_a_clear_refusal():
    data = exports.kobo_csv(SUBS, encoding="utf-16")
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(data, form(), encoding="utf-8")
    assert refused.value.reason == "encoding"


def test_the_separator_is_read_from_the_header_not_from_the_answers():
    text = 'a;b;c\n"1,2,3,4,5";x;y\n'
    assert sniff_delimiter(text) == ";"
    assert sniff_delimiter('"x;y;z",b\n1,2\n') == ","


def test_cells_escaped_by_passerelle_exports_are_read_back_as_typed():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["_uuid", "suivi/commentaires", "_submission_time"])
    writer.writerow(["k1", '=HYPERLINK("x")', "2026-11-02T08:30:00"])
    writer.writerow(["k2", "'quoted", "2026-11-02T08:31:00"])
    result = read_submissions(out.getvalue().encode(), None)
    values = [s.values["suivi/commentaires"] for s in result.submissions]
    assert values == ['=HYPERLINK("x")', "'quoted"]


def test_kobo_xlsx_repeat_rows_link_by_parent_index_when_the_uuid_column_is_absent():
    book = openpyxl.load_workbook(io.BytesIO(exports.kobo_xlsx(SUBS)))
    victims = book["victimes"]
    uuid_column = [c.value for c in victims[1]].index("_submission__uuid") + 1
    victims.delete_cols(uuid_column)
    out = io.BytesIO()
    book.save(out)
    result = read_submissions(out.getvalue(), form())
    counts = [len(s.repeats.get("victimes", [])) for s in result.submissions]
    assert counts == [0, 1, 2, 3]
    entry = result.submissions[3].repeats["victimes"][0]
    assert entry.sheet == "victimes" and entry.row == 5  # its row on its own sheet
    assert entry.columns["victimes/nom"] == "victimes!victimes/nom"


def test_xlsx_excel_dates_and_serial_numbers_are_kept_for_the_conversion():
    result = read_submissions(exports.kobo_xlsx(SUBS), form())
    assert isinstance(result.submissions[0].values["incident/date_incident"], dt.datetime)


def test_select_multiple_from_one_column_per_choice():
    data = exports.kobo_csv(SUBS, multiple="columns", victim_columns=True)
    result = read_submissions(data, form())
    needs = result.submissions[1].repeats["victimes"][0].values["victimes/besoins"]
    assert set(needs.split()) == set(SUBS[1]["victimes"][0]["victimes/besoins"].split())


# --------------------------------------------------------------------------- bad input


def test_an_oversized_file_is_refused_before_it_is_read(monkeypatch):
    from passerelle.xlsforms.submissions import reading

    def never(*args, **kwargs):
        raise AssertionError("read although too large")

    monkeypatch.setattr(reading, "detect_format", never)
    with override_settings(XLSFORM_SUBMISSIONS_MAX_BYTES=1024 * 1024):
        with pytest.raises(SubmissionsRefused) as refused:
            read_submissions(b"x" * (1024 * 1024 + 1), form())
    assert refused.value.reason == "too_large"
    assert "1 MB" in str(refused.value)


def _bomb() -> bytes:
    """A Kobo XLSX whose main sheet inflates to 30 MB (a few dozen KB on disk)."""
    source = zipfile.ZipFile(io.BytesIO(exports.kobo_xlsx(SUBS[:1])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(entry, source.read(entry))
                continue
            with bomb.open(entry.filename, "w") as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/')
                sheet.write(b'spreadsheetml/2006/main"><sheetData><row r="1"><c t="inlineStr">')
                sheet.write(b"<is><t>")
                for _ in range(30):
                    sheet.write(b"A" * 1024 * 1024)
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return out.getvalue()


def test_an_xlsx_zip_bomb_is_refused_from_its_directory():
    bomb = _bomb()
    assert len(bomb) < 300 * 1024
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(bomb, form())
    assert refused.value.reason == "workbook_too_large"


def test_columns_not_in_the_form_are_one_file_level_refusal():
    data = exports.kobo_csv(SUBS).replace(b"incident/localite", b"incident/village_v2")
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(data, form())
    assert refused.value.reason == "unknown_columns"
    assert "incident/village_v2" in str(refused.value)
    assert refused.value.as_row_error().row == 0


def test_a_required_question_without_a_column_is_a_file_level_refusal():
    text = exports.kobo_csv(SUBS).decode()
    rows = [line.split(";") for line in text.splitlines()]
    index = rows[0].index("incident/type_incident")
    data = "\n".join(";".join(r[:index] + r[index + 1 :]) for r in rows).encode()
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(data, form())
    assert refused.value.reason == "missing_questions"
    assert "incident/type_incident" in str(refused.value)


def test_an_export_of_another_form_version_is_refused_whole():
    data = exports.odk_json(SUBS).replace(b'"2026.11"', b'"2025.03"')
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(data, form())
    assert refused.value.reason == "version_mismatch"
    assert "2025.03" in str(refused.value) and "2026.11" in str(refused.value)


def test_a_few_submissions_of_another_version_are_errors_on_their_rows():
    document = json.loads(exports.odk_json(SUBS))
    document["value"][2]["__system"]["formVersion"] = "2025.03"
    result = read_submissions(json.dumps(document).encode(), form())
    assert [e.row for e in result.errors] == [3]
    assert result.errors[0].code == "form_version"
    assert len(result.submissions) == 3


def test_kobo_internal_version_ids_are_not_compared_with_the_form_version():
    result = read_submissions(exports.kobo_json(SUBS), form())  # __version__ "vQb7..."
    assert result.errors == []


def test_the_same_submission_twice_with_the_same_time_is_an_error_on_the_later_row():
    data = exports.kobo_csv([*SUBS, SUBS[1]])
    result = read_submissions(data, form())
    assert [(e.row, e.column, e.code) for e in result.errors] == [(6, "_uuid", "duplicate")]
    assert "row 3" in str(result.errors[0].message)
    assert len(result.submissions) == 4


def test_a_newer_copy_of_a_submission_in_the_same_file_wins():
    newer = {**SUBS[1], "submitted": SUBS[1]["submitted"] + dt.timedelta(days=1)}
    newer["values"] = {**SUBS[1]["values"], "incident/localite": "Corrigé"}
    result = read_submissions(exports.kobo_csv([newer, *SUBS]), form())
    assert result.errors == []
    kept = {s.key: s for s in result.submissions}
    assert kept[SUBS[1]["uuid"]].values["incident/localite"] == "Corrigé"
    assert kept[SUBS[1]["uuid"]].row == 2
    assert len(result.submissions) == 4
    assert any("skipped" in str(n) for n in result.notes)


def test_an_edit_replaces_the_submission_it_deprecates_in_the_same_file():
    document = json.loads(exports.odk_json(SUBS[:2]))
    edit = json.loads(json.dumps(document["value"][0]))
    edit["meta"] = {"instanceID": "uuid:edited-1", "deprecatedID": document["value"][0]["__id"]}
    edit["__id"] = "uuid:edited-1"
    document["value"].append(edit)
    result = read_submissions(json.dumps(document).encode(), form())
    keys = [(s.key, s.replaces) for s in result.submissions]
    assert keys == [(SUBS[1]["uuid"], ""), ("edited-1", SUBS[0]["uuid"])]


def test_a_row_without_identifier_is_an_error_naming_it():
    text = exports.kobo_csv(SUBS).decode().replace(SUBS[2]["uuid"], "")
    result = read_submissions(text.encode(), form())
    assert [(e.row, e.column, e.code) for e in result.errors] == [(4, "_uuid", "no_key")]


def test_an_export_without_any_identifier_column_is_refused():
    text = exports.kobo_csv(SUBS).decode().replace("_uuid", "_identifiant")
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(text.encode(), None)
    assert refused.value.reason == "no_key"


def test_an_unreadable_submission_time_is_an_error_quoting_only_the_time():
    text = exports.kobo_csv(SUBS).decode().replace("2026-11-02T08:37:00", "hier soir")
    result = read_submissions(text.encode(), form())
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (3, "_submission_time", "bad_time")
    ]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"_uuid;x\n", "empty"),
        (b"\n\n", "empty"),
        (b" ;\n1;2\n", "no_header"),
        (b'{"results": 3}', "unreadable"),
        (b"[1, 2]", "unreadable"),
        (b'{"value": [', "unreadable"),
        (b"%PDF-1.4\x00\x01\x02\x03 binary", "binary"),
        (b"PK\x03\x04 not really a zip", "unreadable"),
        (b"_uuid,_uuid\n1,2\n", "duplicate_columns"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(data, None)
    assert refused.value.reason == reason
    assert str(refused.value)  # worded


def test_detect_format_tells_apart_the_layouts():
    assert detect_format(exports.kobo_xlsx(SUBS)) == "xlsx"
    assert detect_format(exports.odk_csv_zip(SUBS)) == "zip"
    assert detect_format(b"\xef\xbb\xbf  [{}]") == "json"
    assert detect_format(b"_uuid,a\n") == "csv"


def test_without_a_form_headers_become_paths():
    data = b"_uuid;grp.q;grp.sub.r;_submission_time\nk;1;2;2026-01-02 10:00\n"
    [submission] = read_submissions(data).submissions
    assert submission.values == {"grp/q": "1", "grp/sub/r": "2"}
    assert submission.version == dt.datetime(2026, 1, 2, 10, 0, tzinfo=dt.UTC)


def test_a_label_several_questions_share_is_refused_with_its_own_reason():
    from passerelle.xlsforms.submissions import FormView, Question

    twins = FormView(
        questions={
            f"{group}/autre": Question(
                path=f"{group}/autre", name="autre", type="text", labels={"fr": "Autre, préciser"}
            )
            for group in ("incident", "suivi")
        },
        repeats=set(),
    )
    data = "_uuid;Autre, préciser\nk1;x\n".encode()
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(data, twins)
    assert refused.value.reason == "ambiguous_columns"
    assert "XML values and headers" in str(refused.value)
    ok = b"_uuid;suivi/autre;incident.autre\nk1;x;y\n"
    [submission] = read_submissions(ok, twins).submissions
    assert submission.values == {"suivi/autre": "x", "incident/autre": "y"}


def test_kobo_media_url_columns_are_not_taken_for_unknown_questions():
    header, *rows = [line.split(";") for line in exports.kobo_csv(SUBS).decode().splitlines()]
    at = header.index("incident/gps") + 1
    header.insert(at, "incident/description_URL")
    for row in rows:
        row.insert(at, "https://kf.kobotoolbox.org/media/original?media_file=x.jpg")
    data = "\n".join(";".join(r) for r in [header, *rows]).encode()
    result = read_submissions(data, form())
    assert result.errors == [] and len(result.submissions) == 4
    assert "incident/description_URL" not in str(result.submissions[0].values)


def test_absurdly_nested_json_is_refused_not_a_crash():
    nested = "x"
    for _ in range(900):
        nested = {"g": nested}
    document = json.dumps({"results": [{"_uuid": "k", "grp": nested}]})
    with pytest.raises(SubmissionsRefused) as refused:
        read_submissions(document.encode(), None)
    assert refused.value.reason == "unreadable"


def test_messages_are_worded_in_the_language_of_whoever_reads_them():
    from django.utils.functional import Promise
    from django.utils.translation import trans_real

    from passerelle.xlsforms.submissions import reading

    with translation.override("en"):
        source = str(reading.ROW_MESSAGES["no_key"])
    catalog = trans_real.translation("fr")._catalog._catalogs[0]
    catalog[source] = "Ligne %(row)s, colonne %(column)s : la soumission n'a pas d'identifiant."
    try:
        with translation.override("en"):  # made while English is active...
            error = reading.row_error("no_key", 3, "_uuid")
        assert isinstance(error.message, Promise)
        worded = error.as_dict()["message"]  # ...shown in each language
        assert worded["en"].startswith("Row 3, column _uuid")
        assert worded["fr"].startswith("Ligne 3, colonne _uuid")
    finally:
        del catalog[source]
