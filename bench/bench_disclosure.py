"""Benchmark: what a partner sees (shared records through the policy) and aggregate tables,
each against the hand-written SQL it wraps, measured in the same run.

Builds a throwaway SQLite database (or uses DATABASE_URL's server) with N incidents of two
owners, one person each (half of them consenting to case-level sharing), and ~30% of the
incidents disclosed to a mission component under an active protocol, at level 2 or 3. Times
  (a) policy.scope(hrd_monitor, Incident.objects.all(), "incident.view") → count + page of 25
      vs SQL joining the disclosures with the same live conditions and the consent rule;
  (b) aggregates.build(viewer, rows=area, columns=period) vs one SQL GROUP BY (the ratio
      includes suppression and coarsening);
  (c) disclosure_control.protect on a 60 × 36 table (cercles × months).

    make bench                      # N=20000 on SQLite
    BENCH_N=100000 make bench
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


def timed(fn, repeat=9):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def org(acronym):
    return Organisation.objects.get_or_create(
        acronym=acronym, defaults={"name": f"Organisation {acronym}", "type": "ingo"}
    )[0]


def build():
    call_command("migrate", verbosity=0)
    load_mali()
    rng = random.Random(2013)
    owners = [org("BXA"), org("BXB")]
    hrd = org("BXHRD")
    tag = uuid.uuid4().hex[:6]
    hrd_user = User.objects.create_user(f"bench-hrd-{tag}")
    Membership.objects.create(user=hrd_user, organisation=hrd, role="monitor")
    viewer = User.objects.create_user(f"bench-a-{tag}")
    Membership.objects.create(user=viewer, organisation=owners[0], role="viewer")
    sharer = User.objects.create_user(f"bench-share-{tag}")
    today = timezone.localdate()
    protocol = Protocol.objects.create(
        reference=f"BENCH-{tag}",
        title="bench",
        status=Protocol.Status.ACTIVE,
        valid_from=today - dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=365),
        retention_days=365,
    )
    for owner in owners:
        ProtocolParty.objects.create(protocol=protocol, organisation=owner, role="cluster_member")
    ProtocolParty.objects.create(protocol=protocol, organisation=hrd, role="mission_human_rights")
    for category in ("mrm", "crsv", "gbv", "hr", "pm"):
        ProtocolRule.objects.create(
            protocol=protocol,
            party_role="mission_human_rights",
            data_category=category,
            max_level=4,
            purposes=["verification"],
        )
    protocol.areas.set(Area.objects.filter(level=0))

    areas = list(Area.objects.filter(level=2))
    cats = list(Term.objects.categories())
    ages = list(Term.objects.filter(vocabulary="age_group"))
    incidents = []
    for _ in range(N):
        pid = uuid.uuid4()
        cat = rng.choice(cats)
        incidents.append(
            Incident(
                public_id=pid,
                reference=f"B-{pid.hex[:10]}",
                owner=rng.choice(owners),
                occurred_on=dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(1096)),
                area=rng.choice(areas),
                category=cat,
                data_category=cat.parent.code,
                classification=rng.choice([2, 2, 3]),
            )
        )
    with unscoped():
        Incident.objects.bulk_create(incidents, batch_size=2000)
        incidents = list(Incident.objects.filter(owner__in=owners).only("pk", "classification"))
        persons = [
            Person(incident_id=i.pk, code="V-001", role="victim", public_id=uuid.uuid4())
            for i in incidents
        ]
        Person.objects.bulk_create(persons, batch_size=2000)
        persons = list(Person.objects.filter(incident__in=incidents).only("pk"))
    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(person_id=p.pk, scope="case_sharing", given=True, given_at=now)
            for p in persons
            if rng.random() < 0.5
        ],
        batch_size=2000,
    )
    VictimCount.objects.bulk_create(
        [
            VictimCount(
                incident_id=i.pk,
                sex=rng.choice("fm"),
                age_group=rng.choice(ages),
                count=rng.randint(1, 4),
            )
            for i in incidents
        ],
        batch_size=2000,
    )
    Disclosure.objects.bulk_create(
        [
            Disclosure(
                protocol=protocol,
                incident_id=i.pk,
                owner_id=owners[0].pk,
                recipient=hrd,
                recipient_role="mission_human_rights",
                purpose="verification",
                level=max(i.classification, rng.choice([2, 3])),
                disclosed_by=sharer,
                expires_at=now + dt.timedelta(days=300),
            )
            for i in incidents
            if rng.random() < 0.3
        ],
        batch_size=2000,
    )
    with connection.cursor() as cur:  # fresh statistics, as autovacuum would gather
        cur.execute("ANALYZE")
    return hrd_user, hrd, viewer, owners


SHARED_SQL = """
SELECT {select} FROM incidents_incident i
WHERE i.owner_id <> %(hrd)s AND EXISTS (
  SELECT 1 FROM sharing_disclosure d JOIN sharing_protocol p ON p.id = d.protocol_id
  WHERE d.incident_id = i.id AND d.recipient_id = %(hrd)s AND d.revoked_at IS NULL
    AND d.expires_at > %(now)s AND p.status = 'active' AND p.valid_from <= %(today)s
    AND p.valid_until >= %(today)s AND d.level >= i.classification
    AND d.purpose NOT IN ('intelligence', 'targeting', 'screening'))
AND (i.classification <= 2 OR (
  EXISTS (SELECT 1 FROM incidents_person x WHERE x.incident_id = i.id)
  AND NOT EXISTS (SELECT 1 FROM incidents_person x WHERE x.incident_id = i.id
    AND NOT EXISTS (SELECT 1 FROM incidents_consent c WHERE c.person_id = x.id
      AND c.scope IN ('case_sharing', 'identifiable_sharing') AND c.given
      AND c.withdrawn_at IS NULL))))
{tail}
"""

AGGREGATE_SQL = """
SELECT a.parent_id, strftime('%%Y', i.occurred_on), SUM(v.count)
FROM incidents_victimcount v JOIN incidents_incident i ON i.id = v.incident_id
JOIN geography_area a ON a.id = i.area_id
WHERE i.owner_id = %(owner)s
GROUP BY 1, 2
"""

AGGREGATE_SQL_PG = AGGREGATE_SQL.replace(
    "strftime('%%Y', i.occurred_on)", "date_trunc('year', i.occurred_on)"
)


def main():
    hrd_user, hrd, viewer, owners = build()
    page = 25
    params = {"hrd": hrd.pk, "now": timezone.now(), "today": timezone.localdate()}

    def ours():
        qs = policy.scope(hrd_user, Incident.objects.all(), "incident.view")
        count = qs.count()
        ids = [i.pk for i in qs.order_by("-occurred_on", "-id")[:page]]
        return count, ids

    def raw():
        with connection.cursor() as cur:
            cur.execute(SHARED_SQL.format(select="COUNT(*)", tail=""), params)
            count = cur.fetchone()[0]
            cur.execute(
                SHARED_SQL.format(select="i.*", tail="ORDER BY i.occurred_on DESC, i.id DESC")
                + f" LIMIT {page}",
                params,
            )
            ids = [row[0] for row in cur.fetchall()]
        return count, ids

    assert ours() == raw(), "the policy and the hand-written SQL disagree"
    t_ours, t_raw = timed(ours), timed(raw)

    def ours_aggregate():
        aggregates.build(viewer, purpose="analysis", rows="area", columns="period", period="year")

    sql = AGGREGATE_SQL_PG if connection.vendor == "postgresql" else AGGREGATE_SQL

    def raw_aggregate():
        with connection.cursor() as cur:
            cur.execute(sql, {"owner": owners[0].pk})
            cur.fetchall()

    t_agg, t_agg_raw = timed(ours_aggregate, 5), timed(raw_aggregate, 5)

    rng = random.Random(7)
    rows, columns = list(range(60)), list(range(36))
    counts = {(r, c): rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 21]) for r in rows for c in columns}
    t_protect = timed(lambda: protect(rows, columns, counts, k=5), 5)

    count = ours()[0]
    print(f"incidents: {N} on {connection.vendor}; shared with the partner and visible: {count}")
    print(
        f"shared records (count + page of {page}): policy {t_ours * 1000:.1f} ms, "
        f"hand-written SQL {t_raw * 1000:.1f} ms, ratio {t_ours / t_raw:.2f}"
    )
    print(
        f"aggregate table (region × year, suppression included): {t_agg * 1000:.1f} ms, "
        f"GROUP BY alone {t_agg_raw * 1000:.1f} ms, ratio {t_agg / t_agg_raw:.2f}"
    )
    print(f"protect() on a 60 × 36 table: {t_protect * 1000:.1f} ms")


if __name__ == "__main__":
    main()
