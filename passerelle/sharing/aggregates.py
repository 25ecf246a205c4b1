"""Count tables of victims (period × area × category × sex × age group) for level 0–1 audiences.

Which incidents are counted is decided by `policy.aggregate_scope`. A table of the user's own
records only is exact, with small cells and their complements suppressed by
`disclosure_control.protect`. A table that counts partners' records (a protocol contributed)
must also resist differencing, comparing it with another table asked with other filters: its
dates are widened to whole quarters (whole years for a yearly table) and it is published by
`disclosure_control.consistent` (cells below k hidden, every value rounded to a multiple of k,
totals summed from the published cells), so no two such tables differ by 1 to k−1 anywhere.
When suppression would hide more than `MAX_SUPPRESSED_SHARE` of the non-zero cells, periods
and then areas are coarsened (month → quarter → year; cercle → region → country) and the
table is built again. With partners' records, areas are also grouped no finer than every
contributing protocol allows (`Protocol.finest_area_level`); `disclosure_control.Coarsening`
decides all of this, for the response-gap figures too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.core import audit
from passerelle.geography.models import Area
from passerelle.incidents.models import DataCategory, Sex, VictimCount
from passerelle.vocabularies.models import Term

from .disclosure_control import Coarsening, ProtectedTable, consistent, protect, widen

__all__ = ["AggregateResult", "build", "record_read", "tabulate", "widen"]

MAX_SUPPRESSED_SHARE = 0.3
PERIODS = ("month", "quarter", "year")
DIMENSIONS = ("area", "period", "category", "sex", "age_group")


@dataclass
class AggregateResult:
    table: ProtectedTable
    row_labels: list[str]
    column_labels: list[str]
    rows_dim: str
    columns_dim: str
    period: str
    area_level: int
    k: int
    coarsened: list = field(default_factory=list)
    protocols: list = field(default_factory=list)
    incidents: int = 0
    date_from: dt.date | None = None  # as counted (widened to whole quarters for partners)
    date_to: dt.date | None = None
    widened: bool = False
    # the areas asked were finer than a contributing protocol allows (`finest_area_level`)
    area_limited: bool = False
    # organisations whose records were counted (their audit logs record the table)
    owners: list = field(default_factory=list)

    @property
    def rounded(self) -> bool:
        return self.table.rounding > 1

    def lines(self):
        """(label, cells, total) per row, for templates."""
        return list(zip(self.row_labels, self.table.cells, self.table.row_totals, strict=True))


def _period_key(month: dt.date, period: str) -> str:
    if period == "year":
        return f"{month.year}"
    if period == "quarter":
        return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    return f"{month.year}-{month.month:02d}"


def _period_label(key: str) -> str:
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return str(_("Q%(q)s %(year)s") % {"q": quarter, "year": year})
    return key


class _Areas:
    """Area id → ancestor at a level (one query for all areas)."""

    def __init__(self):
        self.by_id = {a.pk: a for a in Area.objects.all()}

    def at(self, area_id: int, level: int):
        area = self.by_id.get(area_id)
        while area is not None and area.level > level:
            area = self.by_id.get(area.parent_id)
        return area


_COLUMNS = {
    "period": "month",
    "area": "incident__area_id",
    "category": "incident__data_category",
    "sex": "sex",
    "age_group": "age_group_id",
}


def _facts(queryset, dims):
    """Victim counts grouped by the two dimensions shown, at their finest (one SQL query);
    coarsening regroups these rows without going back to the database."""
    qs = VictimCount.objects.filter(incident__in=queryset.values("pk"))
    if "period" in dims:
        qs = qs.annotate(month=TruncMonth("incident__occurred_on"))
    return list(qs.values(*(_COLUMNS[d] for d in dims)).annotate(n=Sum("count")).order_by())


def _key(fact, dim: str, period: str, area_level: int, areas: _Areas):
    if dim == "period":
        month = fact["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        return _period_key(month, period)
    if dim == "area":
        area = areas.at(fact["incident__area_id"], area_level)
        return area.pcode if area else "?"
    if dim == "category":
        return fact["incident__data_category"]
    if dim == "sex":
        return fact["sex"]
    return fact["age_group_id"]


def _labels(dim: str, keys: list, areas: _Areas) -> list[str]:
    if dim == "period":
        return [_period_label(k) for k in keys]
    if dim == "area":
        by_pcode = {a.pcode: a for a in areas.by_id.values()}
        return [by_pcode[k].name if k in by_pcode else str(k) for k in keys]
    if dim == "category":
        names = dict(DataCategory.choices)
        return [str(names.get(k, k)) for k in keys]
    if dim == "sex":
        names = dict(Sex.choices)
        return [str(names.get(k, k)) for k in keys]
    terms = {t.pk: t for t in Term.objects.filter(pk__in=keys)}
    return [terms[k].label if k in terms else "?" for k in keys]


def _order(dim: str, keys: set) -> list:
    if dim == "age_group":
        order = {t.pk: (t.sort_order, t.code) for t in Term.objects.filter(pk__in=keys)}
        return sorted(keys, key=lambda k: order.get(k, (0, "")))
    if dim == "sex":
        return [s for s in Sex.values if s in keys]
    return sorted(keys, key=str)


def tabulate(
    facts,
    *,
    rows: str,
    columns: str,
    period: str,
    area_level: int,
    k: int,
    partners: bool,
    areas,
    max_share: float = MAX_SUPPRESSED_SHARE,
):
    """Group the facts by the two dimensions and publish the table (`consistent` when
    partners' records are counted, `protect` otherwise), coarsening periods then areas while
    too many cells are hidden. No database access except to order age groups."""
    coarsened = []
    dims = {rows, columns}
    publish = consistent if partners else protect
    while True:
        counts: dict[tuple, int] = {}
        for fact in facts:
            key = (
                _key(fact, rows, period, area_level, areas),
                _key(fact, columns, period, area_level, areas),
            )
            counts[key] = counts.get(key, 0) + fact["n"]
        row_keys = _order(rows, {r for r, _c in counts})
        column_keys = _order(columns, {c for _r, c in counts})
        table = publish(row_keys, column_keys, counts, k=k)
        if table.suppressed_share <= max_share:
            break
        if "period" in dims and period != "year":
            period = PERIODS[PERIODS.index(period) + 1]
            coarsened.append(("period", period))
        elif "area" in dims and area_level > 0:
            area_level -= 1
            coarsened.append(("area", area_level))
        else:
            break
    return table, row_keys, column_keys, period, area_level, coarsened


QUERY_FIELDS = (
    "purpose",
    "rows",
    "columns",
    "period",
    "area_level",
    "data_category",
    "date_from",
    "date_to",
)


def build_from(user, data: dict) -> AggregateResult:
    """`build` from the validated values of the statistics form (the page's and the API's)."""
    return build(user, **{name: data[name] for name in QUERY_FIELDS})


def build(
    user,
    *,
    purpose: str,
    rows: str,
    columns: str,
    period: str = "quarter",
    area_level: int = 1,
    data_category: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    max_share: float = MAX_SUPPRESSED_SHARE,
) -> AggregateResult:
    if rows not in DIMENSIONS or columns not in DIMENSIONS or rows == columns:
        raise ValueError("two different dimensions")
    queryset, k, protocols = policy.aggregate_scope(user, purpose)
    # Partners' records are counted: whole quarters, areas no finer than the protocols allow.
    coarsening = Coarsening.for_protocols(protocols, k)
    wide = coarsening.dates(date_from, date_to, period)
    widened = wide != (date_from, date_to)
    date_from, date_to = wide
    asked_level = area_level
    area_level = area_level_allowed = coarsening.area_level(area_level)
    if data_category:
        queryset = queryset.filter(data_category=data_category)
    if date_from:
        queryset = queryset.filter(occurred_on__gte=date_from)
    if date_to:
        queryset = queryset.filter(occurred_on__lte=date_to)
    facts = _facts(queryset, (rows, columns))
    areas = _Areas()
    table, row_keys, column_keys, period, area_level, coarsened = tabulate(
        facts,
        rows=rows,
        columns=columns,
        period=period,
        area_level=area_level,
        k=k,
        partners=bool(protocols),
        areas=areas,
        max_share=max_share,
    )
    return AggregateResult(
        table=table,
        row_labels=_labels(rows, row_keys, areas),
        column_labels=_labels(columns, column_keys, areas),
        rows_dim=rows,
        columns_dim=columns,
        period=period,
        area_level=area_level,
        k=k,
        coarsened=coarsened,
        area_limited=asked_level > area_level_allowed,
        protocols=protocols,
        incidents=coarsening.count(queryset.count()),
        date_from=date_from,
        date_to=date_to,
        widened=widened,
        owners=_owners(queryset) if protocols else [],
    )


def _owners(queryset) -> list:
    from passerelle.accounts.models import Organisation

    return list(Organisation.objects.filter(pk__in=queryset.values("owner_id")).order_by("acronym"))


def record_read(user, result: AggregateResult, asked: dict, *, exported: bool = False) -> None:
    """Audit a table shown (the page, the API) or exported (CSV): in the asker's log, and in
    the log of each partner whose records were counted, with who asked."""
    action = "aggregate.export" if exported else "aggregate.view"
    audit.record(
        user,
        action,
        organisation=(policy.organisations(user, "aggregate.view") or [None])[0],
        level=1,
        detail={
            "purpose": asked["purpose"],
            "rows": asked["rows"],
            "columns": asked["columns"],
            "k": result.k,
            "suppressed": result.table.primary_count + result.table.complementary_count,
            "protocols": [p.reference for p in result.protocols],
        },
    )
    # partners' records counted: each owner's log records the table and who asked
    mine = {o.pk for o in policy.organisations(user)}
    for owner in result.owners:
        if owner.pk in mine:
            continue
        audit.record(
            user,
            action,
            organisation=owner,
            level=1,
            detail={
                "purpose": asked["purpose"],
                "rows": asked["rows"],
                "columns": asked["columns"],
                "k": result.k,
                "for": sorted(o.acronym for o in policy.organisations(user)),
                "protocols": [p.reference for p in result.protocols],
            },
        )
