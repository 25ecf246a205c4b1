"""Saving form versions and mappings: who may, what is kept, what is audited."""

import copy

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import translation

from passerelle import policy
from passerelle.core.errors import DomainError
from passerelle.core.models import AuditEvent
from passerelle.xlsforms import services
from passerelle.xlsforms.models import FormMapping, FormVersion

from . import forms as F

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def officer(user_with_role):
    return user_with_role("im_officer")


@pytest.fixture
def version(officer, org):
    return services.save_form(officer, organisation=org, data=F.protection_monitoring_form())


def test_upload_keeps_the_definition_without_answers_and_is_audited(officer, org, version):
    assert (version.form_id, version.version, version.organisation) == (
        "pm_mali_2026",
        "2026.11",
        org,
    )
    assert version.languages == ["Français (fr)", "English (en)"]
    assert version.form().question("cercle").choice_filter == "region=${region}"
    assert len(version.digest) == 64 and version.uploaded_by == officer
    event = AuditEvent.objects.get(action="xlsform.upload")
    assert event.organisation == org and event.actor == officer
    assert event.detail["form_id"] == "pm_mali_2026" and event.detail["questions"] > 20
    assert "Monitoring" not in str(event.detail)  # no labels or title in the log


def test_the_same_form_uploaded_again_is_the_same_version(officer, org, version):
    again = services.save_form(officer, organisation=org, data=F.protection_monitoring_form())
    assert again.pk == version.pk
    assert FormVersion.objects.count() == 1


def test_a_changed_form_under_the_same_version_is_refused(officer, org, version):
    data = F.workbook(
        {
            "survey": [["type", "name", "label"], ["text", "q", "Q"]],
            "settings": [["form_id", "version"], ["pm_mali_2026", "2026.11"]],
        }
    )
    with pytest.raises(DomainError) as caught:
        services.save_form(officer, organisation=org, data=data)
    assert caught.value.code == "xlsform_version_taken"
    assert "new version" in str(caught.value)


def test_choices_files_given_later_complete_the_version(officer, org):
    first = services.save_form(officer, organisation=org, data=F.external_choices_form())
    assert first.form().missing_files == ["villages.csv"]
    second = services.save_form(
        officer,
        organisation=org,
        data=F.external_choices_form(),
        files={"villages.csv": F.villages_csv()},
    )
    assert second.pk == first.pk
    assert second.form().missing_files == []
    assert AuditEvent.objects.filter(action="xlsform.update").count() == 1


def test_a_form_pyxform_rejects_saves_nothing(officer, org):
    with pytest.raises(DomainError):
        services.save_form(officer, organisation=org, data=F.missing_end_group())
    assert not FormVersion.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "case_worker", "org_admin"])
def test_who_may_not_upload(user_with_role, org, role):
    with pytest.raises(PermissionDenied):
        services.save_form(
            user_with_role(role), organisation=org, data=F.protection_monitoring_form()
        )
    assert not FormVersion.objects.exists()


def test_another_organisations_officer_may_not_upload_nor_see(
    user_with_role, org, other_org, version
):
    outsider = user_with_role("im_officer", other_org)
    with pytest.raises(PermissionDenied):
        services.save_form(outsider, organisation=org, data=F.protection_monitoring_form())
    with pytest.raises(Http404):
        policy.get_or_404(outsider, FormVersion, version.public_id, "import.run")
    with pytest.raises(PermissionDenied):
        services.save_mapping(outsider, form_version=version, mapping={})
    assert not policy.scope(outsider, FormVersion.objects.all(), "import.run").exists()


def test_a_monitor_of_the_organisation_may(user_with_role, org, version):
    monitor = user_with_role("monitor")
    assert policy.get_or_404(monitor, FormVersion, version.public_id, "import.run") == version
    assert list(policy.scope(monitor, FormVersion.objects.all(), "import.run")) == [version]


def test_one_version_per_organisation_form_and_version(officer, org, version):
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.create(
            organisation=org, form_id=version.form_id, version=version.version, digest="x"
        )


def test_mapping_saved_when_valid_and_refused_with_its_errors(officer, version, areas):
    mapping = services.initial_mapping(version)
    saved = services.save_mapping(officer, form_version=version, mapping=mapping)
    assert saved.mapping == mapping and saved.updated_by == officer
    assert services.initial_mapping(version) == mapping
    assert AuditEvent.objects.filter(action="xlsform.mapping").count() == 1

    broken = copy.deepcopy(mapping)
    del broken["occurred_on"]
    with pytest.raises(services.MappingRefused) as caught:
        services.save_mapping(officer, form_version=version, mapping=broken)
    assert [e.target for e in caught.value.errors] == ["occurred_on"]
    assert FormMapping.objects.get().mapping == mapping


def test_a_new_version_reuses_the_earlier_mapping(officer, org, version, areas):
    mapping = services.initial_mapping(version)
    mapping["narrative"] = {"question": "/data/suivi/commentaires"}  # the officer's choice
    mapping["category"]["choices"]["autre"] = "pm.property"
    services.save_mapping(officer, form_version=version, mapping=mapping)
    newer = services.save_form(
        officer, organisation=org, data=F.protection_monitoring_form(version="2026.12")
    )
    assert newer.pk != version.pk and newer.version == "2026.12"
    carried = services.initial_mapping(newer)
    assert carried["narrative"] == {"question": "/data/suivi/commentaires"}
    assert carried["category"]["choices"]["autre"] == "pm.property"
