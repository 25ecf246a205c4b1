"""Import and export of the service mapping (XLSX, HXL CSV): round trips, every validation
error, all-or-nothing imports, the error report, permissions, languages."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from django.db import transaction
from django.utils import translation
from django.utils.html import escape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core.models import AuditEvent
from passerelle.geography.models import Area

from ..mapping import (
    COLUMNS,
    MAX_BYTES,
    MESSAGES,
    XLSX_TYPE,
    ImportRejected,
    error_report_xlsx,
    export_hxl_csv,
    export_xlsx,
    filtered_services,
    import_file,
    read_table,
    reading,
)
from ..mapping.cells import xlsx_text
from ..models import Service, ServiceType
from .factories import service_factory

with translation.override("en"):
    HEADERS = {c.key: str(c.label) for c in COLUMNS}
HEADERS_LAZY = {c.key: c.label for c in COLUMNS}
TAGS = {c.key: c.tag for c in COLUMNS}
GOOD = {
    "code": "DRC-PSS-09",
    "name": "Écoute et soutien",
    "provider": "DRC",
    "service_type": "psychosocial_service",
    "description": "Groupes de parole",
    "areas": "ML0701;ML0702",
    "target_groups": "women;girls",
    "min_age": "12",
    "max_age": "60",
    "languages": "Français, Songhaï",
    "hours": "Lun–Ven 8h–16h",
    "location": "Centre social, quartier 4",
    "contact_name": "Mariam T.",
    "contact_phone": "+223 76 00 00 00",
    "contact_email": "ecoute@drc.test",
    "capacity": "40",
    "status": "active",
    "receiver": "drc.cw",
}


@pytest.fixture
def geo(db):
    def area(pcode, name, level, parent=None, name_en=None):
        return Area.objects.get_or_create(
            pcode=pcode,
            defaults={
                "name_fr": name,
                "name_en": name_en or name,
                "level": level,
                "parent": parent,
            },
        )[0]

    mali = area("ML", "Mali", 0)
    gao = area("ML07", "Gao", 1, mali)
    return {
        "mali": mali,
        "gao": gao,
        "gao_cercle": area("ML0701", "Gao", 2, gao),
        "ansongo": area("ML0702", "Ansongo", 2, gao),
        "timbuktu": area("ML06", "Tombouctou", 1, mali, "Timbuktu"),
    }


@pytest.fixture
def people(org, other_org, user_with_role):
    return {
        "mapper": user_with_role("im_officer", org, username="drc.im"),
        "drc_admin": user_with_role("org_admin", org, username="drc.admin"),
        "amss_admin": user_with_role("org_admin", other_org, username="amss.admin"),
        "receiver": user_with_role("case_worker", org, username="drc.cw"),
        "amss_cw": user_with_role("case_worker", other_org, username="amss.cw"),
        "viewer": user_with_role("viewer", org, username="drc.viewer"),
    }


@pytest.fixture
def mapping(geo, people, org, other_org):
    """Two services: DRC medical care in Gao region, AMSS legal aid in Ansongo (suspended)."""
    medical = service_factory(
        org,
        service_type=ServiceType.MEDICAL,
        areas=[geo["gao"]],
        code="DRC-MED-01",
        name="Soins de santé",
        target_groups=["women", "girls", "boys"],
        min_age=0,
        max_age=17,
        contact_email="sante@drc.test",
        contact_phone="+223 70 00 00 01",
        capacity=25,
        receiver=people["receiver"],
        description="Consultations\nsur rendez-vous",
    )
    legal = service_factory(
        other_org,
        service_type=ServiceType.LEGAL,
        areas=[geo["ansongo"], geo["timbuktu"]],
        code="AMSS-LEG-01",
        name="Clinique juridique",
        status=Service.Status.SUSPENDED,
    )
    return {"medical": medical, "legal": legal}


def hxl_csv(rows, keys=None, *, header=True, tags=True, delimiter=",") -> bytes:
    keys = keys or list(GOOD)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    if header:
        writer.writerow([HEADERS.get(k, k) for k in keys])
    if tags:
        writer.writerow([TAGS.get(k, "") for k in keys])
    for row in rows:
        writer.writerow([row.get(k, "") for k in keys])
    return out.getvalue().encode()


def row(**changes):
    return {**GOOD, **changes}


def rejected(actor, data, name="services.csv") -> list:
    with pytest.raises(ImportRejected) as caught:
        import_file(actor, data, name)
    return caught.value.errors


def snapshot():
    return sorted(
        (s.code, s.name, s.status, s.updated_at, tuple(a.pcode for a in s.areas.all()))
        for s in Service.objects.prefetch_related("areas")
    )


def last_event(action):
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


def xlsx_rows(content, sheet=0):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(r) for r in book.worksheets[sheet].iter_rows(values_only=True)]


# --------------------------------------------------------------------------- export


def test_hxl_csv_has_headers_then_hashtags_then_one_row_per_service(mapping, people, client_for):
    response = client_for(people["viewer"]).get("/referrals/services/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0][0] == "Code" and "Status" in lines[0]
    assert lines[1] == [c.tag for c in COLUMNS]
    assert {"#service+code", "#org+acronym", "#service+type", "#loc+code+v_pcodes+list"} <= set(
        lines[1]
    )
    assert all(tag.startswith("#") for tag in lines[1])
    by_code = {line[0]: dict(zip(lines[1], line, strict=True)) for line in lines[2:]}
    assert set(by_code) == {"DRC-MED-01", "AMSS-LEG-01"}
    medical = by_code["DRC-MED-01"]
    assert medical["#org+acronym"] == "DRC"
    assert medical["#service+type"] == "health_medical_service"
    assert medical["#beneficiary+type+list"] == "women;girls;boys"
    assert medical["#contact+receiver+username"] == "drc.cw"
    assert by_code["AMSS-LEG-01"]["#loc+code+v_pcodes+list"] == "ML06;ML0702"
    event = last_event("service.export")
    assert event.actor == people["viewer"]
    assert event.detail == {"format": "csv", "rows": 2, "filters": {}}


def test_xlsx_has_translated_headers_and_a_codes_sheet(mapping, people, client_for):
    response = client_for(people["viewer"], "fr").get("/referrals/services/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["services", "codes"]
    services = [list(r) for r in book["services"].iter_rows(values_only=True)]
    with translation.override("fr"):
        assert services[0] == [str(c.label) for c in COLUMNS]
    assert "Statut" in services[0]
    assert len(services) == 3
    codes = [list(r) for r in book["codes"].iter_rows(values_only=True)]
    assert codes[0][2:] == ["Français", "Anglais"]
    statuses = {r[1]: r for r in codes if r[1] in ("active", "suspended")}
    assert statuses["active"][2:] == ["Actif", "Active"]
    assert statuses["suspended"][2:] == ["Suspendu", "Suspended"]
    assert {r[1] for r in codes} >= set(ServiceType.values) | {"women", "boys", "DRC", "AMSS"}
    assert last_event("service.export").detail["format"] == "xlsx"


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("provider=drc", {"DRC-MED-01"}),
        ("type=legal_assistance_service", {"AMSS-LEG-01"}),
        ("status=suspended", {"AMSS-LEG-01"}),
        ("area=ML0701", {"DRC-MED-01"}),  # served by the service of the whole Gao region
        ("area=ML0702", {"DRC-MED-01", "AMSS-LEG-01"}),
        ("area=ML06", {"AMSS-LEG-01"}),
        ("area=ML99", set()),
        ("provider=DRC&status=suspended", set()),
    ],
)
def test_export_filters(mapping, people, client_for, query, codes):
    response = client_for(people["viewer"]).get(f"/referrals/services/export.csv?{query}")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert {line[0] for line in lines[2:]} == codes


def test_export_never_writes_formulas(mapping, people):
    mapping["medical"].name = '=HYPERLINK("http://evil.test","x")'
    mapping["medical"].save()
    services = list(filtered_services({})[0])
    content = export_xlsx(services)
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [
        c for r in book["services"].iter_rows() for c in r if c.value == mapping["medical"].name
    ]
    assert cells and all(c.data_type == "s" for c in cells)
    text = export_hxl_csv(services)
    assert "'=HYPERLINK" in text
    # Phone numbers too: a spreadsheet reads "+223 ..." as a formula. The import removes the "'".
    assert "'+223 70 00 00 01" in text
    for data, name in ((content, "s.xlsx"), (text.encode(), "s.csv")):
        report = import_file(people["mapper"], data, name)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_export_refused_to_anonymous(mapping, client):
    response = client.get("/referrals/services/export.xlsx")
    assert response.status_code == 302
    assert "/login" in response["Location"]


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(mapping, people, client_for, fmt):
    client = client_for(people["mapper"])
    exported = client.get(f"/referrals/services/export.{fmt}").content
    before = snapshot()
    upload = io.BytesIO(exported)
    upload.name = f"services.{fmt}"
    response = client.post("/referrals/services/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "Services created: 0; updated: 0; unchanged: 2." in response.content.decode()
    assert snapshot() == before
    event = last_event("service.import")
    assert event.outcome == "ok"
    assert (event.detail["created"], event.detail["updated"], event.detail["unchanged"]) == (
        0,
        0,
        2,
    )


def test_import_creates_updates_and_is_idempotent(mapping, people, geo):
    medical = dict(
        GOOD,
        code="DRC-MED-01",
        name="Soins de santé",
        service_type="health_medical_service",
        areas="ML07",
        target_groups="boys;women;girls",
        min_age="0",
        max_age="17",
        status="suspended",  # the one change
        description="Consultations\nsur rendez-vous",
        contact_email="sante@drc.test",
        contact_phone="+223 70 00 00 01",
        capacity="25",
    )
    keys = [*GOOD, "notes"]
    data = hxl_csv([row(), medical | {"notes": "à revoir"}], keys)
    report = import_file(people["mapper"], data, "services.csv")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert report.ignored == ["notes"]
    new = Service.objects.get(code="DRC-PSS-09")
    assert new.provider.acronym == "DRC"
    assert new.service_type == ServiceType.PSYCHOSOCIAL
    assert {a.pcode for a in new.areas.all()} == {"ML0701", "ML0702"}
    assert new.target_groups == ["women", "girls"]
    assert (new.min_age, new.max_age, new.capacity) == (12, 60, 40)
    assert new.receiver == people["receiver"]
    assert new.contact_email == "ecoute@drc.test"
    mapping["medical"].refresh_from_db()
    assert mapping["medical"].status == Service.Status.SUSPENDED
    before = snapshot()
    again = import_file(people["mapper"], data, "services.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_columns_in_any_order_hashtags_only_and_semicolons(mapping, people):
    keys = ["areas", "target_groups", "service_type", "provider", "name", "code"]
    data = hxl_csv([row()], keys, header=False, delimiter=";")
    report = import_file(people["mapper"], data, "export.csv")
    assert report.created == 1
    assert Service.objects.get(code="DRC-PSS-09").status == Service.Status.ACTIVE


def test_hashtags_with_extra_attributes_in_any_order(mapping, people):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["#service +code", "#service+name+i_fr", "#org+impl+acronym"]
        + ["#service+type", "#adm2+code", "#beneficiary+type"]
    )
    writer.writerow(["DRC-PSS-10", "Écoute", "DRC", "psychosocial_service", "ML0701", "women"])
    assert import_file(people["mapper"], out.getvalue().encode()).created == 1


def test_headers_in_french_or_english_and_labels_accepted(mapping, people):
    keys = ["code", "name", "provider", "service_type", "areas", "target_groups", "status"]
    with translation.override("fr"):
        french = [str(HEADERS_LAZY[k]) for k in keys]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(french)
    writer.writerow(
        ["DRC-LEG-02", "Aide juridique", "drc", "Legal aid", "ml0701", "Women; Girls", "Suspendu"]
    )
    report = import_file(people["mapper"], out.getvalue().encode(), "services.csv")
    assert report.created == 1
    service = Service.objects.get(code="DRC-LEG-02")
    assert service.service_type == ServiceType.LEGAL
    assert service.status == Service.Status.SUSPENDED
    assert service.target_groups == ["women", "girls"]
    assert "Statut" in french  # the French header, from the catalogue


# --------------------------------------------------------------------------- bad rows


def test_one_bad_row_among_good_ones_applies_nothing(mapping, people, client_for):
    client = client_for(people["mapper"])
    before = snapshot()
    rows = [row(), row(code="DRC-PSS-10", areas="ML0701;ML9999"), row(code="DRC-PSS-11")]
    upload = io.BytesIO(hxl_csv(rows))
    upload.name = "services.csv"
    response = client.post("/referrals/services/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in page
    assert "ML9999" in page
    assert snapshot() == before
    assert not Service.objects.filter(code__in=["DRC-PSS-09", "DRC-PSS-11"]).exists()
    assert last_event("service.import").outcome == "invalid"

    report = client.get("/referrals/services/import/errors.xlsx")
    assert report.status_code == 200
    assert report["Content-Type"] == XLSX_TYPE
    lines = xlsx_rows(report.content)
    assert lines[0][0] == "Row" and lines[0][-1] == "Errors"
    assert lines[1][1:-1] == [TAGS[k] for k in GOOD]  # the hashtag row, kept
    by_row = {line[0]: line for line in lines[2:]}
    assert set(by_row) == {3, 4, 5}
    assert by_row[4][1] == "DRC-PSS-10"
    assert "Unknown P-code “ML9999”" in by_row[4][-1]
    assert by_row[3][-1] in (None, "") and by_row[5][-1] in (None, "")
    listing = xlsx_rows(report.content, 1)
    assert listing[1] == [4, HEADERS["areas"], "ML0701;ML9999", "Unknown P-code “ML9999”."]


def test_the_corrected_error_report_can_be_imported_again(mapping, people, client_for):
    client = client_for(people["mapper"])
    upload = io.BytesIO(hxl_csv([row(), row(code="DRC-PSS-10", status="fermé")]))
    upload.name = "services.csv"
    client.post("/referrals/services/import/", {"file": upload})
    report = client.get("/referrals/services/import/errors.xlsx").content
    book = openpyxl.load_workbook(io.BytesIO(report))
    sheet = book.worksheets[0]
    status_column = [c.value for c in sheet[1]].index(HEADERS["status"]) + 1
    sheet.cell(row=4, column=status_column, value="active")
    fixed = io.BytesIO()
    book.save(fixed)
    result = import_file(people["mapper"], fixed.getvalue(), "fixed.xlsx")
    assert (result.created, result.ignored) == (2, ["Row", "Errors"])


@pytest.mark.parametrize(
    ("changes", "column", "code"),
    [
        ({"provider": "XYZ"}, "provider", "unknown_provider"),
        ({"service_type": "massage"}, "service_type", "unknown_type"),
        ({"areas": "ML0701;ML9999"}, "areas", "unknown_area"),
        ({"areas": ""}, "areas", "required"),
        ({"target_groups": "women;elders"}, "target_groups", "unknown_group"),
        ({"target_groups": ""}, "target_groups", "required"),
        ({"min_age": "douze"}, "min_age", "not_integer"),
        ({"min_age": "12.5"}, "min_age", "not_integer"),
        ({"min_age": "-1"}, "min_age", "age_range"),
        ({"max_age": "130"}, "max_age", "age_range"),
        ({"min_age": "18", "max_age": "12"}, "max_age", "age_order"),
        ({"capacity": "-4"}, "capacity", "capacity_range"),
        ({"capacity": "beaucoup"}, "capacity", "not_integer"),
        ({"contact_email": "pas-une-adresse"}, "contact_email", "email"),
        ({"status": "closed"}, "status", "unknown_status"),
        ({"receiver": "nobody"}, "receiver", "unknown_receiver"),
        ({"receiver": "amss.cw"}, "receiver", "receiver_not_allowed"),
        ({"receiver": "drc.viewer"}, "receiver", "receiver_not_allowed"),
        ({"name": ""}, "name", "required"),
        ({"code": ""}, "code", "required"),
        ({"code": "A\x07B"}, "code", "bad_code"),
        ({"name": "x" * 201}, "name", "too_long"),
        ({"contact_phone": "1" * 41}, "contact_phone", "too_long"),
    ],
)
def test_each_bad_cell_is_reported_and_nothing_applied(mapping, people, changes, column, code):
    before = snapshot()
    errors = rejected(people["mapper"], hxl_csv([row(code="DRC-OK-01"), row(**changes)]))
    assert [(e.row, e.column, e.code) for e in errors] == [(4, column, code)]
    assert errors[0].message
    assert snapshot() == before


def test_every_problem_of_every_row_is_collected(mapping, people):
    rows = [row(provider="XYZ", min_age="x", status="?"), row(code="B", areas="ML00")]
    errors = rejected(people["mapper"], hxl_csv(rows))
    assert [(e.row, e.column) for e in errors] == [
        (3, "provider"),
        (3, "min_age"),
        (3, "status"),
        (4, "areas"),
    ]


def test_duplicate_codes_within_the_file(mapping, people):
    errors = rejected(people["mapper"], hxl_csv([row(), row(name="Autre"), row(code="X")]))
    assert [(e.row, e.code, e.params) for e in errors] == [
        (4, "duplicate_code", {"code": "DRC-PSS-09", "row": 3})
    ]


def _zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # A fixed date: the bytes are a test id, the same in every pytest-xdist worker.
        archive.writestr(zipfile.ZipInfo("hello.txt", date_time=(2013, 8, 1, 0, 0, 0)), "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "services.csv", "empty"),
        (b"  \n\n", "services.csv", "empty"),
        (hxl_csv([]), "services.csv", "empty"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "services.csv", "file_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "services.xls", "old_excel"),
        (_zip_of_text(), "services.xlsx", "file_type"),
        (b"not,a,workbook", "services.xlsx", "file_type"),
        (b"\x01\x02\x03\x04binary\x05\x06\x07", "services.csv", "file_type"),
        (b"Colour,Size\nred,4\n", "services.csv", "no_header"),
    ],
)
def test_files_that_are_not_service_mappings(mapping, people, data, name, code):
    errors = rejected(people["mapper"], data, name)
    assert [e.code for e in errors] == [code]
    assert errors[0].row is None
    assert last_event("service.import").outcome == "invalid"


def test_missing_and_duplicate_columns(mapping, people):
    keys = [k for k in GOOD if k != "areas"] + ["code"]
    errors = rejected(people["mapper"], hxl_csv([row()], keys))
    assert {(e.column, e.code) for e in errors} == {
        ("code", "duplicate_column"),
        ("areas", "missing_column"),
    }
    assert "The column “Areas served (P-codes)” is missing." in [e.message for e in errors]


def test_too_many_rows(mapping, people, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)  # read at call time there
    rows = [row(code=f"C-{n}") for n in range(4)]
    errors = rejected(people["mapper"], hxl_csv(rows))
    assert [(e.code, e.params) for e in errors] == [("too_many_rows", {"limit": 3})]
    assert import_file(people["mapper"], hxl_csv(rows[:3])).created == 3


def test_upload_larger_than_the_limit_is_refused_by_the_form(mapping, people, client_for):
    upload = io.BytesIO(b"x" * (MAX_BYTES + 1))
    upload.name = "big.csv"
    response = client_for(people["mapper"]).post("/referrals/services/import/", {"file": upload})
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()


def test_problems_are_shown_and_reported_in_french(mapping, people, client_for):
    client = client_for(people["mapper"], "fr")
    upload = io.BytesIO(hxl_csv([row(status="fermé", provider="XYZ")]))
    upload.name = "services.csv"
    page = client.post("/referrals/services/import/", {"file": upload}).content.decode()
    with translation.override("fr"):
        expected = [
            str(MESSAGES["unknown_provider"] % {"value": "XYZ"}),
            str(MESSAGES["unknown_status"] % {"value": "fermé"}),
            str(HEADERS_LAZY["status"]),
        ]
    for text in expected:
        assert escape(text) in page
    assert "Statut" in page
    listing = xlsx_rows(client.get("/referrals/services/import/errors.xlsx").content, 1)
    with translation.override("fr"):
        provider_label = str(HEADERS_LAZY["provider"])
    assert [line[1] for line in listing[1:]] == [provider_label, "Statut"]
    assert [line[3] for line in listing[1:]] == expected[:2]


# --------------------------------------------------------------------------- permissions


def test_a_viewer_may_not_import(mapping, people, client_for):
    client = client_for(people["viewer"])
    assert client.get("/referrals/services/import/").status_code == 403
    event = last_event("access.refused")
    assert event.detail["action"] == "service.manage | servicemap.manage"
    assert client.get("/referrals/services/import/errors.xlsx").status_code == 403


def test_anonymous_is_sent_to_login(mapping, client):
    response = client.get("/referrals/services/import/")
    assert response.status_code == 302


def test_the_error_report_needs_a_rejected_import(mapping, people, client_for):
    assert (
        client_for(people["mapper"]).get("/referrals/services/import/errors.xlsx").status_code
        == 404
    )


def test_an_organisation_imports_its_own_services_only(mapping, people):
    before = snapshot()
    rows = [row(), row(code="AMSS-PSS-01", provider="AMSS", receiver="amss.cw")]
    errors = rejected(people["drc_admin"], hxl_csv(rows))
    assert [(e.row, e.column, e.code) for e in errors] == [(4, "provider", "not_your_provider")]
    assert snapshot() == before
    refusal = last_event("access.refused")
    assert refusal.actor == people["drc_admin"]
    assert refusal.detail["action"] == "service.manage"
    assert import_file(people["drc_admin"], hxl_csv(rows[:1])).created == 1
    assert import_file(people["amss_admin"], hxl_csv(rows[1:])).created == 1


def test_an_organisation_may_not_take_over_another_ones_service(mapping, people):
    errors = rejected(people["drc_admin"], hxl_csv([row(code="AMSS-LEG-01")]))
    assert [(e.column, e.code) for e in errors] == [("code", "not_your_service")]
    assert Service.objects.get(code="AMSS-LEG-01").provider.acronym == "AMSS"


def test_the_mapper_imports_every_provider(mapping, people):
    rows = [row(), row(code="AMSS-PSS-01", provider="AMSS", receiver="amss.cw")]
    assert import_file(people["mapper"], hxl_csv(rows)).created == 2


def test_an_inactive_provider_is_refused(mapping, people):
    OrganisationFactory(acronym="OLD", active=False)
    errors = rejected(people["mapper"], hxl_csv([row(provider="OLD", receiver="")]))
    assert [e.code for e in errors] == ["inactive_provider"]


# --------------------------------------------------------------------------- properties

CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "DRC",
            "AMSS",
            "ML0701",
            "ML07;ML06",
            "women",
            "12",
            "-3",
            "=1+1",
            "active",
            "Suspendu",
            "drc.cw",
            "a@b.test",
            "health_medical_service",
        ]
    ),
)


@st.composite
def service_rows(draw):
    """Rows whose cells are each either good or anything at all, in a file that may lack
    some columns."""
    dropped = draw(st.sets(st.sampled_from(list(GOOD)), max_size=3))
    keys = [k for k in GOOD if k not in dropped]
    rows = []
    for n in range(draw(st.integers(1, 4))):
        good = row(code=f"P-{n}")
        rows.append({k: draw(st.one_of(st.just(good[k]), CELL)) for k in keys})
    return keys, rows


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=service_rows(), fmt=st.sampled_from(["csv", "xlsx"]))
def test_arbitrary_cells_never_crash_nor_apply_partly(mapping, people, table, fmt):
    keys, rows = table
    if fmt == "csv":
        data = hxl_csv(rows, keys)
    else:
        book = openpyxl.Workbook()
        book.active.append([HEADERS[k] for k in keys])
        for r in rows:
            book.active.append([xlsx_text(r[k]) for k in keys])
            for cell in book.active[book.active.max_row]:
                cell.data_type = "s"
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    with transaction.atomic():
        before = snapshot()
        try:
            report = import_file(people["mapper"], data, f"x.{fmt}")
        except ImportRejected as exc:
            event("rejected")
            assert exc.errors
            assert all(e.message for e in exc.errors)
            assert snapshot() == before
            error_report_xlsx(exc.payload())
        else:
            event("applied")
            assert report.created + report.updated + report.unchanged == len(rows)
            codes = [r["code"].strip() for r in rows]
            assert Service.objects.filter(code__in=codes).count() == len(rows)
        transaction.set_rollback(True)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", ""]))
def test_arbitrary_bytes_never_crash_the_reader(mapping, people, data, name):
    try:
        table = read_table(data, name)
    except ImportRejected as exc:
        assert exc.errors and all(e.message for e in exc.errors)
    else:
        assert table.rows and table.columns


def test_checks_take_the_fields_left_out_of_the_file_into_account(mapping, people):
    """The medical service has max_age 17 and a DRC receiver; a file without those columns
    cannot raise its minimum age above 17 nor hand it to AMSS."""
    keys = ["code", "name", "provider", "service_type", "areas", "target_groups", "min_age"]
    medical = row(code="DRC-MED-01", service_type="health_medical_service")
    errors = rejected(people["mapper"], hxl_csv([medical | {"min_age": "18"}], keys))
    assert [(e.column, e.code) for e in errors] == [("min_age", "age_order")]
    errors = rejected(people["mapper"], hxl_csv([medical | {"provider": "AMSS"}], keys))
    assert [(e.column, e.code) for e in errors] == [("provider", "receiver_not_allowed")]
    report = import_file(people["mapper"], hxl_csv([medical | {"min_age": "5"}], keys))
    assert report.updated == 1
    mapping["medical"].refresh_from_db()
    assert (mapping["medical"].min_age, mapping["medical"].max_age) == (5, 17)
    assert mapping["medical"].contact_email == "sante@drc.test"  # column absent: kept


def test_every_unknown_value_of_a_list_is_named(mapping, people):
    errors = rejected(
        people["mapper"], hxl_csv([row(areas="ML98; ML0701; ml99", target_groups=";")])
    )
    assert [(e.column, e.code, e.params) for e in errors] == [
        ("areas", "unknown_area", {"value": "ML98; ML99"}),
        ("target_groups", "required", {}),
    ]


def test_a_hashtag_that_could_name_two_columns_is_refused(mapping, people):
    keys = ["code", "name", "provider", "service_type", "areas", "target_groups"]
    data = hxl_csv([row()], keys, header=False)
    errors = rejected(people["mapper"], data.replace(b"#service+name", b"#contact+receiver+name"))
    assert [(e.code, e.column) for e in errors] == [
        ("ambiguous_column", "#contact+receiver+name"),
        ("missing_column", "name"),
    ]
    # With a header the column is recognised by its header instead.
    data = hxl_csv([row()], keys).replace(b"#service+name", b"#contact+receiver+name")
    assert import_file(people["mapper"], data).created == 1


def test_the_import_page_offers_an_organisation_its_own_template(mapping, people, client_for):
    page = client_for(people["drc_admin"]).get("/referrals/services/import/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "/referrals/services/export.xlsx?provider=DRC" in text
    assert "Every service (XLSX" not in text
    page = client_for(people["mapper"]).get("/referrals/services/import/").content.decode()
    assert "Every service (XLSX" in page
