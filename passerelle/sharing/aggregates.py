"""Count tables of victims (period × area × category × sex × age group) for level 0–1 audiences.

Which incidents are counted is decided by `policy.aggregate_scope`; small cells and their
complements are suppressed by `disclosure_control.protect`. When suppression would hide more
than `MAX_SUPPRESSED_SHARE` of the non-zero cells, periods and then areas are coarsened
(month → quarter → year; cercle → region → country) and the table is built again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.geography.models import Area
from passerelle.incidents.models import DataCategory, Sex, VictimCount
from passerelle.vocabularies.models import Term

from .disclosure_control import ProtectedTable, protect

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
    if data_category:
        queryset = queryset.filter(data_category=data_category)
    if date_from:
        queryset = queryset.filter(occurred_on__gte=date_from)
    if date_to:
        queryset = queryset.filter(occurred_on__lte=date_to)
    facts = _facts(queryset, (rows, columns))
    areas = _Areas()
    coarsened = []
    dims = {rows, columns}
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
        table = protect(row_keys, column_keys, counts, k=k)
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
        protocols=protocols,
        incidents=queryset.count(),
    )
