# ruff: noqa: F811  (the fixtures of test_protocol_views are imported by name)
"""Areas "to what the protocol allows" (issue 10): a protocol's `finest_area_level` bounds how
finely statistics that count its partners' records are grouped and filtered. The default
(admin 2, cercle) keeps the former behaviour; it is set on the protocol form and stated in
the protocol document."""

from __future__ import annotations

import datetime as dt

import pytest

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.incidents.tests.factories import incident_factory, term
from passerelle.policy.purposes import Purpose
from passerelle.sharing import aggregates
from passerelle.sharing.models import PartyRole, Protocol

from .factories import protocol_factory
from .test_protocol_views import complete_form, hrd, manager, url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(db, org, monitor, areas, user_with_role):
    """HRD counts DRC's records of the Gao region under a protocol; returns (viewer, protocol)."""
    partner = OrganisationFactory(acronym="HRD2", name="Human Rights Division")
    protocol = protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, partner: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 1, [Purpose.ANALYSIS])],
        areas=[areas["ML07"]],
    )
    adult = term("age_group", "18_59")
    for cercle, n in (("ML0701", 12), ("ML0702", 9)):
        incident_factory(
            monitor,
            area=areas[cercle],
            occurred_on=dt.date(2013, 2, 1),
            classification=2,
            victim_counts={("f", adult): n},
        )
    return user_with_role("viewer", partner), protocol


ASK = dict(purpose=Purpose.ANALYSIS, rows="area", columns="sex", area_level=2)


def test_by_default_partners_may_group_by_cercle(shared):
    viewer, _protocol = shared
    result = aggregates.build(viewer, **ASK)
    assert result.area_level == 2 and not result.area_limited
    assert set(result.row_labels) == {"Ansongo", "Bourem"}


def test_a_protocol_at_region_level_groups_partners_records_by_region(shared):
    viewer, protocol = shared
    protocol.finest_area_level = 1
    protocol.save()
    result = aggregates.build(viewer, **ASK)
    assert result.area_level == 1 and result.area_limited
    assert result.row_labels == ["Gao"]
    assert result.table.total.value == 20  # 21 rounded to a multiple of 5


def test_a_protocol_at_country_level_gives_one_row_for_the_country(shared):
    viewer, protocol = shared
    protocol.finest_area_level = 0
    protocol.save()
    result = aggregates.build(viewer, **{**ASK, "area_level": 1})
    assert result.area_level == 0 and result.area_limited
    assert result.row_labels == ["Mali"]


def test_the_own_organisation_is_not_limited(shared, user_with_role):
    _viewer, protocol = shared
    protocol.finest_area_level = 0
    protocol.save()
    result = aggregates.build(user_with_role("viewer"), **ASK)  # DRC counts only its own
    assert not result.protocols and result.area_level == 2 and not result.area_limited


def test_the_aggregate_page_says_areas_were_limited(shared, client_for):
    from django.urls import reverse

    viewer, protocol = shared
    protocol.finest_area_level = 1
    protocol.save()
    page = client_for(viewer, "en").get(
        reverse("sharing:aggregates"),
        {**ASK, "period": "quarter"},
    )
    assert page.status_code == 200
    assert "allows no finer areas in statistics" in page.content.decode()


def test_the_form_sets_the_finest_area_level_and_the_document_states_it(manager, org, hrd, areas):
    response = manager.post(
        url("protocol_create"), complete_form(org, hrd, areas, finest_area_level="1")
    )
    assert response.status_code == 302
    protocol = Protocol.objects.get(reference="PSEA-2025-02")
    assert protocol.finest_area_level == 1
    page = manager.get(url("protocol_detail", protocol)).content.decode()
    assert "grouped and filtered by region at the finest, never by cercle" in page
    edit = manager.get(url("protocol_edit", protocol)).content.decode()
    assert '<option value="1" selected>' in edit


def test_a_form_without_the_field_keeps_cercle_level(manager, org, hrd, areas):
    data = complete_form(org, hrd, areas)
    data.pop("finest_area_level", None)
    assert manager.post(url("protocol_create"), data).status_code == 302
    assert Protocol.objects.get(reference="PSEA-2025-02").finest_area_level == 2


def test_an_unknown_level_is_refused(manager, org, hrd, areas):
    data = complete_form(org, hrd, areas, finest_area_level="3")
    response = manager.post(url("protocol_create"), data)
    assert response.status_code == 200
    assert not Protocol.objects.exists()
