"""Benchmark: the response-gap analysis (`referrals.gaps`) against hand-written SQL, in one run.

Two runs, each in a child process with its own database:
  * PostgreSQL, 1,000,000 incidents (BENCH_GAPS_N): on DATABASE_URL's server when it names a
    PostgreSQL one, otherwise on a throwaway cluster started with scripts/pg.sh (own data
    directory and port, stopped at the end); skipped when PostgreSQL is not installed;
  * SQLite, 100,000 incidents (BENCH_GAPS_SQLITE_N; 0 skips it).
The data is generated in the database (INSERT … SELECT over a generated series): incidents
over three years and the 53 cercles of Mali (2% recorded at region level), 90% owned by the
analyst's organisation and 10% by another one outside any protocol; 30% of incidents have a
victim with one or two needs; 60% of those are referred once, in every status; 0.5% of the
victims refused to be counted in statistics; about a hundred services.

Times, for the whole three years and for the last twelve months:
  (a) gaps.facts(scope) — the ORM queries alone — and gaps.build() — with the policy scope,
      disclosure control and the service directory — against
  (b) the same figures by hand-written SQL: one scoped CTE (the owner's incidents of the
      period, nobody in them refusing statistics) and three GROUP BY queries; on PostgreSQL
      the medians come from percentile_cont with GROUPING SETS, on SQLite from the days
      grouped per cercle (gaps itself groups by days on both and takes medians in Python),
after checking that both give the same numbers (and that every published cell of build()
equals them). Medians of BENCH_GAPS_REPEAT (5) interleaved runs; prints the ratios.
Takes about 2.5 minutes on 2 cores, most of it on PostgreSQL.

    make bench
    BENCH_GAPS_N=200000 BENCH_GAPS_SQLITE_N=0 .venv/bin/python bench/bench_gaps.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchkit  # noqa: E402 — bench/benchkit, next to this script

PG_N = int(os.environ.get("BENCH_GAPS_N", "1000000"))
SQLITE_N = int(os.environ.get("BENCH_GAPS_SQLITE_N", "100000"))
REPEAT = int(os.environ.get("BENCH_GAPS_REPEAT", "5"))
CHILD = "BENCH_GAPS_CHILD"
PG_ENV = benchkit.pg_env("gaps", 54372)


# --------------------------------------------------------------------------- orchestration


def orchestrate() -> int:
    failures = 0
    if PG_N:
        with benchkit.postgres(PG_ENV) as url:
            if url:
                failures += benchkit.child(__file__, CHILD, str(PG_N), url) != 0
    if SQLITE_N:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            failures += benchkit.child(__file__, CHILD, str(SQLITE_N), url) != 0
    return 1 if failures else 0


# --------------------------------------------------------------------------- one run


def timed(*functions, repeat=REPEAT):
    return benchkit.timed(*functions, repeat=repeat)


def run(n: int) -> None:
    benchkit.in_fresh_database("bench_gaps", lambda seconds: measure(n, seconds))


# Expressions per database: a generated series, a new UUID, days and hours after a date.
DIALECT = {
    "postgresql": {
        "series": "WITH s(i) AS (SELECT generate_series(1::bigint, %(n)s))",
        # Ordered UUIDs from the row's number: index inserts stay cheap.
        "uuid": "lpad(to_hex({n}), 32, '0')::uuid",
        "plus_days": "({date} + ({days})::int)",
        "at": "((({date} + ({days})::int)::timestamp AT TIME ZONE 'UTC') "
        "+ ({hours}) * INTERVAL '1 hour')",
        "start": "DATE '2022-01-01'",
    },
    "sqlite": {
        "series": "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %(n)s)",
        "uuid": "printf('%%032x', {n})",
        "plus_days": "date({date}, '+' || ({days}) || ' days')",
        "at": "datetime({date}, '+' || ({days}) || ' days', '+' || ({hours}) || ' hours')",
        "start": "'2022-01-01'",
    },
}


LOADED = ("incidents_incident", "incidents_person", "referrals_need", "referrals_referral")


def _case(expression: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expression}) {whens} END"


def generate(n: int):
    """Everything in SQL but the few directory rows; returns (analyst, owner, period end)."""
    import datetime as dt
    import random
    import uuid

    from django.db import DatabaseError, connection
    from django.utils import timezone

    from passerelle.accounts.models import Membership, Organisation, User
    from passerelle.geography.loader import load_mali
    from passerelle.geography.models import Area
    from passerelle.referrals.models import Service, ServiceType
    from passerelle.vocabularies.models import Term

    d = DIALECT[connection.vendor]
    load_mali()
    owner = Organisation.objects.create(acronym="BGA", name="Bench owner", type="ingo")
    other = Organisation.objects.create(acronym="BGB", name="Bench other", type="ingo")
    provider = Organisation.objects.create(acronym="BGP", name="Bench provider", type="ingo")
    analyst = User.objects.create_user(f"bench-im-{uuid.uuid4().hex[:6]}")
    Membership.objects.create(user=analyst, organisation=owner, role="im_officer")
    sender = User.objects.create_user(f"bench-cw-{uuid.uuid4().hex[:6]}")
    category = Term.objects.categories().select_related("parent").first()

    cercles = list(Area.objects.filter(level=2).order_by("pcode"))
    regions = list(Area.objects.filter(level=1).order_by("pcode"))
    rng = random.Random(2013)
    types = [t.value for t in ServiceType]
    services = []
    for index, cercle in enumerate(cercles):
        for kind in rng.sample(types, rng.randint(0, 4)):
            if kind == ServiceType.LEGAL and index % 3:
                continue  # no legal aid in two cercles out of three
            services.append((cercle, kind))
    for region in regions:
        services.append((region, rng.choice(types)))
    rows = [
        Service(
            code=f"BG-{i:04d}",
            name=f"Service {i}",
            provider=provider,
            service_type=kind,
            status="suspended" if i % 9 == 0 else "active",
        )
        for i, (_area, kind) in enumerate(services)
    ]
    Service.objects.bulk_create(rows)
    through = Service.areas.through
    through.objects.bulk_create(
        through(service_id=s.pk, area_id=area.pk)
        for s, (area, _kind) in zip(rows, services, strict=True)
    )

    now = timezone.now()
    params = {"n": n, "now": now}
    steps = {}

    def step(name, sql):
        started = time.perf_counter()
        cur.execute(sql, params)
        steps[name] = steps.get(name, 0) + time.perf_counter() - started

    with connection.cursor() as cur:
        indexes = []
        if connection.vendor == "postgresql":
            try:  # skip the foreign-key triggers while loading (needs a superuser)
                cur.execute("SET session_replication_role = replica")
            except DatabaseError:
                pass
            # Load first, index after (all but the primary keys and unique constraints).
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [list(LOADED)],
            )
            for name, definition in cur.fetchall():
                cur.execute(f'DROP INDEX "{name}"')
                indexes.append(definition)
        cur.execute("CREATE TABLE bench_gaps_area (idx integer PRIMARY KEY, area_id bigint)")
        places = [*cercles, *regions]
        for idx, area in enumerate(places):
            cur.execute("INSERT INTO bench_gaps_area VALUES (%s, %s)", [idx, area.pk])
        # Incident i: 2% at a region, the rest spread over the cercles; dates over 3 years.
        place = (
            f"CASE WHEN s.i %% 50 = 0 THEN {len(cercles)} + (s.i / 50) %% {len(regions)} "
            f"ELSE (s.i * 2654435761) %% {len(cercles)} END"
        )
        occurred = d["plus_days"].format(date=d["start"], days="(s.i * 7919) %% 1096")
        step(
            "incidents",
            f"""{d["series"]}
            INSERT INTO incidents_incident (public_id, created_at, updated_at, reference,
              owner_id, occurred_on, date_precision, area_id, category_id, data_category,
              verification_status, classification)
            SELECT {d["uuid"].format(n="s.i")}, %(now)s, %(now)s, 'G-' || s.i,
              CASE WHEN s.i %% 10 = 0 THEN {other.pk} ELSE {owner.pk} END,
              {occurred}, 'day', b.area_id, {category.pk}, '{category.parent.code}',
              'reported', 2
            FROM s JOIN bench_gaps_area b ON b.idx = {place}""",  # noqa: S608
        )
        x = "i.id"
        step(
            "victims",
            f"""INSERT INTO incidents_person (public_id, created_at, updated_at, incident_id,
              code, role, sex, disability, full_name_index, phone_index)
            SELECT {d["uuid"].format(n="i.id")}, %(now)s, %(now)s, i.id, 'V-001', 'victim',
              CASE WHEN i.id %% 3 = 0 THEN 'm' ELSE 'f' END, 'unknown', '', ''
            FROM incidents_incident i WHERE ({x} * 31) %% 100 < 30""",  # noqa: S608
        )
        outcomes = ["service_not_applicable", "service_unavailable", "service_unavailable"]
        outcomes += ["pending", "service_provided_by_your_agency"] + ["referred"] * 15
        joined = "FROM incidents_person p JOIN incidents_incident i ON i.id = p.incident_id"
        uuid_p = d["uuid"].format(n="p.id")
        step(
            "needs",
            f"""INSERT INTO referrals_need (public_id, created_at, updated_at, incident_id,
              person_id, service_type, identified_on, outcome)
            SELECT {uuid_p}, %(now)s, %(now)s, i.id, p.id, {_case(f"{x} %% 8", types[:8])},
              i.occurred_on, {_case(f"({x} * 17) %% 20", outcomes)} {joined}""",  # noqa: S608
        )
        step(
            "needs",
            f"""INSERT INTO referrals_need (public_id, created_at, updated_at, incident_id,
              person_id, service_type, identified_on, outcome)
            SELECT {d["uuid"].format(n="p.id + 1000000000")}, %(now)s, %(now)s, i.id, p.id,
              {_case(f"({x} + 3) %% 8", types[:8])}, i.occurred_on,
              CASE WHEN ({x} * 19) %% 4 = 0 THEN 'service_unavailable' ELSE 'pending' END
            {joined} WHERE {x} %% 3 = 0""",  # noqa: S608
        )
        statuses = ["draft", "sent", "acknowledged", "declined", "declined", "withdrawn"]
        statuses += ["accepted"] * 2 + ["provided"] * 8 + ["closed"] * 4
        status = f"({x} * 23) %% 20"
        sent_days = f"({x} * 11) %% 10 + 1"
        sent = d["at"].format(date="i.occurred_on", days=sent_days, hours=f"({x} * 5) %% 24")
        provided = d["plus_days"].format(
            date="i.occurred_on", days=f"{sent_days} + ({x} * 7) %% 30"
        )
        service = rows[0]
        step(
            "referrals",
            f"""INSERT INTO referrals_referral (public_id, created_at, updated_at, reference,
              incident_id, person_id, service_id, sender_id, provider_id, level, urgency,
              status, created_by_id, sent_at, provided_on, decline_reason, provider_note)
            SELECT {uuid_p}, %(now)s, %(now)s, 'R-' || p.id, i.id, p.id, {service.pk},
              i.owner_id, {provider.pk}, 3, 'routine', {_case(status, statuses)}, {sender.pk},
              CASE WHEN {status} = 0 THEN NULL ELSE {sent} END,
              CASE WHEN {status} BETWEEN 8 AND 15 OR ({status} >= 16 AND {x} %% 2 = 0)
                THEN {provided} END,
              '', ''
            {joined} WHERE ({x} * 13) %% 10 < 6""",  # noqa: S608
        )
        step(
            "consents",
            f"""INSERT INTO incidents_consent (public_id, created_at, updated_at, person_id,
              scope, given, given_at, note)
            SELECT {uuid_p}, %(now)s, %(now)s, p.id, 'aggregate_reporting', FALSE,
              %(now)s, '' {joined} WHERE ({x} * 41) %% 200 = 0""",  # noqa: S608
        )
        cur.execute("DROP TABLE bench_gaps_area")
        for definition in indexes:
            step("indexes", definition)
        if connection.vendor == "postgresql":
            cur.execute("RESET session_replication_role")
            step("analyze", "ANALYZE")
        counts = {}
        for table in ("incidents_person", "referrals_need", "referrals_referral"):
            cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            counts[table] = cur.fetchone()[0]
    counts["steps"] = steps
    last = dt.date(2022, 1, 1) + dt.timedelta(days=1095)
    return analyst, owner, last, counts, len(rows)


# The scope (the owner's incidents of the period, nobody in them refusing statistics) and the
# figures, as one would write them by hand. {median} and {grouping} differ per database.
SCOPED = """
WITH scoped AS (
  SELECT i.id, substr(a.pcode, 1, 6) AS cercle
  FROM incidents_incident i JOIN geography_area a ON a.id = i.area_id
  WHERE i.owner_id = %(owner)s AND i.occurred_on >= %(start)s AND i.occurred_on <= %(end)s
    AND NOT EXISTS (
      SELECT 1 FROM incidents_consent c JOIN incidents_person p ON p.id = c.person_id
      WHERE p.incident_id = i.id AND c.scope = 'aggregate_reporting' AND NOT c.given
        AND c.withdrawn_at IS NULL))
"""
NEEDS_SQL = (
    SCOPED
    + """
SELECT s.cercle, n.service_type, COUNT(*),
  SUM(CASE WHEN n.outcome = 'service_unavailable' THEN 1 ELSE 0 END)
FROM scoped s JOIN referrals_need n ON n.incident_id = s.id
WHERE n.outcome <> 'service_not_applicable'
GROUP BY s.cercle, n.service_type
"""
)
INCIDENTS_SQL = (
    SCOPED  # noqa: S608 — constant SQL
    + """
SELECT s.cercle, EXISTS (SELECT 1 FROM referrals_referral r
  WHERE r.incident_id = s.id AND r.status <> 'draft') AS referred, COUNT(*)
FROM scoped s
WHERE EXISTS (SELECT 1 FROM referrals_need n WHERE n.incident_id = s.id
  AND n.outcome <> 'service_not_applicable')
GROUP BY 1, 2
"""
)
REFERRALS_PG = (
    SCOPED
    + """
SELECT s.cercle, COUNT(*),
  COUNT(*) FILTER (WHERE r.status IN ('accepted', 'provided') OR r.provided_on IS NOT NULL),
  COUNT(r.provided_on),
  COUNT(*) FILTER (WHERE r.provided_on IS NOT NULL AND r.sent_at IS NOT NULL),
  percentile_cont(0.5) WITHIN GROUP (
    ORDER BY r.provided_on - (r.sent_at AT TIME ZONE 'UTC')::date)
    FILTER (WHERE r.provided_on IS NOT NULL AND r.sent_at IS NOT NULL)
FROM scoped s JOIN referrals_referral r ON r.incident_id = s.id
WHERE r.status <> 'draft'
GROUP BY GROUPING SETS ((s.cercle), ())
"""
)
REFERRALS_SQLITE = (
    SCOPED
    + """
SELECT s.cercle, CAST(julianday(r.provided_on) - julianday(date(r.sent_at)) AS INTEGER),
  COUNT(*),
  SUM(CASE WHEN r.status IN ('accepted', 'provided') OR r.provided_on IS NOT NULL
    THEN 1 ELSE 0 END),
  COUNT(r.provided_on)
FROM scoped s JOIN referrals_referral r ON r.incident_id = s.id
WHERE r.status <> 'draft'
GROUP BY 1, 2
"""
)


def raw_facts(params):
    """The figures of gaps.facts, by hand-written SQL."""
    from collections import defaultdict

    from django.db import connection

    from passerelle.referrals import gaps

    found = gaps.Facts()
    counts = found.counts
    with connection.cursor() as cur:
        cur.execute(NEEDS_SQL, params)
        for cercle, kind, n, unavailable in cur.fetchall():
            found.needs_by_type[(cercle, kind)] += n
            counts["needs"][cercle] += n
            counts["unavailable"][cercle] += unavailable
        cur.execute(INCIDENTS_SQL, params)
        for cercle, referred, n in cur.fetchall():
            counts["incidents"][cercle] += n
            if not referred:
                counts["unreferred"][cercle] += n
        if connection.vendor == "postgresql":
            cur.execute(REFERRALS_PG, params)
            for cercle, made, accepted, provided, timed_n, median in cur.fetchall():
                if cercle is None:  # the grand total of GROUPING SETS
                    found.total_median = (timed_n, median)
                    continue
                counts["referrals"][cercle] += made
                counts["accepted"][cercle] += accepted
                counts["provided"][cercle] += provided
                if timed_n:
                    found.medians[cercle] = (timed_n, median)
        else:
            cur.execute(REFERRALS_SQLITE, params)
            days = defaultdict(list)
            for cercle, value, made, accepted, provided in cur.fetchall():
                counts["referrals"][cercle] += made
                counts["accepted"][cercle] += accepted
                counts["provided"][cercle] += provided
                if value is not None:
                    days[cercle] += [value] * made
            for cercle, values in days.items():
                found.medians[cercle] = (len(values), float(statistics.median(values)))
            everything = [v for values in days.values() for v in values]
            if everything:
                found.total_median = (len(everything), float(statistics.median(everything)))
    return found


def _plain(found) -> dict:
    def close(pair):
        n, value = pair
        return (n, None if value is None else round(float(value), 6))

    return {
        "counts": {m: {k: v for k, v in c.items() if v} for m, c in found.counts.items()},
        "needs_by_type": {k: v for k, v in found.needs_by_type.items() if v},
        "medians": {k: close(v) for k, v in found.medians.items()},
        "total_median": close(found.total_median),
    }


def check(report, raw) -> None:
    """Every published cell of the report equals the hand-written figures."""
    from passerelle.referrals import gaps

    for row in report.rows:
        if not row.key:
            continue
        for measure, cell in zip(gaps.MEASURE_KEYS, row.cells, strict=True):
            expected = raw.counts[measure].get(row.key, 0)
            assert cell.suppressed or cell.value == expected, (row.key, measure)
    for measure, cell in zip(gaps.MEASURE_KEYS, report.totals, strict=True):
        expected = sum(raw.counts[measure].values())
        assert cell.suppressed or cell.value == expected, ("total", measure)
    if report.median_days is not None:
        assert report.median_days == round(float(raw.total_median[1]), 1)


def measure(n: int, t_migrate: float) -> None:
    import datetime as dt

    from django.db import connection

    from passerelle.referrals import gaps

    started = time.perf_counter()
    analyst, owner, last, counts, n_services = generate(n)
    t_build = time.perf_counter() - started
    cercles = list(gaps.cercles().values_list("pcode", flat=True))
    print(f"--- bench_gaps: {n:,} incidents on {connection.vendor} ---")
    print(
        f"database migrated in {t_migrate:.1f} s, data built in {t_build:.1f} s: "
        f"{counts['incidents_person']:,} victims, "
        f"{counts['referrals_need']:,} needs, {counts['referrals_referral']:,} referrals, "
        f"{n_services} services ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in counts["steps"].items())
        + ")"
    )
    periods = {
        "3 years": (dt.date(2022, 1, 1), last),
        "12 months": (last - dt.timedelta(days=364), last),
    }
    for name, (start, end) in periods.items():
        params = {"owner": owner.pk, "start": start, "end": end}

        def ours_facts(start=start, end=end):
            return gaps.facts(gaps.scoped_incidents(analyst, start, end, None)[0], cercles)

        def ours_build(start=start, end=end):
            return gaps.build(analyst, start=start, end=end)

        def hand(params=params):
            return raw_facts(params)

        raw = hand()
        assert _plain(ours_facts()) == _plain(raw), "gaps.facts and the SQL disagree"
        report = ours_build()
        check(report, raw)
        counted = sum(raw.counts["incidents"].values())
        t_facts, t_build_, t_raw = timed(ours_facts, ours_build, hand)
        print(
            f"{name} ({counted:,} incidents with needs counted, {report.suppressed} cells "
            f"suppressed): hand-written SQL {t_raw * 1000:.0f} ms; gaps.facts "
            f"{t_facts * 1000:.0f} ms (ratio {t_facts / t_raw:.2f}); gaps.build "
            f"{t_build_ * 1000:.0f} ms (ratio {t_build_ / t_raw:.2f}, with scope, "
            f"suppression and the service directory); median of {REPEAT}"
        )


if __name__ == "__main__":
    if os.environ.get(CHILD):
        run(int(os.environ[CHILD]))
    else:
        sys.exit(orchestrate())
