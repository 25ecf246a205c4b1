"""Aggregate tables: which records are counted for whom, suppression, coarsening, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.core.models import AuditEvent
from passerelle.incidents import services as incident_services
from passerelle.incidents.models import Consent
from passerelle.incidents.tests.factories import incident_factory, person_factory, term
from passerelle.policy.purposes import ForbiddenPurpose, Purpose
from passerelle.sharing import aggregates
from passerelle.sharing.models import PartyRole

from .factories import protocol_factory

pytestmark = pytest.mark.django_db


def victims(n, sex="f", age="18_59"):
    return {(sex, term("age_group", age)): n}


@pytest.fixture
def hrd(db):
    return OrganisationFactory(acronym="HRD", name="MINUSMA Human Rights Division")


@pytest.fixture
def data(monitor, areas):
    """DRC's victims: Ansongo (Gao region) 12 in Q1 2013 + 3 in Q2 2013; Diré (Tombouctou)
    7 in Q1 2013; Bourem (Gao region) 9 in Q2 2013."""
    made = []
    for area, day, n in [
        ("ML0701", dt.date(2013, 2, 1), 12),
        ("ML0701", dt.date(2013, 5, 1), 3),
        ("ML0601", dt.date(2013, 3, 1), 7),
        ("ML0702", dt.date(2013, 4, 2), 9),
    ]:
        made.append(
            incident_factory(
                monitor,
                area=areas[area],
                occurred_on=day,
                classification=2,
                victim_counts=victims(n),
            )
        )
    return made


def table_dict(result):
    out = {}
    for label, cells, total in result.lines():
        for column, cell in zip(result.column_labels, cells, strict=True):
            out[(label, column)] = None if cell.suppressed else cell.value
        out[(label, "total")] = None if total.suppressed else total.value
    return out


def test_own_records_counted_by_region_and_quarter_with_small_cells_hidden(data, user_with_role):
    viewer = user_with_role("viewer")
    with translation.override("fr"):
        result = aggregates.build(
            viewer, purpose=Purpose.ANALYSIS, rows="area", columns="period", area_level=1
        )
    assert result.row_labels == ["Tombouctou", "Gao"]
    assert result.column_labels == ["T1 2013", "T2 2013"]  # trimestres
    cells = table_dict(result)
    # Gao: 12 in Q1, 3 + 9 = 12 in Q2; Tombouctou: 7 in Q1, 0 in Q2.
    assert cells[("Gao", "T1 2013")] == 12
    assert cells[("Gao", "T2 2013")] == 12
    assert cells[("Tombouctou", "T1 2013")] == 7
    assert cells[("Tombouctou", "T2 2013")] == 0
    assert result.table.total.value == 31 and result.incidents == 4


def test_a_small_cell_and_its_complements_are_hidden(data, user_with_role):
    viewer = user_with_role("viewer")
    with translation.override("en"):
        result = aggregates.build(
            viewer,
            purpose=Purpose.ANALYSIS,
            rows="area",
            columns="period",
            area_level=2,
            period="quarter",
            max_share=1.0,  # no coarsening: see the suppression itself
        )
    cells = table_dict(result)
    assert cells[("Ansongo", "Q2 2013")] is None  # 3 < 5
    hidden = [key for key, value in cells.items() if value is None]
    assert len(hidden) >= 4  # never alone in its row or column
    assert result.table.total.value == 31


def test_too_much_suppression_coarsens_the_period(data, user_with_role):
    viewer = user_with_role("viewer")
    result = aggregates.build(
        viewer,
        purpose=Purpose.ANALYSIS,
        rows="area",
        columns="period",
        area_level=2,
        period="month",
    )
    assert result.coarsened  # months → quarters → year, until few cells are hidden
    assert result.table.suppressed_share <= aggregates.MAX_SUPPRESSED_SHARE or (
        result.period == "year" and result.area_level == 0
    )


def test_a_partner_counts_only_what_a_protocol_in_force_gives_for_the_purpose(
    data, org, hrd, areas, user_with_role
):
    officer = user_with_role("viewer", hrd)
    nothing = aggregates.build(officer, purpose=Purpose.ANALYSIS, rows="area", columns="period")
    assert nothing.table.total.value == 0
    protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "pm", 1, [Purpose.ANALYSIS])],
        areas=[areas["ML07"]],  # Gao region only
        k=10,
    )
    result = aggregates.build(officer, purpose=Purpose.ANALYSIS, rows="area", columns="period")
    assert result.row_labels == ["Gao"] and result.k == 10
    # 12 in each quarter, published rounded to multiples of k (partners' records are counted)
    assert [c.value for c in result.table.cells[0]] == [10, 10]
    assert result.table.total.value == 20 and result.rounded
    other = aggregates.build(officer, purpose=Purpose.ADVOCACY, rows="area", columns="period")
    assert other.table.total.value == 0  # purpose not in the rule


def test_a_person_refusing_statistics_takes_the_incident_out(data, monitor, user_with_role):
    person = person_factory(monitor, data[0])
    incident_services.record_consent(
        monitor, person, scope=Consent.Scope.AGGREGATE_REPORTING, given=False
    )
    result = aggregates.build(
        user_with_role("viewer"), purpose=Purpose.ANALYSIS, rows="area", columns="sex"
    )
    assert result.table.total.value == 31 - 12


def test_the_page_shows_x_for_hidden_cells_and_audits_the_query(data, client_as):
    client = client_as("im_officer")
    params = {
        "purpose": Purpose.ANALYSIS,
        "rows": "area",
        "columns": "period",
        "area_level": 2,
        "period": "quarter",
    }
    page = client.get(reverse("sharing:aggregates"), params)
    assert page.status_code == 200
    event = AuditEvent.objects.filter(action="aggregate.view").last()
    assert event.detail["purpose"] == Purpose.ANALYSIS and event.level == 1
    csv = client.get(reverse("sharing:aggregates"), {**params, "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert AuditEvent.objects.filter(action="aggregate.export").exists()


def test_the_same_dimension_twice_is_explained(client_as):
    page = client_as("viewer").get(
        reverse("sharing:aggregates"),
        {"purpose": Purpose.ANALYSIS, "rows": "sex", "columns": "sex", "area_level": 1},
    )
    assert "Choose two different dimensions." in page.content.decode()


# --------------------------------------------------------------------------- forbidden purposes


@pytest.fixture
def hrd_under_protocol(data, org, hrd, areas, user_with_role):
    """HRD may count DRC's Gao records for analysis; a third party to the protocol (UNICEF)
    has records too."""
    unicef = OrganisationFactory(acronym="UNICEF", name="UNICEF")
    protocol_factory(
        {
            org: PartyRole.CLUSTER_MEMBER,
            unicef: PartyRole.CLUSTER_MEMBER,
            hrd: PartyRole.MISSION_HUMAN_RIGHTS,
        },
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 1, [Purpose.ANALYSIS])],
        areas=[areas["ML07"]],
    )
    return {"officer": user_with_role("viewer", hrd), "unicef": unicef}


@pytest.mark.parametrize("purpose", [Purpose.INTELLIGENCE, Purpose.TARGETING, Purpose.SCREENING])
def test_a_forbidden_purpose_counts_nothing_and_the_owners_see_the_refusal(
    hrd_under_protocol, org, hrd, purpose
):
    officer = hrd_under_protocol["officer"]
    allowed = aggregates.build(officer, purpose=Purpose.ANALYSIS, rows="area", columns="sex")
    assert allowed.table.total.value == 25  # DRC's 24 Gao victims, rounded, for analysis
    with pytest.raises(ForbiddenPurpose) as refused:
        aggregates.build(officer, purpose=purpose, rows="area", columns="sex")
    assert "not intelligence gathering" in refused.value.reason
    events = AuditEvent.objects.filter(action="aggregate.refused")
    # one refusal in the asker's log, one in each owner's: DRC and UNICEF
    assert sorted(e.organisation.acronym for e in events) == ["DRC", "HRD", "UNICEF"]
    assert all(e.outcome == "refused" and e.actor == officer for e in events)
    assert {e.detail["purpose"] for e in events} == {purpose}
    assert not AuditEvent.objects.filter(action="aggregate.view").exists()


def test_a_forbidden_purpose_is_refused_even_on_own_records(data, user_with_role, org):
    viewer = user_with_role("viewer")
    with pytest.raises(ForbiddenPurpose):
        aggregates.build(viewer, purpose=Purpose.TARGETING, rows="area", columns="period")
    event = AuditEvent.objects.get(action="aggregate.refused")
    assert event.organisation == org


def test_the_page_refuses_a_forbidden_purpose_with_its_reason_in_french(
    hrd_under_protocol, hrd, client_as
):
    client = client_as("viewer", hrd, language="fr")
    page = client.get(
        reverse("sharing:aggregates"),
        {
            "purpose": Purpose.TARGETING,
            "rows": "area",
            "columns": "sex",
            "area_level": 1,
            "period": "quarter",
        },
    )
    assert page.status_code == 403
    body = page.content.decode()
    assert "Ciblage" in body or "ciblage" in body  # the purpose's label, translated
    assert "<table" not in body
    owners = AuditEvent.objects.filter(action="aggregate.refused").values_list(
        "organisation__acronym", flat=True
    )
    assert "DRC" in owners and "UNICEF" in owners


# --------------------------------------------------------------------------- consent


def _consent(monitor, person, given):
    return incident_services.record_consent(
        monitor, person, scope=Consent.Scope.AGGREGATE_REPORTING, given=given
    )


def _total(user):
    return aggregates.build(user, purpose=Purpose.ANALYSIS, rows="area", columns="sex").table.total


def test_a_withdrawn_consent_to_statistics_takes_the_incident_out_at_once(
    data, monitor, user_with_role
):
    viewer = user_with_role("viewer")
    person = person_factory(monitor, data[0])
    given = _consent(monitor, person, True)
    assert _total(viewer).value == 31
    incident_services.withdraw_consent(monitor, given)
    assert _total(viewer).value == 31 - 12  # same effect as a refusal


def test_consent_given_again_after_a_refusal_counts_the_incident_again(
    data, monitor, user_with_role
):
    viewer = user_with_role("viewer")
    person = person_factory(monitor, data[0])
    _consent(monitor, person, False)
    assert _total(viewer).value == 31 - 12
    _consent(monitor, person, True)
    assert _total(viewer).value == 31


def test_one_refusing_person_takes_out_the_incident_others_consenting(
    data, monitor, user_with_role
):
    viewer = user_with_role("viewer")
    yes, no = person_factory(monitor, data[2]), person_factory(monitor, data[2])
    _consent(monitor, yes, True)
    incident_services.withdraw_consent(monitor, _consent(monitor, no, True))
    assert _total(viewer).value == 31 - 7
