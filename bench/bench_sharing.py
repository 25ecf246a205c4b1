"""Benchmark: records shared with a partner, aggregate tables and disclosure control, each
against the hand-written work it wraps, measured in the same run.

Builds a throwaway SQLite database (or, with DATABASE_URL, a fresh database with a unique
name on that server, dropped at the end) with N incidents of two owners (classification 2
or 3), one person each (half of them consenting to case-level sharing), one or two victim
counts each, and ~30% of the incidents disclosed at level 2 or 3 to a mission human-rights
component under an active protocol (plus a few revoked or expired disclosures). Times
  (a) policy.scope(hrd_monitor, Incident.objects.all(), "incident.view") → count + first
      page of 25 in the model ordering, vs hand-written SQL returning the same rows (EXISTS
      on a live disclosure at the record's level, and the consent rule for level-3 rows);
  (b) aggregates.build(viewer_of_A, purpose="analysis", rows="area", columns="period") vs
      one SQL GROUP BY at the granularity the table ended at (the ratio includes the
      suppression and any coarsening);
  (c) disclosure_control.protect alone on a 60 × 36 table of random counts (cercles × months).
Both comparisons check first that the two sides agree.

    make bench                      # N=20000 on SQLite
    BENCH_N=2000 .venv/bin/python bench/bench_sharing.py
    DATABASE_URL=$(bash scripts/pg.sh url) .venv/bin/python bench/bench_sharing.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
N = int(os.environ.get("BENCH_N", "20000"))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PASSERELLE_ENV", "test")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
import itertools  # noqa: E402
import random  # noqa: E402
import uuid  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from passerelle import policy  # noqa: E402
from passerelle.accounts.models import Membership, Organisation, User  # noqa: E402
from passerelle.core.guard import unscoped  # noqa: E402
from passerelle.geography.loader import load_mali  # noqa: E402
from passerelle.geography.models import Area  # noqa: E402
from passerelle.incidents.models import Consent, Incident, Person, VictimCount  # noqa: E402
from passerelle.sharing import aggregates  # noqa: E402
from passerelle.sharing.disclosure_control import protect  # noqa: E402
from passerelle.sharing.models import (  # noqa: E402
    Disclosure,
    Protocol,
    ProtocolParty,
    ProtocolRule,
)
from passerelle.vocabularies.models import Term  # noqa: E402

PAGE = 25
BATCH = 2000


def timed(fn, repeat=9):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def open_database():
    """SQLite: migrate the throwaway file. A server: create a database of our own (never the
    one named in DATABASE_URL, which tests may be using) and return the name to go back to."""
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return None
    connection.settings_dict["TEST"]["NAME"] = f"bench_sharing_{uuid.uuid4().hex[:10]}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def close_database(original_name):
    if original_name is not None:
        connection.creation.destroy_test_db(original_name, verbosity=0)


def org(acronym):
    return Organisation.objects.get_or_create(
        acronym=acronym, defaults={"name": f"Organisation {acronym}", "type": "ingo"}
    )[0]


def member(organisation, role):
    user = User.objects.create_user(f"bench-{role}-{uuid.uuid4().hex[:6]}")
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def build():
    load_mali()
    rng = random.Random(2013)
    owner_a, owner_b, hrd = org("BSA"), org("BSB"), org("BSHRD")
    hrd_user = member(hrd, "monitor")  # level 4
    viewer = member(owner_a, "viewer")
    sharer = member(owner_a, "case_worker")
    today = timezone.localdate()
    protocol = Protocol.objects.create(
        reference=f"BENCH-{uuid.uuid4().hex[:6]}",
        title="bench",
        status=Protocol.Status.ACTIVE,
        valid_from=today - dt.timedelta(days=30),
        valid_until=today + dt.timedelta(days=365),
        retention_days=365,
    )
    for party in (owner_a, owner_b):
        ProtocolParty.objects.create(protocol=protocol, organisation=party, role="cluster_member")
    ProtocolParty.objects.create(protocol=protocol, organisation=hrd, role="mission_human_rights")
    ProtocolRule.objects.bulk_create(
        ProtocolRule(
            protocol=protocol,
            party_role="mission_human_rights",
            data_category=category,
            max_level=4,
            purposes=["verification"],
        )
        for category in ("mrm", "crsv", "gbv", "hr", "pm")
    )
    protocol.areas.set(Area.objects.filter(level=0))

    areas = list(Area.objects.filter(level=2))
    cats = list(Term.objects.categories())
    ages = list(Term.objects.of("age_group"))
    cells = list(itertools.product("fm", ages))
    rows = []
    for _ in range(N):
        pid = uuid.uuid4()
        rows.append(
            Incident(
                public_id=pid,
                reference=f"S-{pid.hex[:10]}",
                owner=rng.choice([owner_a, owner_b]),
                occurred_on=dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(1096)),
                area=rng.choice(areas),
                category=(cat := rng.choice(cats)),
                data_category=cat.parent.code,
                classification=rng.choice([2, 2, 3]),
            )
        )
    now = timezone.now()
    with unscoped():
        Incident.objects.bulk_create(rows, batch_size=BATCH)
        incidents = list(
            Incident.objects.filter(owner__in=[owner_a, owner_b])
            .order_by("pk")
            .values_list("pk", "owner_id")
        )
        # Identity fields stay empty (NULL): nothing to encrypt.
        Person.objects.bulk_create(
            (
                Person(public_id=uuid.uuid4(), incident_id=pk, code="V-001", role="victim")
                for pk, _owner in incidents
            ),
            batch_size=BATCH,
        )
        persons = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    Consent.objects.bulk_create(
        (
            Consent(person_id=pk, scope="case_sharing", given=True, given_at=now)
            for pk in persons
            if rng.random() < 0.5
        ),
        batch_size=BATCH,
    )
    VictimCount.objects.bulk_create(
        (
            VictimCount(incident_id=pk, sex=sex, age_group=age, count=rng.randint(1, 4))
            for pk, _owner in incidents
            for sex, age in rng.sample(cells, rng.choice([1, 2]))
        ),
        batch_size=BATCH,
    )
    disclosures = []
    for pk, owner_id in incidents:
        draw = rng.random()
        if draw >= 0.33:
            continue
        dead = draw >= 0.30  # ~3% more: revoked or expired, which must not count
        disclosures.append(
            Disclosure(
                protocol=protocol,
                incident_id=pk,
                owner_id=owner_id,
                recipient=hrd,
                recipient_role="mission_human_rights",
                purpose="verification",
                level=rng.choice([2, 3]),
                disclosed_by=sharer,
                expires_at=now + dt.timedelta(days=-1 if dead and draw < 0.315 else 300),
                revoked_at=now if dead and draw >= 0.315 else None,
            )
        )
    Disclosure.objects.bulk_create(disclosures, batch_size=BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # the statistics autovacuum would gather
            cur.execute("ANALYZE")
    return hrd_user, hrd, viewer, owner_a


def tables():
    return {
        "incident": Incident._meta.db_table,
        "person": Person._meta.db_table,
        "consent": Consent._meta.db_table,
        "disclosure": Disclosure._meta.db_table,
        "protocol": Protocol._meta.db_table,
        "victims": VictimCount._meta.db_table,
        "area": Area._meta.db_table,
    }


# HRD owns no incident and none is at level 4, so the rows are exactly these: disclosed to
# HRD by a live disclosure at the record's level at least, for an allowed purpose; level 3
# also needs someone in the record, and everyone in it consenting to case-level sharing.
SHARED_SQL = """
SELECT {select} FROM {incident} i
WHERE i.owner_id <> %(hrd)s AND i.classification <= 3 AND EXISTS (
  SELECT 1 FROM {disclosure} d JOIN {protocol} p ON p.id = d.protocol_id
  WHERE d.incident_id = i.id AND d.recipient_id = %(hrd)s AND d.level >= i.classification
    AND d.revoked_at IS NULL AND d.expires_at > %(now)s
    AND p.status = 'active' AND p.valid_from <= %(today)s AND p.valid_until >= %(today)s
    AND d.purpose NOT IN ('intelligence', 'targeting', 'screening'))
AND (i.classification = 2 OR (
  EXISTS (SELECT 1 FROM {person} x WHERE x.incident_id = i.id)
  AND NOT EXISTS (SELECT 1 FROM {person} x WHERE x.incident_id = i.id
    AND NOT EXISTS (SELECT 1 FROM {consent} c WHERE c.person_id = x.id
      AND c.scope IN ('case_sharing', 'identifiable_sharing') AND c.given
      AND c.withdrawn_at IS NULL))))
{tail}
"""

# Period keys as aggregates._period_key writes them, per database.
PERIOD_SQL = {
    "sqlite": {
        "month": "strftime('%%Y-%%m', i.occurred_on)",
        "quarter": "strftime('%%Y', i.occurred_on) || '-Q' || "
        "((CAST(strftime('%%m', i.occurred_on) AS INTEGER) + 2) / 3)",
        "year": "strftime('%%Y', i.occurred_on)",
    },
    "postgresql": {
        "month": "to_char(i.occurred_on, 'YYYY-MM')",
        "quarter": "to_char(i.occurred_on, 'YYYY-\"Q\"Q')",
        "year": "to_char(i.occurred_on, 'YYYY')",
    },
}

# Victims of A's incidents (nobody refused statistics), by area at `level` and period.
AGGREGATE_SQL = """
SELECT a{level}.pcode, {period}, SUM(v.count)
FROM {victims} v JOIN {incident} i ON i.id = v.incident_id
JOIN {area} a2 ON a2.id = i.area_id{joins}
WHERE i.owner_id = %(owner)s AND NOT EXISTS (
  SELECT 1 FROM {consent} c JOIN {person} x ON x.id = c.person_id
  WHERE x.incident_id = i.id AND c.scope = 'aggregate_reporting' AND NOT c.given
    AND c.withdrawn_at IS NULL)
GROUP BY 1, 2
"""


def aggregate_sql(period: str, area_level: int) -> str:
    # Incidents sit in cercles (level 2); climb to the level the table ended at.
    joins = "".join(
        f"\nJOIN {{area}} a{lvl} ON a{lvl}.id = a{lvl + 1}.parent_id"
        for lvl in range(1, area_level - 1, -1)
    )
    sql = AGGREGATE_SQL.replace("{joins}", joins).replace("{level}", str(area_level))
    return sql.format(period=PERIOD_SQL[connection.vendor][period], **tables())


def check_aggregate(result, raw_rows):
    """Every published cell and margin of the protected table equals the GROUP BY."""
    raw = {(area, period): n for area, period, n in raw_rows}
    table = result.table
    assert set(table.rows) == {a for a, _p in raw}, "rows differ"
    assert set(table.columns) == {p for _a, p in raw}, "columns differ"
    for i, row in enumerate(table.rows):
        for j, column in enumerate(table.columns):
            cell = table.cells[i][j]
            assert cell.suppressed or cell.value == raw.get((row, column), 0), (row, column)
    if not table.total.suppressed:
        assert table.total.value == sum(raw.values()), "grand total differs"


def main():
    original_name = open_database()
    try:
        run()
    finally:
        close_database(original_name)


def run():
    started = time.perf_counter()
    hrd_user, hrd, viewer, owner_a = build()
    t_build = time.perf_counter() - started
    names = tables()

    # (a) records shared with the partner
    params = {"hrd": hrd.pk, "now": timezone.now(), "today": timezone.localdate()}
    count_sql = SHARED_SQL.format(select="COUNT(*)", tail="", **names)
    page_sql = SHARED_SQL.format(
        select="i.id", tail=f"ORDER BY i.occurred_on DESC, i.id DESC LIMIT {PAGE}", **names
    )

    def ours():
        qs = policy.scope(hrd_user, Incident.objects.all(), "incident.view")
        return qs.count(), [incident.pk for incident in qs[:PAGE]]  # model ordering

    def raw():
        with connection.cursor() as cur:
            cur.execute(count_sql, params)
            count = cur.fetchone()[0]
            cur.execute(page_sql, params)
            return count, [row[0] for row in cur.fetchall()]

    shared, first_page = ours()
    assert (shared, first_page) == raw(), "the policy and the hand-written SQL disagree"
    with connection.cursor() as cur:  # not only the same count: the very same rows
        cur.execute(SHARED_SQL.format(select="i.id", tail="", **names), params)
        expected = {row[0] for row in cur.fetchall()}
    scoped = policy.scope(hrd_user, Incident.objects.all(), "incident.view")
    assert set(scoped.values_list("pk", flat=True)) == expected, "different rows"
    t_ours, t_raw = timed(ours), timed(raw)

    # (b) aggregate table
    def ours_aggregate():
        return aggregates.build(viewer, purpose="analysis", rows="area", columns="period")

    result = ours_aggregate()
    sql = aggregate_sql(result.period, result.area_level)

    def raw_aggregate():
        with connection.cursor() as cur:
            cur.execute(sql, {"owner": owner_a.pk})
            return cur.fetchall()

    check_aggregate(result, raw_aggregate())
    t_agg, t_agg_raw = timed(ours_aggregate, 5), timed(raw_aggregate, 5)

    # (c) disclosure control alone, on two tables of random counts (cercles × months):
    # mostly publishable with 5% small cells (each needs complements: the costly case), and
    # a third small (so many suppressed that few complements are needed).
    rng = random.Random(7)
    cercles, months = list(range(60)), list(range(36))

    def few_small():
        draw = rng.random()
        return 0 if draw < 0.2 else rng.randint(1, 4) if draw < 0.25 else rng.randint(5, 60)

    grids = {
        "5% small": {(r, c): few_small() for r in cercles for c in months},
        "1/3 small": {
            (r, c): rng.choice([0, 0, 0, 1, 2, 3, 4, 5, 8, 13, 21, 40])
            for r in cercles
            for c in months
        },
    }
    protected = {}
    for name, counts in grids.items():
        done = protect(cercles, months, counts, k=5)
        seconds = timed(lambda counts=counts: protect(cercles, months, counts, k=5), 5)
        protected[name] = (done.primary_count, done.complementary_count, seconds)

    table = result.table
    print(f"--- bench_sharing: N={N} incidents on {connection.vendor} ---")
    print(f"data built in {t_build:.1f} s; visible to the partner's monitor: {shared}")
    print(
        f"shared records (count + page of {PAGE}): policy {t_ours * 1000:.1f} ms, "
        f"hand-written SQL {t_raw * 1000:.1f} ms, ratio {t_ours / t_raw:.2f}"
    )
    print(
        f"aggregate table ({len(table.rows)} areas at level {result.area_level} × "
        f"{len(table.columns)} periods by {result.period}, coarsened {result.coarsened or 'no'}, "
        f"{table.primary_count} + {table.complementary_count} cells suppressed): "
        f"build {t_agg * 1000:.1f} ms, GROUP BY alone {t_agg_raw * 1000:.1f} ms, "
        f"ratio {t_agg / t_agg_raw:.2f} (includes suppression and coarsening)"
    )
    for name, (primary, complementary, seconds) in protected.items():
        print(
            f"protect() on a 60 × 36 table, {name} ({primary} primary + {complementary} "
            f"complementary cells suppressed): {seconds * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
