"""The pipeline's reader for source "xlsform": a stored batch (its encrypted file, its form
version and mapping) read into rows, and through the one import path into records."""

from __future__ import annotations

import base64
import functools
import json

import pytest
from django.utils import translation

from passerelle.core.guard import unscoped
from passerelle.imports import pipeline
from passerelle.imports.models import ImportBatch
from passerelle.incidents.models import Incident, Person
from passerelle.xlsforms.forms import digest, read_form
from passerelle.xlsforms.models import FormMapping, FormVersion
from passerelle.xlsforms.submissions import batch as reader

from . import exports
from .forms import protection_monitoring_form

pytestmark = pytest.mark.django_db

SUBS = exports.pm_submissions(4)


@pytest.fixture(autouse=True)
def english(tmp_path, settings):
    settings.PASSERELLE_IMPORTS_DIR = str(tmp_path / "imports")
    with translation.override("en"):
        yield


@functools.cache
def _form_bytes():
    return protection_monitoring_form()


def _version(organisation, mapping=exports.PM_MAPPING):
    data = _form_bytes()
    definition = read_form(data)
    version = FormVersion.objects.create(
        organisation=organisation,
        form_id=definition.form_id,
        version=definition.version,
        title=definition.title,
        definition=definition.as_json(),
        digest=digest(data),
    )
    FormMapping.objects.create(form_version=version, mapping=mapping)
    return version


def _batch(organisation, content: bytes, **options):
    return ImportBatch.objects.create(
        organisation=organisation,
        source=ImportBatch.Source.XLSFORM,
        source_key=exports.FORM_ID,
        payload=base64.b64encode(content).decode("ascii"),
        options=options,
    )


def test_the_reader_is_registered_for_xlsform_batches():
    assert pipeline.reader_for("xlsform") is reader.read_batch


def test_a_batch_is_read_with_its_form_version_and_saved_mapping(org):
    version = _version(org)
    batch = _batch(org, exports.kobo_xlsx(SUBS), form_version=str(version.public_id))
    rows, errors = pipeline.reader_for("xlsform")(batch)
    assert errors == []
    assert [r.key for r in rows] == [s["uuid"] for s in SUBS]
    assert [len(r.persons) for r in rows] == [0, 1, 2, 3]


def test_a_mapping_given_with_the_batch_wins_over_the_saved_one(org):
    version = _version(org)
    mapping = {**exports.PM_MAPPING, "persons.role": {"value": "witness"}}
    batch = _batch(
        org, exports.kobo_json(SUBS), form_version=str(version.public_id), mapping=mapping
    )
    rows, _errors = reader.read_batch(batch)
    assert {p.role for r in rows for p in r.persons} == {"witness"}


def test_a_form_version_of_another_organisation_is_not_used(org, other_org):
    theirs = _version(other_org)
    batch = _batch(org, exports.kobo_xlsx(SUBS), form_version=str(theirs.public_id))
    rows, errors = reader.read_batch(batch)
    assert rows == []
    assert [(e.row, e.column, e.code) for e in errors] == [(0, "", "form_version")]


def test_a_file_refused_whole_is_one_error_on_row_zero(org):
    version = _version(org)
    content = exports.kobo_csv(SUBS).replace(b"incident/localite", b"incident/village")
    batch = _batch(org, content, form_version=version.pk)
    rows, errors = reader.read_batch(batch)
    assert rows == []
    assert [(e.row, e.code) for e in errors] == [(0, "unknown_columns")]
    assert errors[0].as_dict()["message"]["en"].startswith("This export does not match")


def test_options_override_what_is_detected(org):
    version = _version(org)
    content = exports.kobo_csv(SUBS, delimiter=";", encoding="cp1252")
    batch = _batch(org, content, form_version=version.pk, encoding="cp1252", delimiter=";")
    result = reader.read_file(batch)
    assert (result.encoding, result.delimiter, result.notes) == ("cp1252", ";", [])


def test_an_export_goes_through_the_import_path_once_and_an_edit_updates(
    org, areas, user_with_role
):
    importer = user_with_role("monitor", username="drc.importer")
    version = _version(org)

    def run(content):
        batch = _batch(org, content, form_version=version.pk)
        rows, errors = reader.read_batch(batch)
        plan = pipeline.prepare(
            importer, organisation=org, rows=rows, source="xlsform", errors=errors
        )
        assert plan.errors == [], [(e.row, e.column, str(e.message)) for e in plan.errors]
        return plan, pipeline.apply(importer, plan)

    plan, _result = run(exports.kobo_xlsx(SUBS))
    with unscoped():
        assert Incident.objects.filter(owner=org).count() == 4
        assert Person.objects.filter(incident__owner=org).count() == 6
    plan, _result = run(exports.odk_json(SUBS))  # the same submissions from ODK: unchanged
    assert plan.counts()["to_create"] == 0
    document = json.loads(exports.kobo_json(SUBS))
    document["results"][2]["_submission_time"] = "2026-11-03T09:00:00"
    document["results"][2]["incident/localite"] = "Quartier corrigé"
    plan, _result = run(json.dumps(document).encode())
    assert (plan.counts()["to_create"], plan.counts()["to_update"]) == (0, 1)
    with unscoped():
        assert Incident.objects.filter(owner=org).count() == 4
