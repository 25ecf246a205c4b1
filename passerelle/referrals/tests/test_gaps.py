"""The response-gap analysis, the service map and the coverage table, on a hand-made dataset
whose answers were worked out by hand (k = 5).

Gao region (ML07): Ansongo (ML0701, "A"), Bourem (ML0702, "B"), Gao (ML0703, "C").

A: incidents A1–A7 with needs (A7 recorded at a commune of Ansongo), A8 whose only need was
   found not to apply. Needs: legal for A1–A7 (A6: no service available), medical for A1 (no
   service available) and A2 (not applicable). Referrals sent: A1 provided after 4 days (and
   one withdrawn), A2 closed after service in 10 days, A3 provided in 2 days (sent 23:30 UTC;
   and one closed without service), A4 provided in 7 days, A5 provided in 1 day (and one
   declined), A7 accepted; A6 only a draft.
   → incidents 7, without referral 1 (A6), needs 8, no service 2, referrals 9, accepted 6,
     provided 5, median days of (4, 10, 2, 7, 1) = 4; legal needed 7 times, only a suspended
     legal service: legal aid is a needed type without an active service.
B: B1–B5 with a psychosocial need (B1 also medical); B1 provided in 3 days, B2–B4 sent, B5
   nothing. → incidents 5, without referral 1, needs 6, no service 0, referrals 4, accepted 1,
   provided 1 (median hidden: fewer than 5); psychosocial is served by a regional service.
C: C1, C2 with a documentation need, pending. → 2, 2, 2, 0, 0, 0, 0.
Above cercle level: one incident recorded at the Gao region, one need, no referral.
Not counted: an incident of A before the period, one of another organisation outside any
protocol, and one of ours whose victim refused to be counted in statistics.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from passerelle.core.guard import unscoped
from passerelle.core.models import AuditEvent
from passerelle.geography.models import Area
from passerelle.incidents.models import Consent
from passerelle.incidents.tests.factories import incident_factory, person_factory
from passerelle.policy.purposes import Purpose
from passerelle.sharing.tests.factories import protocol_factory

from .. import gap_views, gaps
from ..models import Need, Referral, Service, ServiceType
from .factories import service_factory

pytestmark = pytest.mark.django_db

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
OUT = Need.Outcome
S = Referral.Status


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=dt.UTC)


class Maker:
    """Incidents, one person each, needs and referrals with the dates the test chooses."""

    def __init__(self, monitor, service):
        self.monitor = monitor
        self.service = service
        self.n = 0

    def incident(self, area, needs, referrals=(), *, on=dt.date(2024, 3, 1), actor=None):
        actor = actor or self.monitor
        incident = incident_factory(actor, area=area, occurred_on=on)
        person = person_factory(actor, incident)
        with unscoped():
            for service_type, outcome in needs:
                Need.objects.create(
                    incident=incident,
                    person=person,
                    service_type=service_type,
                    identified_on=on,
                    outcome=outcome,
                )
            for status, sent, provided in referrals:
                self.n += 1
                Referral.objects.create(
                    reference=f"REF-{self.n:03d}",
                    incident=incident,
                    person=person,
                    service=self.service,
                    sender=incident.owner,
                    provider=self.service.provider,
                    summary="",
                    created_by=actor,
                    status=status,
                    sent_at=sent,
                    provided_on=provided,
                )
        return incident, person


@pytest.fixture
def analyst(user_with_role):
    return user_with_role("im_officer", username="drc.im")


@pytest.fixture
def commune(areas):
    return Area.objects.create(
        pcode="ML070101",
        name_fr="Commune d'essai",
        name_en="Test commune",
        level=3,
        parent=areas["ML0701"],
    )


@pytest.fixture
def directory(org, other_org, areas, commune):
    """Services: a suspended legal service in Ansongo, a regional psychosocial service, a
    documentation service of one commune of Gao cercle (in part), a medical one of Mali."""
    gao_commune = Area.objects.create(
        pcode="ML070301",
        name_fr="Commune de Gao",
        name_en="Gao commune",
        level=3,
        parent=areas["ML0703"],
    )
    return {
        "legal": service_factory(
            other_org,
            service_type=ServiceType.LEGAL,
            areas=[areas["ML0701"]],
            status=Service.Status.SUSPENDED,
        ),
        "psychosocial": service_factory(
            org, service_type=ServiceType.PSYCHOSOCIAL, areas=[areas["ML07"]]
        ),
        "documentation": service_factory(
            other_org, service_type=ServiceType.DOCUMENTATION, areas=[gao_commune]
        ),
        "medical": service_factory(org, service_type=ServiceType.MEDICAL, areas=[areas["ML"]]),
    }


@pytest.fixture
def dataset(monitor, other_org, user_with_role, areas, commune, directory):
    make = Maker(monitor, directory["psychosocial"])
    a, b, c = areas["ML0701"], areas["ML0702"], areas["ML0703"]
    legal, medical = ServiceType.LEGAL, ServiceType.MEDICAL
    psy, doc = ServiceType.PSYCHOSOCIAL, ServiceType.DOCUMENTATION
    # Ansongo
    make.incident(
        a,
        [(legal, OUT.REFERRED), (medical, OUT.UNAVAILABLE)],
        [
            (S.PROVIDED, at("2024-03-01"), dt.date(2024, 3, 5)),
            (S.WITHDRAWN, at("2024-02-28"), None),
        ],
    )
    make.incident(
        a,
        [(legal, OUT.REFERRED), (medical, OUT.NOT_APPLICABLE)],
        [(S.CLOSED, at("2024-03-10"), dt.date(2024, 3, 20))],
    )
    make.incident(
        a,
        [(legal, OUT.REFERRED)],
        [
            (S.PROVIDED, at("2024-04-01", 23, 30), dt.date(2024, 4, 3)),
            (S.CLOSED, at("2024-04-01"), None),
        ],
    )
    make.incident(a, [(legal, OUT.REFERRED)], [(S.PROVIDED, at("2024-05-01"), dt.date(2024, 5, 8))])
    make.incident(
        a,
        [(legal, OUT.REFERRED)],
        [
            (S.PROVIDED, at("2024-05-02"), dt.date(2024, 5, 3)),
            (S.DECLINED, at("2024-05-02"), None),
        ],
    )
    make.incident(a, [(legal, OUT.UNAVAILABLE)], [(S.DRAFT, None, None)])
    make.incident(commune, [(legal, OUT.PENDING)], [(S.ACCEPTED, at("2024-06-01"), None)])
    make.incident(a, [(psy, OUT.NOT_APPLICABLE)])
    # Bourem
    june = dt.date(2024, 6, 30)
    make.incident(
        b,
        [(psy, OUT.REFERRED), (medical, OUT.PENDING)],
        [(S.PROVIDED, at("2024-07-01"), dt.date(2024, 7, 4))],
        on=june,
    )
    for _i in range(3):
        make.incident(b, [(psy, OUT.REFERRED)], [(S.SENT, at("2024-07-02"), None)], on=june)
    make.incident(b, [(psy, OUT.PENDING)], on=june)
    # Gao cercle, and the Gao region as a whole
    make.incident(c, [(doc, OUT.PENDING)])
    make.incident(c, [(doc, OUT.PENDING)])
    make.incident(areas["ML07"], [(psy, OUT.PENDING)])
    # Not counted (the last two are the latest incidents, yet outside the analyst's scope)
    make.incident(
        a,
        [(legal, OUT.REFERRED)],
        [(S.PROVIDED, at("2023-12-01"), dt.date(2023, 12, 2))],
        on=dt.date(2023, 12, 31),
    )
    outsider = user_with_role("monitor", other_org, username="amss.monitor")
    make.incident(
        a,
        [(legal, OUT.REFERRED)],
        [(S.PROVIDED, at("2024-09-01"), dt.date(2024, 9, 2))],
        actor=outsider,
        on=dt.date(2024, 9, 1),
    )
    _incident, refusing = make.incident(
        b,
        [(psy, OUT.REFERRED)],
        [(S.PROVIDED, at("2024-08-15"), dt.date(2024, 8, 16))],
        on=dt.date(2024, 8, 15),
    )
    Consent.objects.create(
        person=refusing,
        scope=Consent.Scope.AGGREGATE_REPORTING,
        given=False,
        given_at=timezone.now(),
    )
    return make


def values(row_or_report, cells=None) -> list:
    cells = row_or_report.cells if cells is None else cells
    return [None if c.suppressed else c.value for c in cells]


def rows_by_key(report) -> dict:
    return {row.key: row for row in report.rows}


# --------------------------------------------------------------------------- figures


def test_raw_counts_per_cercle_match_the_hand_count(analyst, dataset, areas):
    queryset, _k, _protocols = gaps.scoped_incidents(analyst, START, END, None)
    found = gaps.facts(queryset, ["ML0701", "ML0702", "ML0703"])
    expected = {
        "ML0701": [7, 1, 8, 2, 9, 6, 5],
        "ML0702": [5, 1, 6, 0, 4, 1, 1],
        "ML0703": [2, 2, 2, 0, 0, 0, 0],
        "ML07": [1, 1, 1, 0, 0, 0, 0],
    }
    for key, numbers in expected.items():
        assert [found.counts[m].get(key, 0) for m in gaps.MEASURE_KEYS] == numbers, key
    assert found.medians["ML0701"] == (5, 4.0)
    assert found.medians["ML0702"] == (1, 3.0)
    assert found.total_median == (6, 3.5)
    assert found.needs_by_type[("ML0701", ServiceType.LEGAL)] == 7
    assert found.needs_by_type[("ML0701", ServiceType.MEDICAL)] == 1


def test_published_table_suppresses_small_cells_and_their_complements(analyst, dataset, areas):
    report = gaps.build(analyst, start=START, end=END, region=areas["ML07"])
    assert report.k == 5
    rows = rows_by_key(report)
    assert [r.key for r in report.rows] == ["ML0701", "ML0702", "ML0703", ""]
    #                                 inc  unref needs unav  refs  acc   prov
    assert values(rows["ML0701"]) == [7, None, 8, None, None, None, None]
    assert values(rows["ML0702"]) == [5, None, 6, 0, None, None, None]
    assert values(rows["ML0703"]) == [None, None, None, 0, 0, 0, 0]
    assert values(rows[""]) == [None, None, None, 0, 0, 0, 0]
    assert values(report, report.totals) == [15, 5, 17, None, 13, 7, 6]
    # Small cells are primary; Ansongo's referrals hide only to protect Bourem's.
    assert rows["ML0702"].cell("referrals").primary
    assert not rows["ML0701"].cell("referrals").primary
    assert rows["ML0701"].cell("referrals").suppressed


def test_medians_are_shown_only_from_k_services(analyst, dataset, areas):
    report = gaps.build(analyst, start=START, end=END, region=areas["ML07"])
    rows = rows_by_key(report)
    assert (rows["ML0701"].median_days, rows["ML0701"].median_hidden) == (4.0, False)
    assert (rows["ML0702"].median_days, rows["ML0702"].median_hidden) == (None, True)
    assert (rows["ML0703"].median_days, rows["ML0703"].median_hidden) == (None, False)
    assert (report.median_days, report.median_hidden) == (3.5, False)


def test_needed_types_without_an_active_service(analyst, dataset, areas, directory):
    report = gaps.build(analyst, start=START, end=END, region=areas["ML07"])
    rows = rows_by_key(report)
    # Legal aid: needed 7 times in Ansongo, its only legal service is suspended. Medical (1
    # need) is below k: not named. Bourem's psychosocial needs are served by the region.
    assert rows["ML0701"].needed_missing == [ServiceType.LEGAL]
    assert rows["ML0702"].needed_missing == []
    assert rows["ML0703"].needed_missing == []
    directory["legal"].status = Service.Status.ACTIVE
    directory["legal"].save()
    report = gaps.build(analyst, start=START, end=END, region=areas["ML07"])
    assert rows_by_key(report)["ML0701"].needed_missing == []


def test_the_whole_country_has_a_row_per_cercle_and_the_same_totals(analyst, dataset, areas):
    report = gaps.build(analyst, start=START, end=END)
    assert len(report.rows) == Area.objects.filter(level=2).count() + 1
    assert values(report, report.totals) == [15, 5, 17, None, 13, 7, 6]
    assert rows_by_key(report)["ML0801"].cells[0].value == 0


def test_a_shorter_period_counts_only_its_incidents(analyst, dataset, areas):
    # Only the incident of 31 December 2023 (and none of 2024) falls in December 2023.
    queryset, _k, _p = gaps.scoped_incidents(
        analyst, dt.date(2023, 12, 1), dt.date(2023, 12, 31), areas["ML07"]
    )
    found = gaps.facts(queryset, ["ML0701"])
    assert found.counts["incidents"]["ML0701"] == 1
    assert found.counts["provided"]["ML0701"] == 1


def test_a_user_counts_only_what_aggregate_scope_allows(
    analyst, dataset, org, other_org, areas, user_with_role
):
    outsider = user_with_role("im_officer", other_org, username="amss.im")
    theirs = gaps.facts(gaps.scoped_incidents(outsider, START, END, None)[0], ["ML0701"])
    # AMSS sees its own one incident in Ansongo, none of DRC's.
    assert theirs.counts["incidents"]["ML0701"] == 1
    assert theirs.counts["referrals"]["ML0701"] == 1
    # Under a protocol for analysis, DRC counts AMSS's incident too.
    protocol_factory(
        {org: "cluster_member", other_org: "cluster_member"},
        [("cluster_member", "*", 1, [Purpose.ANALYSIS])],
    )
    ours = gaps.facts(gaps.scoped_incidents(analyst, START, END, None)[0], ["ML0701"])
    assert ours.counts["incidents"]["ML0701"] == 8
    assert ours.counts["referrals"]["ML0701"] == 10


def test_someone_without_aggregate_rights_counts_nothing(dataset, user_with_role, areas):
    admin = user_with_role("system_admin", username="sysadmin")
    report = gaps.build(admin, start=START, end=END, region=areas["ML07"])
    assert all(v == 0 for row in report.rows for v in values(row))


def test_default_period_is_the_last_twelve_months_of_data(analyst, dataset):
    assert gaps.default_period(analyst, today=dt.date(2025, 6, 1)) == (
        dt.date(2023, 7, 1),
        dt.date(2024, 6, 30),
    )
    # Up to today at the latest.
    assert gaps.default_period(analyst, today=dt.date(2024, 4, 1)) == (
        dt.date(2023, 3, 2),
        dt.date(2024, 3, 1),
    )


def test_default_period_without_data_ends_today(analyst, areas):
    assert gaps.default_period(analyst, today=dt.date(2024, 2, 29)) == (
        dt.date(2023, 3, 1),
        dt.date(2024, 2, 29),
    )


def test_build_runs_a_handful_of_queries(analyst, dataset, areas, django_assert_num_queries):
    # Memberships, protocols in force, cercles, three grouped counts, the active services.
    with django_assert_num_queries(7):
        gaps.build(analyst, start=START, end=END)


# --------------------------------------------------------------------------- coverage


def test_coverage_lists_present_partial_and_missing_core_types(directory, areas):
    rows = {r.area.pcode: r for r in gaps.coverage(Area.objects.filter(pcode__startswith="ML07"))}
    assert set(rows) == {"ML0701", "ML0702", "ML0703"}
    ansongo, gao = rows["ML0701"], rows["ML0703"]
    assert ansongo.present == [ServiceType.MEDICAL, ServiceType.PSYCHOSOCIAL]
    assert ServiceType.LEGAL in ansongo.missing  # suspended services do not count
    assert ansongo.services == 2
    assert ServiceType.DOCUMENTATION in gao.present
    assert gao.partial == [ServiceType.DOCUMENTATION]
    assert len(gao.missing) == 5
    kidal = gaps.coverage(Area.objects.filter(pcode="ML0801"))[0]
    assert kidal.present == [ServiceType.MEDICAL]  # a service of the whole country


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("language", ["fr", "en"])
def test_gap_page_renders(analyst, dataset, client_for, language):
    response = client_for(analyst, language).get(
        "/referrals/gaps/", {"start": "2024-01-01", "end": "2024-12-31", "region": "ML07"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'id="gap-map-data"' in html
    assert '"coordinates"' not in html  # the boundaries are fetched once, not sent with the page
    report = response.context["report"]
    assert values(report, report.totals) == [15, 5, 17, None, 13, 7, 6]
    with translation.override(language):
        assert str(ServiceType.LEGAL.label) in html


def test_gap_page_defaults_to_the_last_twelve_months(analyst, dataset, client_for):
    response = client_for(analyst).get("/referrals/gaps/")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.start, report.end) == (dt.date(2023, 7, 1), dt.date(2024, 6, 30))
    # The incident of 31 December 2023 is in the default period.
    assert rows_by_key(report)["ML0701"].cells[0].value == 8


def test_gap_page_colours_by_unreferred_incidents(analyst, dataset, client_for):
    response = client_for(analyst).get(
        "/referrals/gaps/",
        {"start": "2024-01-01", "end": "2024-12-31", "colour": "unreferred"},
    )
    gap_map = response.context["map"]
    # Every non-zero cell is suppressed: drawn as "no figure", never with its number.
    assert gap_map["values"]["ML0701"] == {"c": "none", "t": "x"}
    assert gap_map["values"]["ML0703"]["c"] == "none"
    assert gap_map["values"]["ML0801"] == {"c": "0", "t": "0"}
    assert [item["klass"] for item in gap_map["legend"]] == ["0", "none"]


def test_gap_page_refuses_an_end_before_the_start(analyst, client_for, areas):
    response = client_for(analyst).get(
        "/referrals/gaps/", {"start": "2024-12-31", "end": "2024-01-01"}
    )
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "The end comes before the start." in response.content.decode()
    assert 'value="2024-12-31"' in response.content.decode()


def test_gap_pages_are_refused_without_aggregate_rights(client_as, areas):
    assert client_as("system_admin").get("/referrals/gaps/").status_code == 403
    assert client_as("system_admin").get("/referrals/gaps/export.xlsx").status_code == 403
    assert Client().get("/referrals/gaps/").status_code == 302
    assert Client().get("/referrals/services/map/").status_code == 302


def test_gap_page_works_without_boundaries(analyst, dataset, client_for):
    Area.objects.update(geometry=None)
    response = client_for(analyst).get(
        "/referrals/gaps/", {"start": "2024-01-01", "end": "2024-12-31"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "No boundaries are loaded" in html
    assert "areamap.js" not in html


def test_gap_page_stays_light(analyst, dataset, client_for):
    response = client_for(analyst).get(
        "/referrals/gaps/", {"start": "2024-01-01", "end": "2024-12-31"}
    )
    raw = sum(len(str(a.geometry)) for a in Area.objects.filter(level=2, geometry__isnull=False))
    size = len(response.content)
    assert size < 120_000, size  # the cercle boundaries alone weigh about 350 kB
    assert size < raw / 2


def test_xlsx_matches_the_page_and_is_audited(analyst, dataset, client_for):
    query = {"start": "2024-01-01", "end": "2024-12-31", "region": "ML07"}
    client = client_for(analyst, "fr")
    page = client.get("/referrals/gaps/", query).context["report"]
    response = client.get("/referrals/gaps/export.xlsx", query)
    assert response.status_code == 200
    assert response["Content-Type"] == gap_views.XLSX_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header_index = 4  # title, period, region, a blank line
    with translation.override("fr"):
        assert rows[header_index][0] == translation.gettext("Cercle")
        assert rows[header_index][3] == str(gaps.MEASURES[0][1])
        assert rows[header_index][11] == translation.gettext(
            "Needed service types without an active service"
        )
        legal = str(ServiceType.LEGAL.label)
    assert rows[1][1:3] == (dt.datetime(2024, 1, 1), dt.datetime(2024, 12, 31))
    assert (rows[1][0], rows[2][0]) == ("Période", "Région")  # the user's language
    body = rows[header_index + 1 : header_index + 1 + len(page.rows)]
    for line, row in zip(body, page.rows, strict=True):
        assert line[1] == (row.key or None)
        shown = ["x" if c.suppressed else c.value for c in row.cells]
        assert list(line[3:10]) == shown
    assert body[0][10] == 4.0
    assert body[1][10] == "x"
    assert body[0][11] == legal
    total = rows[header_index + 1 + len(page.rows)]
    assert list(total[3:10]) == [15, 5, 17, "x", 13, 7, 6]
    assert total[10] == 3.5
    event = AuditEvent.objects.filter(action="gaps.export").get()
    assert event.actor == analyst
    assert event.level == 1
    assert event.detail["region"] == "ML07"
    assert event.detail["k"] == 5


def test_xlsx_with_bad_dates_is_refused_and_not_audited(analyst, client_for, areas):
    response = client_for(analyst).get(
        "/referrals/gaps/export.xlsx", {"start": "2024-12-31", "end": "2024-01-01"}
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="gaps.export").exists()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_service_map_renders_counts_and_coverage(directory, client_as, language):
    client = client_as("system_admin", language=language)  # service.view only
    response = client.get("/referrals/services/map/")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    service_map = response.context["map"]
    # Ansongo: the regional psychosocial and national medical services (suspended legal: no).
    assert service_map["values"]["ML0701"]["t"] == "2"
    assert service_map["values"]["ML0703"]["t"] == "3"  # with the commune's documentation
    assert service_map["values"]["ML0801"]["t"] == "1"
    assert "area=ML0701" in service_map["values"]["ML0701"]["u"]
    assert len(response.context["coverage"]) == Area.objects.filter(level=2).count()


def test_service_map_filters_by_type_and_lists_a_cercles_services(directory, client_as):
    client = client_as("viewer")
    response = client.get(
        "/referrals/services/map/", {"service_type": ServiceType.LEGAL, "area": "ML0701"}
    )
    assert response.status_code == 200
    assert response.context["map"]["values"]["ML0701"]["t"] == "0"
    listed = list(response.context["services"])
    assert listed == [directory["legal"]]  # listed, marked suspended, not counted
    response = client.get("/referrals/services/map/", {"area": "ML0701"})
    listed = {s.pk for s in response.context["services"]}
    assert listed == {directory[k].pk for k in ("legal", "psychosocial", "medical")}
    assert directory["psychosocial"].name in response.content.decode()


def test_service_map_works_without_boundaries(directory, client_as):
    Area.objects.update(geometry=None)
    response = client_as("viewer").get("/referrals/services/map/", {"region": "ML07"})
    assert response.status_code == 200
    assert "No boundaries are loaded" in response.content.decode()
    assert len(response.context["coverage"]) == 3


def test_service_map_needs_service_view(client_for, user_with_role, areas):
    nobody = user_with_role("viewer")
    nobody.memberships.all().delete()
    assert client_for(nobody).get("/referrals/services/map/").status_code == 403


# --------------------------------------------------------------------------- boundaries


def test_simplified_rings_stay_closed_and_shrink():
    import math

    ring = [
        [1 + math.cos(2 * math.pi * i / 2000), 1 + math.sin(2 * math.pi * i / 2000)]
        for i in range(2000)
    ]
    ring.append(ring[0])
    simple = gap_views.simplify_ring(ring)
    assert simple[0] == simple[-1]
    assert 4 <= len(simple) < 200
    assert all(round(x, 3) == x and round(y, 3) == y for x, y in simple)


def test_tiny_rings_are_kept():
    ring = [[0, 0], [0.0001, 0], [0.0001, 0.0001], [0, 0]]
    assert gap_views.simplify_ring(ring) == ring
    assert gap_views.simplify({"type": "Point", "coordinates": [0, 0]}) is None


# --------------------------------------------------------------------------- helpers


@given(st.lists(st.integers(min_value=-5, max_value=60), min_size=1, max_size=40))
def test_median_of_counts_is_the_median(values):
    histogram = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    assert gaps.median_of_counts(histogram) == statistics.median(values)


def test_median_of_nothing_is_none():
    assert gaps.median_of_counts({}) is None
    assert gaps.median_of_counts({3: 0}) is None


def test_cercles_with_p_codes_of_several_widths(analyst, monitor, areas):
    """Another country's cercles may have longer P-codes: incidents still roll up to them."""
    region = Area.objects.create(
        pcode="XY01", name_fr="Région Y", name_en="Region Y", level=1, parent=areas["ML"]
    )
    cercle = Area.objects.create(
        pcode="XY01001", name_fr="Cercle Y", name_en="Cercle Y", level=2, parent=region
    )
    commune = Area.objects.create(
        pcode="XY0100101", name_fr="Commune Y", name_en="Commune Y", level=3, parent=cercle
    )
    make = Maker(monitor, service_factory(monitor.memberships.first().organisation))
    make.incident(commune, [(ServiceType.LEGAL, OUT.PENDING)])
    make.incident(areas["ML0701"], [(ServiceType.LEGAL, OUT.PENDING)])
    make.incident(region, [(ServiceType.LEGAL, OUT.PENDING)])
    pcodes = list(gaps.cercles().values_list("pcode", flat=True))
    found = gaps.facts(gaps.scoped_incidents(analyst, START, END, None)[0], pcodes)
    assert dict(found.counts["incidents"]) == {"XY01001": 1, "ML0701": 1, "": 1}
    report = gaps.build(analyst, start=START, end=END)
    assert [r.key for r in report.rows][-2:] == ["XY01001", ""]
