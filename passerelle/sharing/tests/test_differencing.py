"""Differencing: two statistics tables that count partners' records, asked with other filters,
must never differ by 1 to k−1 in a cell or a total (issue 10: two periods one day apart
differed by 4 victims, with their sex split)."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.accounts.tests.factories import OrganisationFactory
from passerelle.incidents.tests.factories import incident_factory, term
from passerelle.policy.purposes import Purpose
from passerelle.sharing import aggregates
from passerelle.sharing.aggregates import tabulate, widen
from passerelle.sharing.disclosure_control import consistent, round_to
from passerelle.sharing.models import PartyRole

from .factories import protocol_factory

# --------------------------------------------------------------------------- the pure parts


def test_dates_widen_to_whole_quarters_or_years():
    assert widen(dt.date(2013, 2, 14), dt.date(2013, 5, 2)) == (
        dt.date(2013, 1, 1),
        dt.date(2013, 6, 30),
    )
    assert widen(dt.date(2013, 11, 30), dt.date(2013, 12, 1)) == (
        dt.date(2013, 10, 1),
        dt.date(2013, 12, 31),
    )
    assert widen(dt.date(2013, 7, 1), dt.date(2014, 2, 1), "year") == (
        dt.date(2013, 1, 1),
        dt.date(2014, 12, 31),
    )
    assert widen(None, None) == (None, None)


@given(st.dates(), st.dates(), st.sampled_from(["month", "quarter", "year"]))
def test_widening_only_widens_and_is_stable(a, b, period):
    start, end = widen(a, b, period)
    assert start <= a and end >= b
    assert widen(start, end, period) == (start, end)  # a widened span stays as it is
    assert start.day == 1 and start.month in ((1,) if period == "year" else (1, 4, 7, 10))
    assert (end + dt.timedelta(days=1)).month in ((1,) if period == "year" else (1, 4, 7, 10))


def test_rounding_to_multiples_of_k():
    assert [round_to(n, 5) for n in (0, 2, 3, 5, 7, 8, 12, 13)] == [0, 0, 5, 5, 5, 10, 10, 15]


def test_a_consistent_table_hides_small_cells_and_sums_only_what_it_shows():
    table = consistent(["a", "b"], ["f", "m"], {("a", "f"): 12, ("a", "m"): 3, ("b", "f"): 7})
    assert [[c.value for c in line] for line in table.cells] == [[10, None], [5, 0]]
    assert [c.value for c in table.row_totals] == [10, 5]  # the 3 is in no total
    assert [c.value for c in table.column_totals] == [15, 0]
    assert table.total.value == 15 and table.rounding == 5


# The world of the property: Mali reduced to a country, two regions and four cercles.
_AREAS = [
    SimpleNamespace(pk=1, pcode="C", name="C", level=0, parent_id=None),
    SimpleNamespace(pk=2, pcode="C1", name="C1", level=1, parent_id=1),
    SimpleNamespace(pk=3, pcode="C2", name="C2", level=1, parent_id=1),
    SimpleNamespace(pk=4, pcode="C101", name="C101", level=2, parent_id=2),
    SimpleNamespace(pk=5, pcode="C102", name="C102", level=2, parent_id=2),
    SimpleNamespace(pk=6, pcode="C201", name="C201", level=2, parent_id=3),
    SimpleNamespace(pk=7, pcode="C202", name="C202", level=2, parent_id=3),
]


class _Areas(aggregates._Areas):
    def __init__(self):
        self.by_id = {a.pk: a for a in _AREAS}


DAYS = st.dates(dt.date(2013, 1, 1), dt.date(2014, 12, 31))
RECORDS = st.lists(
    st.tuples(
        DAYS,
        st.sampled_from([4, 5, 6, 7]),
        st.sampled_from(["mrm", "gbv", "hr"]),
        st.sampled_from(["f", "m"]),
        st.integers(1, 9),
    ),
    min_size=1,
    max_size=40,
)
DIMS = ["area", "period", "category", "sex"]
QUERIES = st.fixed_dictionaries(
    {
        "dims": st.permutations(DIMS).map(lambda d: (d[0], d[1])),
        "period": st.sampled_from(["month", "quarter", "year"]),
        "area_level": st.sampled_from([1, 2]),
        "data_category": st.sampled_from(["", "mrm", "gbv"]),
        "date_from": st.none() | DAYS,
        "date_to": st.none() | DAYS,
    }
)


def _ask(records, query, k, max_share):
    """What `build` does for a partner, without the database: widen the dates, filter the
    records as the SQL would, group by month, tabulate."""
    start, end = widen(query["date_from"], query["date_to"], query["period"])
    facts = [
        {
            "month": day.replace(day=1),
            "incident__area_id": area,
            "incident__data_category": category,
            "sex": sex,
            "n": n,
        }
        for day, area, category, sex, n in records
        if (not query["data_category"] or category == query["data_category"])
        and (start is None or day >= start)
        and (end is None or day <= end)
    ]
    rows, columns = query["dims"]
    table, row_keys, column_keys, *_ = tabulate(
        facts,
        rows=rows,
        columns=columns,
        period=query["period"],
        area_level=query["area_level"],
        k=k,
        partners=True,
        areas=_Areas(),
        max_share=max_share,
    )
    published = {}
    for r, line, total in zip(row_keys, table.cells, table.row_totals, strict=True):
        published[("row", rows, r)] = total
        for c, cell in zip(column_keys, line, strict=True):
            published[("cell", rows, r, columns, c)] = cell
            published[("cell", columns, c, rows, r)] = cell
    for c, total in zip(column_keys, table.column_totals, strict=True):
        published[("row", columns, c)] = total
    published[("total",)] = table.total
    return published


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    RECORDS,
    QUERIES,
    QUERIES,
    st.sampled_from([5, 10]),
    st.sampled_from([aggregates.MAX_SUPPRESSED_SHARE, 1.0]),
)
def test_no_two_partner_tables_differ_by_less_than_k(records, first, second, k, max_share):
    """For any two queries the form allows, every value published in both (a cell with the
    same row and column, a line's total, the grand total) is equal or differs by k or more."""
    a, b = _ask(records, first, k, max_share), _ask(records, second, k, max_share)
    for key in a.keys() & b.keys():
        if a[key].suppressed or b[key].suppressed:
            continue
        difference = abs(a[key].value - b[key].value)
        assert difference == 0 or difference >= k, (key, a[key], b[key])


def test_the_issues_one_day_apart_tables_without_widening_would_differ_by_four():
    """The attack the property rules out: exact tables with exact totals, one day apart."""
    records = [(dt.date(2013, 3, 10), 4, "mrm", "f", 20), (dt.date(2013, 3, 31), 4, "mrm", "m", 4)]
    query = {
        "dims": ("area", "sex"),
        "period": "quarter",
        "area_level": 2,
        "data_category": "",
        "date_from": dt.date(2013, 1, 1),
        "date_to": dt.date(2013, 3, 30),
    }
    later = {**query, "date_to": dt.date(2013, 3, 31)}
    a, b = _ask(records, query, 5, 1.0), _ask(records, later, 5, 1.0)
    assert a == b  # both widened to the whole first quarter
    assert a[("total",)].value == 20  # the four men are hidden, and in no total


# --------------------------------------------------------------------------- with the database


@pytest.fixture
def partner_world(db, org, monitor, areas, user_with_role):
    hrd = OrganisationFactory(acronym="HRD", name="MINUSMA Human Rights Division")
    protocol_factory(
        {org: PartyRole.CLUSTER_MEMBER, hrd: PartyRole.MISSION_HUMAN_RIGHTS},
        [(PartyRole.MISSION_HUMAN_RIGHTS, "*", 1, [Purpose.ANALYSIS])],
        areas=[areas["ML07"]],
    )
    adult = term("age_group", "18_59")
    for day, n, sex in [
        (dt.date(2013, 2, 1), 17, "f"),
        (dt.date(2013, 2, 20), 9, "m"),
        (dt.date(2013, 3, 31), 4, "f"),  # the day the two periods differ by
    ]:
        incident_factory(
            monitor,
            area=areas["ML0701"],
            occurred_on=day,
            classification=2,
            victim_counts={(sex, adult): n},
        )
    return user_with_role("viewer", hrd)


def _cells(result):
    return {
        (label, column): (None if cell.suppressed else cell.value)
        for label, cells, _total in result.lines()
        for column, cell in zip(result.column_labels, cells, strict=True)
    }


def test_a_partners_tables_one_day_apart_are_the_same(partner_world):
    ask = dict(purpose=Purpose.ANALYSIS, rows="area", columns="sex", area_level=2)
    before = aggregates.build(
        partner_world, **ask, date_from=dt.date(2013, 1, 1), date_to=dt.date(2013, 3, 30)
    )
    after = aggregates.build(
        partner_world, **ask, date_from=dt.date(2013, 1, 1), date_to=dt.date(2013, 3, 31)
    )
    assert before.widened and before.date_to == dt.date(2013, 3, 31)
    assert _cells(before) == _cells(after)
    assert before.table.total == after.table.total
    assert before.incidents == after.incidents


def test_a_partners_tables_a_quarter_apart_differ_by_multiples_of_k(partner_world):
    ask = dict(purpose=Purpose.ANALYSIS, rows="area", columns="sex", area_level=2)
    tables = [
        aggregates.build(partner_world, **ask, date_to=end)
        for end in (dt.date(2012, 12, 31), dt.date(2013, 3, 31), None)
    ]
    for one, other in itertools.combinations(tables, 2):
        for key in _cells(one).keys() & _cells(other).keys():
            x, y = _cells(one)[key], _cells(other)[key]
            if x is not None and y is not None:
                assert abs(x - y) % one.k == 0
        assert abs(one.table.total.value - other.table.total.value) % one.k == 0


def test_the_own_organisation_still_sees_exact_counts_and_days(org, monitor, areas, user_with_role):
    incident_factory(
        monitor,
        area=areas["ML0701"],
        occurred_on=dt.date(2013, 3, 31),
        classification=2,
        victim_counts={("f", term("age_group", "18_59")): 7},
    )
    result = aggregates.build(
        user_with_role("viewer"),
        purpose=Purpose.ANALYSIS,
        rows="area",
        columns="sex",
        date_from=dt.date(2013, 3, 31),
    )
    assert not result.rounded and not result.widened and result.table.total.value == 7


def test_the_page_says_numbers_are_rounded_and_dates_widened(partner_world, client_as):
    from django.urls import reverse

    client = client_as("viewer", partner_world.memberships.get().organisation)
    page = client.get(
        reverse("sharing:aggregates"),
        {
            "purpose": Purpose.ANALYSIS,
            "rows": "area",
            "columns": "sex",
            "area_level": 2,
            "period": "quarter",
            "date_from": "2013-02-10",
        },
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "rounded to a multiple of 5" in body
    assert "whole quarters" in body
