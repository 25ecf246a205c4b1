"""Benchmark: the policy-scoped incident list vs the raw SQL it wraps, in one run.

Builds a throwaway SQLite database (or uses DATABASE_URL's server, in a fresh schema-less
test database name) with N incidents spread over several organisations, then times
  (a) policy.scope(user, Incident.objects.all(), "incident.view") → count + first page of 25
  (b) the equivalent hand-written SQL (same filters, same ordering, same page)
and prints the ratio (a)/(b). Also times policy.redact of a page of 25 (decrypting
nothing: level 2) against reading the same 25 rows.

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

from passerelle import policy  # noqa: E402
from passerelle.accounts.models import Membership, Organisation, User  # noqa: E402
from passerelle.core.guard import unscoped  # noqa: E402
from passerelle.geography.loader import load_mali  # noqa: E402
from passerelle.geography.models import Area  # noqa: E402
from passerelle.incidents.models import Incident  # noqa: E402
from passerelle.vocabularies.models import Term  # noqa: E402


def timed(fn, repeat=15):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def build():
    call_command("migrate", verbosity=0)
    load_mali()
    rng = random.Random(2013)
    orgs = [
        Organisation.objects.get_or_create(
            acronym=f"ORG{i}", defaults={"name": f"Organisation {i}", "type": "ingo"}
        )[0]
        for i in range(6)
    ]
    user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}")
    Membership.objects.create(user=user, organisation=orgs[0], role="viewer")
    areas = list(Area.objects.filter(level=2))
    cats = list(Term.objects.categories())
    rows = []
    for _ in range(N):
        pid = uuid.uuid4()
        rows.append(
            Incident(
                public_id=pid,
                reference=f"B-{pid.hex[:10]}",
                owner=rng.choice(orgs),
                occurred_on=dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(1096)),
                area=rng.choice(areas),
                category=(cat := rng.choice(cats)),
                data_category=cat.parent.code,
                classification=rng.choice([2, 2, 2, 3, 4]),
            )
        )
    with unscoped():
        Incident.objects.bulk_create(rows, batch_size=2000)
    return user, orgs[0]


def main():
    user, org = build()
    page = 25

    def ours():
        qs = policy.scope(user, Incident.objects.all(), "incident.view")
        qs.count()
        list(qs.order_by("-occurred_on", "-id")[:page])

    table = Incident._meta.db_table

    def raw():
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT COUNT(*) FROM {table} WHERE owner_id = %s AND classification <= 2",  # noqa: S608
                [org.pk],
            )
            cur.fetchone()
            cur.execute(
                f"SELECT * FROM {table} WHERE owner_id = %s AND classification <= 2 "  # noqa: S608
                "ORDER BY occurred_on DESC, id DESC LIMIT %s",
                [org.pk, page],
            )
            cur.fetchall()

    def plain_orm():
        with unscoped():
            qs = Incident.objects.filter(owner=org, classification__lte=2)
            qs.count()
            list(qs.order_by("-occurred_on", "-id")[:page])

    t_ours, t_raw, t_orm = timed(ours), timed(raw), timed(plain_orm)
    first = list(
        policy.scope(user, Incident.objects.all(), "incident.view")
        .select_related("area__parent", "category__parent", "owner")
        .prefetch_related("victim_counts")[:page]
    )

    def redact_page():
        for incident in first:
            policy.redact(user, incident)

    def read_page():
        for incident in first:
            _ = (incident.reference, incident.area.name, incident.category.label)

    t_redact, t_read = timed(redact_page), timed(read_page)
    print(f"incidents: {N} on {connection.vendor}")
    print(
        f"scoped list (count + page of {page}): {t_ours * 1000:.2f} ms; "
        f"same query in plain ORM: {t_orm * 1000:.2f} ms (ratio {t_ours / t_orm:.2f}); "
        f"raw SQL: {t_raw * 1000:.2f} ms (ratio {t_ours / t_raw:.2f})"
    )
    print(
        f"redact a page of {page}: {t_redact * 1000:.2f} ms; plain attribute reads: "
        f"{t_read * 1000:.2f} ms; ratio {t_redact / max(t_read, 1e-9):.1f}"
    )


if __name__ == "__main__":
    main()
