"""Response gaps: per cercle and period, how survivors' needs met (or did not meet) a response,
and which service types are missing where.

`build(user, start=, end=, region=)` counts, for each cercle (admin 2), the incidents of the
period that the user may count in aggregate (`policy.aggregate_scope(user, "analysis")`: these
statistics never decide visibility themselves). Incidents recorded at a commune are rolled up to
their cercle by P-code prefix; incidents recorded at region or country level go to one extra row,
"above cercle level". The counts are level-1 statistics: each column is protected on its own by
`disclosure_control.protect` (cells with 0 < n < k suppressed, and complementary cells so that
the total cannot give them away). A median is shown only where at least k services it is computed
from were provided; a needed service type is named only where at least k needs for it were
recorded.

When partners' records are counted (a protocol contributed), the figures must also resist
differencing, as the aggregate tables do, and `disclosure_control.Coarsening` decides how (the
same rules, in one place): the period widens to whole quarters, the rows and the region filter
go no finer than every contributing protocol allows (`Protocol.finest_area_level`: rows per
region, or one row for the country, instead of per cercle), each column is published by
`disclosure_control.consistent` (multiples of k, totals summed from the cells shown), and
medians are whole days, hidden below k cases.

Definitions (an incident belongs to the period when it occurred in [start, end]):

* incidents with survivor needs: incidents with at least one need whose outcome is not "not
  needed after all" (`service_not_applicable`); needs recorded counts those needs;
* of which without referral: those incidents for which no referral was ever sent (drafts do not
  count);
* no service available: needs whose outcome is `service_unavailable` (a gap seen at intake);
* referrals made: referrals of the incidents that left the draft state;
* accepted: accepted, provided, or closed after the service was provided (`provided_on` set);
* services provided: referrals with `provided_on` set;
* median days to service: from the day a referral was sent (`sent_at`, UTC) to `provided_on`;
* needed types without an active service: service types with at least k needs in the cercle that
  no active service serves there.

Which services serve a cercle (directory data, no suppression): an active service serves the
cercle when one of its areas is the country, the cercle's region or the cercle itself (its P-code
is a prefix of the cercle's). A service listed only for a commune serves part of the cercle: it
counts as present, and `coverage` reports the type as "partial".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.geography.models import Area
from passerelle.sharing.disclosure_control import Cell, Coarsening

from .models import CORE_SERVICES, Need, Referral, Service, ServiceType

PURPOSE = "analysis"
CERCLE = Area.Level.CERCLE
ABOVE_CERCLE = ""  # row key of the incidents recorded at region or country level

NOT_NEEDED = Need.Outcome.NOT_APPLICABLE
UNAVAILABLE = Need.Outcome.UNAVAILABLE
NEEDED = tuple(o for o in Need.Outcome.values if o != NOT_NEEDED)
MADE = tuple(s for s in Referral.Status.values if s != Referral.Status.DRAFT)
ACCEPTED = (Referral.Status.ACCEPTED, Referral.Status.PROVIDED)

MEASURES = [
    ("incidents", _("Incidents with survivor needs")),
    ("unreferred", _("of which without referral")),
    ("needs", _("Needs recorded")),
    ("unavailable", _("Needs with no service available")),
    ("referrals", _("Referrals made")),
    ("accepted", _("Referrals accepted")),
    ("provided", _("Services provided")),
]
MEASURE_KEYS = [key for key, _label in MEASURES]
ABOVE_LABELS = {
    CERCLE: _("Recorded above cercle level"),
    Area.Level.REGION: _("Recorded above region level"),
}
LEVEL_LABELS = {
    CERCLE: _("Cercle"),
    Area.Level.REGION: _("Region"),
    Area.Level.COUNTRY: _("Country"),
}


# --------------------------------------------------------------------------- SQL helpers


class DaysToService(Func):
    """Whole days from the day a referral was sent (UTC) to the day its service was provided;
    NULL when either is missing. PostgreSQL and SQLite."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"DaysToService is not written for {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra):
        template = "(%(provided)s - ((%(sent)s) AT TIME ZONE 'UTC')::date)"
        return self._render(compiler, connection, template)

    def as_sqlite(self, compiler, connection, **extra):
        # Datetimes are stored as UTC text: date() takes the UTC day.
        template = "CAST(julianday(%(provided)s) - julianday(date(%(sent)s)) AS INTEGER)"
        return self._render(compiler, connection, template)

    def _render(self, compiler, connection, template):
        provided, provided_params = compiler.compile(self.source_expressions[0])
        sent, sent_params = compiler.compile(self.source_expressions[1])
        return template % {"provided": provided, "sent": sent}, [*provided_params, *sent_params]


def median_of_counts(histogram: dict) -> float | None:
    """The median of values given as {value: how many times} (None when there are none)."""
    total = sum(histogram.values())
    if not total:
        return None
    lower, upper = (total - 1) // 2, total // 2  # ranks of the middle value(s), from 0
    found, seen = {}, 0
    for value, count in sorted(histogram.items()):
        for rank in (lower, upper):
            if rank not in found and seen <= rank < seen + count:
                found[rank] = value
        seen += count
    return (found[lower] + found[upper]) / 2


def _cercle_key(path: str, cercle_pcodes):
    """An SQL expression giving the P-code of the cercle containing the area at `path`
    (a prefix of the area's P-code), or some other string when there is none."""
    by_length = defaultdict(list)
    for pcode in cercle_pcodes:
        by_length[len(pcode)].append(pcode)
    if len(by_length) <= 1:  # COD-AB: one P-code width per level
        length = next(iter(by_length), 0)
        return Substr(F(path), 1, length)
    whens = [
        When(In(Substr(F(path), 1, length), pcodes), then=Substr(F(path), 1, length))
        for length, pcodes in sorted(by_length.items(), reverse=True)
    ]
    return Case(*whens, default=Value(ABOVE_CERCLE), output_field=CharField())


# --------------------------------------------------------------------------- directory


@dataclass
class Presence:
    """Active services serving one cercle: ids per service type, and the types served only
    in some of its communes."""

    by_type: dict = field(default_factory=lambda: defaultdict(set))
    partial: set = field(default_factory=set)

    @property
    def services(self) -> int:
        return len(set().union(*self.by_type.values())) if self.by_type else 0

    def count(self, service_type: str | None = None) -> int:
        if service_type:
            return len(self.by_type.get(service_type, ()))
        return self.services


def presence(cercles, *, service_type: str | None = None) -> dict[str, Presence]:
    """P-code → Presence for each cercle, from the active services (one query)."""
    services = Service.objects.filter(status=Service.Status.ACTIVE)
    if service_type:
        services = services.filter(service_type=service_type)
    by_pcode = defaultdict(list)
    for pk, kind, pcode in services.values_list("pk", "service_type", "areas__pcode").order_by():
        if pcode:
            by_pcode[pcode].append((pk, kind))
    result = {cercle.pcode: Presence() for cercle in cercles}
    whole = {pcode: set() for pcode in result}
    for pcode, items in by_pcode.items():
        # The area is the cercle or lies within it (a commune: the cercle in part)...
        for end in range(1, len(pcode) + 1):
            if pcode[:end] in result:
                for pk, kind in items:
                    result[pcode[:end]].by_type[kind].add(pk)
                    if end == len(pcode):
                        whole[pcode].add(kind)
    for cercle_pcode, found in result.items():
        # ...or contains it (the country, the region).
        for end in range(1, len(cercle_pcode)):
            for pk, kind in by_pcode.get(cercle_pcode[:end], ()):
                found.by_type[kind].add(pk)
                whole[cercle_pcode].add(kind)
        found.partial = set(found.by_type) - whole[cercle_pcode]
    return result


@dataclass
class CoverageRow:
    area: Area
    present: list  # core service types served (wholly or partly)
    partial: list  # core types served only in some communes
    missing: list  # core types no active service serves
    services: int  # active services of any type serving the cercle


def cercles(region: Area | None = None, level: int = CERCLE):
    """The cercles (of a region), with their region; boundaries are not loaded (heavy).
    `level`: the areas of another level instead (regions, the country)."""
    qs = (
        Area.objects.filter(level=level)
        .select_related("parent")
        .defer("geometry", "parent__geometry")
        .order_by("pcode")
    )
    if region is not None:
        qs = qs.filter(pcode__startswith=region.pcode)
    return qs


def coverage(area_qs=None) -> list[CoverageRow]:
    """For every cercle (of `area_qs`, default all), which core service types are present and
    which are missing. Directory data: nothing to suppress."""
    if area_qs is None:
        area_qs = cercles()
    areas = list(area_qs.filter(level=CERCLE).defer("geometry"))
    found = presence(areas)
    rows = []
    for area in areas:
        here = found[area.pcode]
        rows.append(
            CoverageRow(
                area=area,
                present=[t for t in CORE_SERVICES if t in here.by_type],
                partial=[t for t in CORE_SERVICES if t in here.partial],
                missing=[t for t in CORE_SERVICES if t not in here.by_type],
                services=here.services,
            )
        )
    return rows


# --------------------------------------------------------------------------- gap analysis


@dataclass
class GapRow:
    key: str  # the cercle's P-code, ABOVE_CERCLE for incidents recorded above it
    area: Area | None
    cells: list  # Cell per measure, in MEASURES order
    median_days: float | None = None  # None: not shown (none, or fewer than k services)
    median_hidden: bool = False  # services were provided, but fewer than k: not shown
    needed_missing: list = field(default_factory=list)  # ServiceType values
    level: int = CERCLE  # the level of the rows' areas

    @property
    def label(self) -> str:
        if self.area is not None:
            return self.area.name
        return str(ABOVE_LABELS.get(self.level, ABOVE_LABELS[CERCLE]))

    def cell(self, measure: str) -> Cell:
        return self.cells[MEASURE_KEYS.index(measure)]

    def needed_missing_labels(self) -> list[str]:
        return [str(ServiceType(t).label) for t in self.needed_missing]


@dataclass
class GapReport:
    start: dt.date
    end: dt.date
    region: Area | None
    k: int
    rows: list[GapRow]
    totals: list  # Cell per measure
    median_days: float | None
    median_hidden: bool
    protocols: list = field(default_factory=list)
    level: int = CERCLE  # rows per cercle; per region or country when a protocol says so
    rounded: bool = False  # partners' records counted: multiples of k, totals of the cells
    widened: bool = False  # the period asked was widened to whole quarters
    region_limited: bool = False  # the region asked is finer than a protocol allows
    asked: tuple = ()  # (start, end) as asked, before widening

    measures = MEASURES

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS.get(self.level, LEVEL_LABELS[CERCLE]))

    @property
    def suppressed(self) -> int:
        cells = [c for row in self.rows for c in row.cells] + list(self.totals)
        return sum(1 for c in cells if c.suppressed)

    def total(self, measure: str) -> Cell:
        return self.totals[MEASURE_KEYS.index(measure)]


@dataclass
class Facts:
    """The raw counts, before disclosure control (never shown as such)."""

    counts: dict = field(default_factory=lambda: {m: defaultdict(int) for m in MEASURE_KEYS})
    needs_by_type: dict = field(default_factory=lambda: defaultdict(int))  # (cercle, type)
    medians: dict = field(default_factory=dict)  # cercle -> (n timed, median)
    total_median: tuple = (0, None)


def scoped_incidents(user, start: dt.date, end: dt.date, region: Area | None = None):
    """(incidents the user may count for analysis in the period and region, k, protocols)."""
    queryset, k, protocols = policy.aggregate_scope(user, PURPOSE)
    return _narrow(queryset, start, end, region), k, protocols


def _narrow(queryset, start: dt.date, end: dt.date, region: Area | None):
    queryset = queryset.filter(occurred_on__gte=start, occurred_on__lte=end)
    if region is not None:
        queryset = queryset.filter(area__pcode__startswith=region.pcode)
    return queryset


def facts(queryset, cercle_pcodes) -> Facts:
    """Count everything the table shows for the incidents of `queryset` (scoped by the
    policy), grouped by cercle, in three grouped queries."""
    result = Facts()
    counts = result.counts
    key = _cercle_key("area__pcode", cercle_pcodes)
    incidents = queryset.order_by().annotate(cercle=key)

    # Needs, by cercle and service type.
    for row in (
        incidents.filter(needs__outcome__in=NEEDED)
        .values("cercle", "needs__service_type")
        .annotate(
            n=Count("needs"),
            unavailable=Count("needs", filter=Q(needs__outcome=UNAVAILABLE)),
        )
    ):
        cercle = row["cercle"]
        result.needs_by_type[(cercle, row["needs__service_type"])] += row["n"]
        counts["needs"][cercle] += row["n"]
        counts["unavailable"][cercle] += row["unavailable"]

    # Incidents with needs, by cercle and whether a referral was sent (grouping by the flag
    # lets PostgreSQL hash the subquery once instead of probing it for every incident).
    needed = Need.objects.filter(incident=OuterRef("pk"), outcome__in=NEEDED)
    referred = Referral.objects.filter(incident=OuterRef("pk"), status__in=MADE)
    for row in (
        incidents.filter(Exists(needed))
        .annotate(referred=Exists(referred))
        .values("cercle", "referred")
        .annotate(n=Count("pk"))
    ):
        counts["incidents"][row["cercle"]] += row["n"]
        if not row["referred"]:
            counts["unreferred"][row["cercle"]] += row["n"]

    # Referrals, by cercle and days to service (NULL until provided): the counts add up per
    # cercle, and the days give each cercle's distribution, hence the medians.
    days = DaysToService(F("referrals__provided_on"), F("referrals__sent_at"))
    histograms = defaultdict(lambda: defaultdict(int))
    for row in (
        incidents.filter(referrals__status__in=MADE)
        .annotate(days=days)
        .values("cercle", "days")
        .annotate(
            made=Count("referrals"),
            accepted=Count(
                "referrals",
                filter=Q(referrals__status__in=ACCEPTED) | Q(referrals__provided_on__isnull=False),
            ),
            provided=Count("referrals", filter=Q(referrals__provided_on__isnull=False)),
        )
    ):
        cercle = row["cercle"]
        counts["referrals"][cercle] += row["made"]
        counts["accepted"][cercle] += row["accepted"]
        counts["provided"][cercle] += row["provided"]
        if row["days"] is not None:
            histograms[cercle][row["days"]] += row["made"]
    everything = defaultdict(int)
    for cercle, histogram in histograms.items():
        result.medians[cercle] = (sum(histogram.values()), median_of_counts(histogram))
        for value, count in histogram.items():
            everything[value] += count
    if everything:
        result.total_median = (sum(everything.values()), median_of_counts(everything))
    return result


def build(user, *, start: dt.date, end: dt.date, region: Area | None = None) -> GapReport:
    """The response-gap table for the period [start, end], one row per cercle (of `region`,
    default the whole country), protected for publication at level 1. When partners' records
    are counted, coarsened as `Coarsening` says (period, areas, rounding, medians)."""
    asked = (start, end)
    scope, k, protocols = policy.aggregate_scope(user, PURPOSE)
    coarsening = Coarsening.for_protocols(protocols, k)
    start, end = coarsening.dates(start, end)
    asked_region, region = region, coarsening.area(region)
    level = coarsening.area_level(CERCLE)
    queryset = _narrow(scope, start, end, region)
    areas = list(cercles(region, level))
    pcodes = [a.pcode for a in areas]
    found = facts(queryset, pcodes)

    known = set(pcodes)
    keys = [*pcodes]
    located = {m: defaultdict(int) for m in MEASURE_KEYS}
    for measure, by_key in found.counts.items():
        for cercle, n in by_key.items():
            located[measure][cercle if cercle in known else ABOVE_CERCLE] += n
    if any(located[m].get(ABOVE_CERCLE) for m in MEASURE_KEYS):
        keys.append(ABOVE_CERCLE)

    # Each measure is a one-column table: protect it on its own.
    columns = {}
    for measure in MEASURE_KEYS:
        columns[measure] = coarsening.publish(
            keys, ["n"], {(key, "n"): located[measure].get(key, 0) for key in keys}
        )

    served = presence(areas)
    by_pcode = {a.pcode: a for a in areas}
    needed = defaultdict(set)  # cercle -> types with at least k needs
    for (cercle, kind), count in found.needs_by_type.items():
        if count >= k:
            needed[cercle].add(kind)
    rows = []
    for i, key in enumerate(keys):
        # Above cercle level, rows of several regions are merged: no median for them.
        median, hidden = (
            coarsening.median(*found.medians.get(key, (0, None))) if key else (None, False)
        )
        served_here = served[key].by_type if key else {}
        rows.append(
            GapRow(
                key=key,
                area=by_pcode.get(key),
                cells=[columns[m].cells[i][0] for m in MEASURE_KEYS],
                median_days=median,
                median_hidden=hidden,
                needed_missing=[
                    t for t in ServiceType.values if t in needed[key] and t not in served_here
                ],
                level=level,
            )
        )
    total_median, total_hidden = coarsening.median(*found.total_median)
    return GapReport(
        start=start,
        end=end,
        region=region,
        k=k,
        rows=rows,
        totals=[columns[m].column_totals[0] for m in MEASURE_KEYS],
        median_days=total_median,
        median_hidden=total_hidden,
        protocols=protocols,
        level=level,
        rounded=coarsening.partners,
        widened=(start, end) != asked,
        region_limited=region != asked_region,
        asked=asked,
    )


def default_period(user, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months of data the user may count: up to the latest incident date
    (today at the latest; today when there is none)."""
    from django.db.models import Max
    from django.utils import timezone

    today = today or timezone.localdate()
    queryset, _k, _protocols = policy.aggregate_scope(user, PURPOSE)
    latest = queryset.filter(occurred_on__lte=today).aggregate(m=Max("occurred_on"))["m"]
    end = latest or today
    try:
        start = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - 1, day=28)
    return start + dt.timedelta(days=1), end
