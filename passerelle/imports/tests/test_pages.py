"""The import pages: who may open them, the steps upload → mapping → preview → apply →
progress, cancelling, every row-level error in the reader's language, the example."""

from __future__ import annotations

import base64
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from passerelle.core import jobs
from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.imports import example
from passerelle.imports.models import ImportBatch
from passerelle.incidents.models import Incident, Person
from passerelle.xlsforms import forms as xlsforms
from passerelle.xlsforms.models import FormMapping, FormVersion
from passerelle.xlsforms.tests import exports
from passerelle.xlsforms.tests.forms import INVALID_FORMS, protection_monitoring_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def importer(client_as, areas):
    """A protection monitor of `org` (records persons and reads identities)."""
    return client_as("monitor")


def _files(subs=None, *, form=None, fmt="xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    subs = subs if subs is not None else example.submissions()
    content = exports.kobo_xlsx(subs) if fmt == "xlsx" else exports.kobo_csv(subs)
    return {
        "xlsform": SimpleUploadedFile("pm.xlsx", form or protection_monitoring_form()),
        "export": SimpleUploadedFile(f"export.{fmt}", content),
    }


def _upload(client, org, subs=None, **kwargs):
    response = client.post(
        reverse("imports:new"), {"organisation": org.pk, **_files(subs, **kwargs)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.order_by("-id").first(), response


def _mapping_post(client, batch, change=None) -> dict:
    """The mapping page's own inputs, as the browser would send them back."""
    html = client.get(reverse("imports:mapping", kwargs={"public_id": batch.public_id}))
    html = html.content.decode()
    data = {}
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(2))
        data[select.group(1)] = chosen.group(1) if chosen else ""
    for text in re.finditer(r'<input type="text" name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[text.group(1)] = text.group(2)
    data.update(change or {})
    return data


def _map_and_check(client, batch):
    response = client.post(
        reverse("imports:mapping", kwargs={"public_id": batch.public_id}),
        _mapping_post(client, batch),
    )
    assert response.status_code == 302, _problems(response)
    assert response["Location"] == reverse("imports:preview", kwargs={"public_id": batch.public_id})
    batch.refresh_from_db()
    return batch


def _problems(response) -> str:
    html = response.content.decode()
    return " | ".join(re.findall(r'class="error" role="alert">([^<]+)<', html)) or html[:3000]


# --------------------------------------------------------------------------- who may


def test_the_menu_and_the_home_offer_imports_and_the_example_to_importers_only(client_as):
    links = (f'href="{reverse("imports:list")}"', f'href="{reverse("imports:example")}"')
    for role in ("monitor", "im_officer"):
        home = client_as(role).get(reverse("core:home")).content.decode()
        assert all(link in home for link in links), role
    for role in ("viewer", "org_admin", "case_worker"):
        home = client_as(role).get(reverse("core:home")).content.decode()
        assert not any(link in home for link in links), role


@pytest.mark.parametrize("name", ["imports:list", "imports:new", "imports:example"])
def test_a_role_without_import_run_is_refused_and_the_refusal_audited(client_as, name):
    client = client_as("viewer")
    response = client.get(reverse(name))
    assert response.status_code == 403
    refusal = AuditEvent.objects.filter(action="access.refused").order_by("-seq").first()
    assert refusal.actor == client.user
    assert refusal.detail["action"] == "import.run"


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("imports:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_another_organisation_gets_the_404_of_a_missing_import(importer, org, other_org, client_as):
    batch, _r = _upload(importer, org)
    outsider = client_as("monitor", other_org)
    for name in ("detail", "mapping", "preview", "progress"):
        url = reverse(f"imports:{name}", kwargs={"public_id": batch.public_id})
        assert outsider.get(url).status_code == 404, name
    refusal = AuditEvent.objects.filter(action="access.refused").order_by("-seq").first()
    assert refusal.actor == outsider.user
    assert refusal.object_id == str(batch.public_id)
    assert refusal.organisation == org
    for name in ("apply", "cancel", "preview", "mapping"):
        url = reverse(f"imports:{name}", kwargs={"public_id": batch.public_id})
        assert outsider.post(url).status_code == 404, name
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DRAFT
    # ... and the list shows the other organisation nothing of it
    assert str(batch.public_id) not in outsider.get(reverse("imports:list")).content.decode()


def test_the_upload_offers_only_the_organisations_where_the_user_imports(
    client_as, org, other_org, user_with_role
):
    client = client_as("monitor")
    from passerelle.accounts.tests.factories import MembershipFactory

    MembershipFactory(user=client.user, organisation=other_org, role="viewer")
    html = client.get(reverse("imports:new")).content.decode()
    assert f'value="{org.pk}"' in html
    assert f'value="{other_org.pk}"' not in html
    response = client.post(reverse("imports:new"), {"organisation": other_org.pk, **_files()})
    assert response.status_code == 200
    assert not ImportBatch.objects.exists()


# --------------------------------------------------------------------------- the steps


def test_upload_keeps_the_export_encrypted_and_reads_the_form(importer, org):
    batch, response = _upload(importer, org)
    assert response["Location"] == reverse("imports:mapping", kwargs={"public_id": batch.public_id})
    version = FormVersion.objects.get(organisation=org)
    assert (version.form_id, version.version) == ("pm_mali_2026", "2026.11")
    assert batch.options["form_version"] == str(version.public_id)
    assert batch.created_by == importer.user
    # never in clear in the database: the column holds ciphertext, not the file's base64
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM imports_importbatch WHERE id = %s", [batch.pk])
        stored = cursor.fetchone()[0]
    clear = base64.b64encode(exports.kobo_xlsx(example.submissions())).decode()[:200]
    assert clear[:60] not in stored
    from passerelle.imports.batches import file_bytes

    assert file_bytes(batch)[:2] == b"PK"
    assert AuditEvent.objects.filter(action="import.upload", object_id=str(batch.public_id))


@pytest.mark.parametrize("name", ["duplicate_name", "missing_end_group", "not_a_workbook"])
def test_a_form_pyxform_rejects_is_explained_and_nothing_is_kept(importer, org, name):
    response = importer.post(
        reverse("imports:new"),
        {"organisation": org.pk, **_files(form=INVALID_FORMS[name]())},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The XLSForm could not be read" in html
    assert "Traceback" not in html
    assert not ImportBatch.objects.exists()
    assert not FormVersion.objects.exists()


def test_an_upload_without_form_or_too_large_is_refused(importer, org, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = _files()
    del files["xlsform"]
    response = importer.post(reverse("imports:new"), {"organisation": org.pk, **files})
    assert "Upload the XLSForm used in the field" in response.content.decode()
    settings.IMPORT_MAX_BYTES = 1000
    response = importer.post(
        reverse("imports:new"),
        {"organisation": org.pk, **_files(), "export": SimpleUploadedFile("x.csv", b"a" * 2000)},
    )
    assert "The file is larger than" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_mapping_is_proposed_saved_for_the_form_version_and_reused(importer, org):
    batch, _r = _upload(importer, org)
    page = importer.get(reverse("imports:mapping", kwargs={"public_id": batch.public_id}))
    html = page.content.decode()
    assert "Passerelle proposed this mapping" in html
    assert "date_incident" in html and "Choices of" in html
    _map_and_check(importer, batch)
    saved = FormMapping.objects.get(form_version__organisation=org)
    assert saved.mapping["occurred_on"]["question"].endswith("date_incident")
    assert AuditEvent.objects.filter(action="xlsform.mapping").count() == 1
    # the next export of the same form version: the saved mapping, not a new proposal
    second, _r = _upload(importer, org)
    html = importer.get(reverse("imports:mapping", kwargs={"public_id": second.public_id}))
    assert "This is the mapping saved for this form version" in html.content.decode()
    assert FormVersion.objects.filter(organisation=org).count() == 1


def test_a_mapping_with_a_field_chosen_twice_is_not_saved(importer, org):
    batch, _r = _upload(importer, org)
    data = _mapping_post(importer, batch)
    date_inputs = [k for k, v in data.items() if v == "occurred_on"]
    reported = [k for k, v in data.items() if v == "reported_on"]
    data[reported[0]] = "occurred_on"
    response = importer.post(
        reverse("imports:mapping", kwargs={"public_id": batch.public_id}), data
    )
    assert response.status_code == 200
    assert "is chosen for two questions" in response.content.decode()
    assert date_inputs
    assert not FormMapping.objects.exists()


def test_full_import_upload_map_preview_apply_progress(importer, org, monitor):
    subs = example.submissions()
    batch, _r = _upload(importer, org, subs)
    batch = _map_and_check(importer, batch)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors[:3]
    assert batch.to_create == len(subs) and batch.error_count == 0

    preview = importer.get(reverse("imports:preview", kwargs={"public_id": batch.public_id}))
    html = preview.content.decode()
    assert "Apply the import" in html
    assert "The first submissions, as they would be recorded" in html
    assert example.PEOPLE[1][0] in html  # a monitor reads identities (row 3's victim)
    assert "Bafoulabé <code" in html and "Male, 14" in html  # areas and sexes in words
    with unscoped():
        assert not Incident.objects.filter(owner=org).exists()  # nothing written yet

    response = importer.post(reverse("imports:apply", kwargs={"public_id": batch.public_id}))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED
    detail = importer.get(reverse("imports:detail", kwargs={"public_id": batch.public_id}))
    assert 'hx-trigger="every 1s"' in detail.content.decode()
    assert "Cancel the import" in detail.content.decode()

    jobs.work()

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert not batch.payload  # the upload is emptied once applied
    with unscoped():
        incidents = Incident.objects.filter(owner=org)
        assert incidents.count() == len(subs)
        assert Person.objects.filter(incident__owner=org).count() == sum(
            len(s["victimes"]) for s in subs
        )
    progress = importer.get(
        reverse("imports:progress", kwargs={"public_id": batch.public_id}), HTTP_HX_REQUEST="true"
    )
    assert progress["HX-Refresh"] == "true"
    plain = importer.get(reverse("imports:progress", kwargs={"public_id": batch.public_id}))
    assert f'value="{len(subs)}"' in plain.content.decode()
    assert "<progress" in plain.content.decode()
    result = importer.get(reverse("imports:detail", kwargs={"public_id": batch.public_id}))
    html = result.content.decode()
    assert "every 1s" not in html
    with unscoped():
        first = incidents.order_by("reference").first()
    assert reverse("incidents:detail", kwargs={"public_id": first.public_id}) in html
    listed = importer.get(reverse("imports:list")).content.decode()
    assert reverse("imports:detail", kwargs={"public_id": batch.public_id}) in listed

    # the same export again: nothing new, nothing to apply twice
    again, _r = _upload(importer, org, subs)
    again = _map_and_check(importer, again)
    assert (again.to_create, again.unchanged) == (0, len(subs))


def test_cancelling_a_queued_import_applies_nothing(importer, org):
    batch, _r = _upload(importer, org)
    batch = _map_and_check(importer, batch)
    importer.post(reverse("imports:apply", kwargs={"public_id": batch.public_id}))
    response = importer.post(reverse("imports:cancel", kwargs={"public_id": batch.public_id}))
    assert response.status_code == 302
    jobs.work()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert not batch.payload
    with unscoped():
        assert not Incident.objects.filter(owner=org).exists()
    html = importer.get(reverse("imports:detail", kwargs={"public_id": batch.public_id}))
    assert "The import was cancelled: nothing was applied." in html.content.decode()
    assert AuditEvent.objects.filter(action="import.cancel", object_id=str(batch.public_id))


def test_apply_is_refused_while_errors_remain(importer, org):
    subs = example.submissions()
    subs[2]["values"]["incident/date_incident"] = "2999-01-01"
    batch, _r = _upload(importer, org, subs)
    batch = _map_and_check(importer, batch)
    assert batch.status == ImportBatch.Status.DRAFT and batch.error_count >= 1
    html = importer.get(reverse("imports:preview", kwargs={"public_id": batch.public_id}))
    assert "Apply the import" not in html.content.decode()
    importer.post(reverse("imports:apply", kwargs={"public_id": batch.public_id}))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DRAFT
    jobs.work()
    with unscoped():
        assert not Incident.objects.filter(owner=org).exists()


def test_every_row_error_is_shown_with_its_row_and_column(importer, org):
    subs = example.submissions()
    for index in (1, 5):
        subs[index]["values"]["incident/cercle"] = "ML9999"  # not a choice of the form
    subs[3]["values"]["incident/date_incident"] = "31/02/2026"
    batch, _r = _upload(importer, org, subs, fmt="csv")
    batch = _map_and_check(importer, batch)
    errors = batch.errors
    assert {e["row"] for e in errors} >= {3, 5, 7}
    html = importer.get(reverse("imports:preview", kwargs={"public_id": batch.public_id}))
    html = html.content.decode()
    for error in errors:
        assert f'<td class="num">{error["row"]}</td>' in html
        assert f"<code>{error['column']}</code>" in html
        assert escape(error["message"]["en"]) in html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_errors_are_worded_in_the_reader_language(client_as, org, language):
    """Each error is kept in both languages (rows.RowError.as_dict); the page shows the
    reader's, never the other."""
    client = client_as("monitor", language=language)
    batch = ImportBatch.objects.create(
        organisation=org, created_by=client.user, source="xlsform", payload=""
    )
    batch.set_errors(
        [
            {
                "row": 12,
                "column": "incident/date_incident",
                "code": "date",
                "message": {"en": "The date is not a date.", "fr": "La date n'est pas une date."},
            }
        ]
    )
    batch.save()
    html = client.get(reverse("imports:preview", kwargs={"public_id": batch.public_id}))
    html = html.content.decode()
    shown, hidden = (
        ("The date is not a date.", "La date")
        if language == "en"
        else ("La date n&#x27;est pas une date.", "is not a date")
    )
    assert shown in html
    assert hidden not in html
    assert '<td class="num">12</td>' in html


def test_the_preview_pages_its_errors(importer, org):
    subs = example.submissions()
    for sub in subs:
        sub["values"]["incident/date_incident"] = "2999-01-01"
    batch, _r = _upload(importer, org, subs)
    batch = _map_and_check(importer, batch)
    from passerelle.imports import views

    url = reverse("imports:preview", kwargs={"public_id": batch.public_id})
    if batch.error_count > views.ERRORS_PER_PAGE:
        assert "page=2" in importer.get(url).content.decode()
    else:
        html = importer.get(url).content.decode()
        assert html.count('<tr><td class="num">') == batch.error_count


def test_identities_are_not_shown_in_the_preview_to_who_may_not_read_them(client_as, areas, org):
    officer = client_as("im_officer")
    batch, _r = _upload(officer, org)
    html = officer.get(reverse("imports:mapping", kwargs={"public_id": batch.public_id}))
    assert "Your role does not record persons" in html.content.decode()
    batch = _map_and_check(officer, batch)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors[:3]
    preview = officer.get(reverse("imports:preview", kwargs={"public_id": batch.public_id}))
    html = preview.content.decode()
    assert not any(person[0] in html for person in example.PEOPLE)


# --------------------------------------------------------------------------- the example


def test_the_example_files_are_a_form_and_an_export_the_import_reads(importer):
    form = importer.get(reverse("imports:example_form"))
    assert form.status_code == 200
    assert "attachment" in form["Content-Disposition"]
    definition = xlsforms.read_form(form.content)
    assert definition.form_id == "pm_mali_2026"
    xlsx = importer.get(reverse("imports:example_export_xlsx"))
    assert xlsx.content[:2] == b"PK"
    csv_file = importer.get(reverse("imports:example_export_csv")).content.decode()
    assert csv_file.splitlines()[0].startswith("start;end;today;incident/date_incident")
    # no cell a spreadsheet would run
    for line in csv_file.splitlines()[1:]:
        assert not any(cell.startswith(("=", "+", "@")) for cell in line.split(";"))


def test_the_example_is_imported_in_a_few_clicks(importer, org):
    page = importer.get(reverse("imports:example"))
    assert "Example: protection monitoring form (XLSForm) and its export" in page.content.decode()
    response = importer.post(reverse("imports:example"), {"organisation": org.pk})
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("imports:mapping", kwargs={"public_id": batch.public_id})
    batch = _map_and_check(importer, batch)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors[:3]
    importer.post(reverse("imports:apply", kwargs={"public_id": batch.public_id}))
    jobs.work()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.result["created"] == example.SUBMISSIONS


def test_a_known_form_version_is_chosen_instead_of_uploading_the_form_again(importer, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    first, _r = _upload(importer, org)
    version = FormVersion.objects.get()
    html = importer.get(reverse("imports:new")).content.decode()
    assert f'value="{version.pk}"' in html  # offered once known
    export = SimpleUploadedFile("again.xlsx", exports.kobo_xlsx(example.submissions()))
    response = importer.post(
        reverse("imports:new"),
        {"organisation": org.pk, "form_version": version.pk, "export": export},
    )
    assert response.status_code == 302
    second = ImportBatch.objects.exclude(pk=first.pk).get()
    assert second.options["form_version"] == str(version.public_id)
    assert FormVersion.objects.count() == 1


def test_the_progress_box_polls_while_the_import_runs(importer, org):
    from passerelle.imports import pipeline

    batch = ImportBatch.objects.create(
        organisation=org,
        created_by=importer.user,
        source="xlsform",
        payload="",
        status=ImportBatch.Status.RUNNING,
        to_create=24,
    )
    pipeline.write_progress(batch, 5, 24)
    url = reverse("imports:progress", kwargs={"public_id": batch.public_id})
    html = importer.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'max="24" value="5"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "5 of 24 rows written" in html
    detail = importer.get(reverse("imports:detail", kwargs={"public_id": batch.public_id}))
    assert "Cancel the import" in detail.content.decode()


def test_a_failed_import_shows_why_and_a_spreadsheet_import_has_no_mapping(importer, org):
    failed = ImportBatch.objects.create(
        organisation=org,
        created_by=importer.user,
        source="xlsform",
        payload="",
        status=ImportBatch.Status.FAILED,
    )
    failed.set_errors(
        [{"row": 4, "column": "_uuid", "code": "x", "message": {"en": "Changed meanwhile."}}]
    )
    failed.save()
    html = importer.get(reverse("imports:detail", kwargs={"public_id": failed.public_id}))
    html = html.content.decode()
    assert "nothing was applied" in html and "Changed meanwhile." in html
    sheet = ImportBatch.objects.create(
        organisation=org, created_by=importer.user, source="spreadsheet", payload=""
    )
    response = importer.get(reverse("imports:mapping", kwargs={"public_id": sheet.public_id}))
    assert response["Location"] == reverse("imports:preview", kwargs={"public_id": sheet.public_id})


def test_the_batches_family_can_and_scope_agree(user_with_role, org, other_org):
    from passerelle.policy.testing import disagreements

    people = [
        user_with_role(role, organisation)
        for role in ("monitor", "im_officer", "viewer", "org_admin")
        for organisation in (org, other_org)
    ]
    for organisation in (org, other_org):
        ImportBatch.objects.create(
            organisation=organisation, created_by=people[0], source="xlsform", payload=""
        )
    assert disagreements(people, ImportBatch.objects.all(), ["import.run"]) == []
    from passerelle import policy

    seen = policy.scope(people[0], ImportBatch.objects.all(), "import.run")
    assert {b.organisation_id for b in seen} == {org.pk}
