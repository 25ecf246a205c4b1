"""Benchmark: the one import path (`imports.pipeline.prepare` + `apply`) against a raw bulk
insert of the same rows into the same tables, in one run.

One child process per database, each with its own throwaway database:
  * SQLite, a temporary file, migrated (BENCH_IMPORT_SQLITE=0 skips it);
  * PostgreSQL (BENCH_IMPORT_PG=0 skips it): on DATABASE_URL's server when it names a
    PostgreSQL one, otherwise on a throwaway cluster started with scripts/pg.sh (own data
    directory and port, stopped at the end); skipped when PostgreSQL is not installed.

The submissions are those of a protection-monitoring form filled in the field, drawn by the
demo's generator (`demo.loader.DemoRows`: the story's distributions of dates, Mali's regions
and cercles, categories of every framework, perpetrators, sources, victims by sex and age
group, 0–3 persons with fictional identities, phones, addresses and consents), each with a
Kobo-style key (`uuid:…`), a submission time, and the services its victims need (needs). All
of them are imported by one monitor into one organisation, as one import of a form's export.

For each size of BENCH_IMPORT_ROWS (default 100,000; a comma-separated list gives several
sizes, e.g. 1000,10000,100000), on tables emptied between runs:
  (raw) the same rows written by hand-written INSERTs through Django's connection cursor
        (`executemany` in batches of 1,000; on PostgreSQL also one INSERT ... SELECT FROM
        unnest(one array per column) per batch, and the faster of the two is the baseline):
        incidents, victim counts, persons, consents, needs, the imported-submission keys and
        as many audit events as the pipeline writes, every value precomputed beforehand
        (codes resolved, identities and narratives encrypted, blind indexes, references,
        audit hashes): the database's share alone;
  (ours) pipeline.prepare (validation, codes resolved, known keys) then pipeline.apply (one
        transaction: encryption, references, bulk inserts, audit), with the time of each;
after checking that both wrote the same number of rows in each table and that the audit
chain still verifies. Prints rows per second for each, and the ratio raw time / our time (the
goal is ≥ 0.3: the import path at least a third as fast as the raw insert).

    make bench
    BENCH_IMPORT_ROWS=1000,10000 BENCH_IMPORT_PG=0 .venv/bin/python bench/bench_imports.py
    BENCH_IMPORT_PROFILE=/tmp/imports.prof ...   # cProfile of prepare + apply (largest size;
                                                 # its figures are then slowed by the profiler)

Takes about 12 minutes for 100,000 rows on SQLite on 2 busy cores, more on PostgreSQL (most
of it drawing the submissions and precomputing the raw rows; see docs/imports.md,
"Throughput", for the figures).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchkit  # noqa: E402 — bench/benchkit, next to this script

SIZES = [int(s) for s in os.environ.get("BENCH_IMPORT_ROWS", "100000").split(",") if s.strip()]
WITH_SQLITE = os.environ.get("BENCH_IMPORT_SQLITE", "1") == "1"
WITH_PG = os.environ.get("BENCH_IMPORT_PG", "1") == "1"
PROFILE = os.environ.get("BENCH_IMPORT_PROFILE", "")
SEED = int(os.environ.get("BENCH_IMPORT_SEED", "2013"))
CHILD = "BENCH_IMPORT_CHILD"
PG_ENV = benchkit.pg_env("imports", 54374)
BATCH = 1000  # rows per executemany of the raw insert


# --------------------------------------------------------------------------- orchestration


def orchestrate() -> int:
    started = time.perf_counter()
    failures = 0
    if WITH_SQLITE:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            failures += benchkit.child(__file__, CHILD, "1", url) != 0
    if WITH_PG:
        with benchkit.postgres(PG_ENV) as url:
            if url:
                failures += benchkit.child(__file__, CHILD, "1", url) != 0
    print(f"bench_imports: {time.perf_counter() - started:.0f} s in all")
    return 1 if failures else 0


def run() -> None:
    benchkit.in_fresh_database("bench_imports", measure)


# --------------------------------------------------------------------------- the submissions

# The services a victim needs, by framework: (service type, share of victims who need it).
NEEDS = {
    "gbv": [
        ("health_medical_service", 0.55),
        ("psychosocial_service", 0.7),
        ("legal_assistance_service", 0.2),
        ("police_other_service", 0.12),
        ("safehouse_service", 0.05),
    ],
    "crsv": [
        ("health_medical_service", 0.7),
        ("psychosocial_service", 0.75),
        ("legal_assistance_service", 0.25),
        ("safehouse_service", 0.08),
    ],
    "mrm": [
        ("child_protection_service", 0.6),
        ("psychosocial_service", 0.4),
        ("education_service", 0.2),
        ("family_tracing_reunification", 0.1),
    ],
    "pm": [
        ("psychosocial_service", 0.2),
        ("documentation_legal_identity", 0.15),
        ("food_service", 0.15),
        ("cash_assistance", 0.15),
        ("safehouse_service", 0.08),
        ("legal_assistance_service", 0.08),
    ],
    "hr": [
        ("legal_assistance_service", 0.3),
        ("health_medical_service", 0.2),
        ("psychosocial_service", 0.2),
    ],
}


def submissions(n: int, seed: int = SEED) -> list:
    """`n` submissions of the protection-monitoring form, as the import's rows."""
    import random
    import uuid

    from passerelle.demo.loader import DemoRows

    rng = random.Random(seed + 1)  # keys, times and needs; the story has its own generator
    story = DemoRows(random.Random(seed), seed=seed)
    rows = []
    for number in range(1, n + 1):
        _, row, told = story.draw(number)
        row.key = f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        row.row = number + 1  # the export's header is row 1
        reported = row.values["reported_on"] or row.values["occurred_on"]
        row.version = dt.datetime.combine(reported, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(
            minutes=rng.randrange(10 * 60)
        )
        for person in row.persons:
            if person.role == "victim":
                person.needs = [s for s, share in NEEDS[told.framework] if rng.random() < share]
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- the raw insert


def tables():
    """The tables an import writes, parents first."""
    from passerelle.imports.models import ImportedSubmission
    from passerelle.incidents.models import Consent, Incident, Person, VictimCount
    from passerelle.referrals.models import Need

    return [Incident, VictimCount, Person, Consent, Need, ImportedSubmission]


def counts(since_seq: int) -> dict:
    """Rows in each table an import writes (audit events: those after `since_seq`)."""
    from django.db import connection

    from passerelle.core.models import AuditEvent

    found = {}
    with connection.cursor() as cur:
        for model in tables():
            cur.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}")  # noqa: S608
            found[model._meta.db_table] = cur.fetchone()[0]
        cur.execute(
            f"SELECT COUNT(*) FROM {AuditEvent._meta.db_table} WHERE seq > %s",  # noqa: S608
            [since_seq],
        )
        found[AuditEvent._meta.db_table] = cur.fetchone()[0]
    return found


def empty(since_seq: int | None = None) -> None:
    """Delete every row an import wrote (and the audit events after `since_seq`, if given:
    the raw insert's, which chain to nothing), then let the database reclaim the space."""
    from django.db import connection

    from passerelle.core.models import AuditEvent

    with connection.cursor() as cur:
        for model in reversed(tables()):
            cur.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
        if since_seq is not None:
            cur.execute(
                f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq > %s",  # noqa: S608
                [since_seq],
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")


class RawInsert:
    """The rows of an import, built beforehand exactly as the database stores them (codes
    resolved, identities, places and narratives encrypted with their row's context, blind
    indexes, references, person codes, the submissions' keys), then written by `insert()` with
    plain INSERT statements through the connection's cursor, `executemany` in batches: what
    the database alone needs to store the same rows. `events` are the audit events to write
    with them, (action, object type, object id, level, detail) each, chained here."""

    def __init__(self, rows, *, organisation, actor, events, after_seq, after_hash):
        import hashlib
        import uuid
        from decimal import Decimal

        from django.db import DEFAULT_DB_ALIAS, connection, connections
        from django.utils import timezone

        from passerelle.core import audit, crypto
        from passerelle.core.models import AuditEvent
        from passerelle.geography.models import Area
        from passerelle.imports.models import ImportedSubmission
        from passerelle.incidents import services
        from passerelle.incidents.models import Consent, Incident, Person, VictimCount
        from passerelle.referrals.models import Need
        from passerelle.vocabularies.models import Term

        terms = {(t.vocabulary, t.code): t for t in Term.objects.select_related("parent")}
        areas = dict(Area.objects.values_list("pcode", "id"))
        ids = {}
        with connection.cursor() as cur:
            for model in [*tables(), AuditEvent]:
                cur.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")  # noqa: S608
                ids[model] = (cur.fetchone()[0] or 0) + 1
        ages = {code: terms[(Term.Vocabulary.AGE_GROUP, code)] for _, code in services.AGE_BANDS}

        def next_id(model):
            value = ids[model]
            ids[model] = value + 1
            return value

        def term_id(vocabulary, code):
            return terms[(vocabulary, code)].pk if code else None

        def age_group(age):
            for upper, code in services.AGE_BANDS:
                if age <= upper:
                    return ages[code].pk
            return None

        numbers: dict[str, int] = {}
        objects: dict[type, list] = {model: [] for model in [*tables(), AuditEvent]}
        V = Term.Vocabulary
        now = timezone.now()
        for row in rows:
            v = row.values
            category = terms[(V.CATEGORY, v["category"])]
            prefix = f"{organisation.acronym}-{v['occurred_on']:%Y}-"
            numbers[prefix] = numbers.get(prefix, 0) + 1
            classification = v.get("classification") or services.default_classification(category)
            incident = Incident(
                id=next_id(Incident),
                public_id=uuid.uuid4(),
                reference=f"{prefix}{numbers[prefix]:06d}",
                owner_id=organisation.pk,
                recorded_by_id=actor.pk,
                occurred_on=v["occurred_on"],
                date_precision=v.get("date_precision") or "day",
                reported_on=v.get("reported_on"),
                area_id=areas[v["area"]],
                exact_location=v.get("exact_location") or None,
                category_id=category.pk,
                sub_type_id=term_id(V.CATEGORY, v.get("sub_type")),
                data_category=category.parent.code,
                perpetrator_id=term_id(V.PERPETRATOR, v.get("perpetrator")),
                source_type_id=term_id(V.SOURCE_TYPE, v.get("source_type")),
                source_reliability_id=term_id(V.RELIABILITY, v.get("source_reliability")),
                narrative=v.get("narrative") or None,
                classification=classification,
            )
            for field in ("latitude", "longitude"):
                if v.get(field) is not None:
                    value = Decimal(str(v[field])).quantize(Decimal("0.00001"))
                    setattr(incident, field, str(value))
            objects[Incident].append(incident)
            for (sex, code), n in sorted(row.victim_counts.items()):
                objects[VictimCount].append(
                    VictimCount(
                        id=next_id(VictimCount),
                        incident_id=incident.id,
                        sex=sex,
                        age_group_id=term_id(V.AGE_GROUP, code),
                        count=n,
                    )
                )
            person_ids = []
            for position, p in enumerate(row.persons, start=1):
                person = Person(
                    id=next_id(Person),
                    public_id=uuid.uuid4(),
                    incident_id=incident.id,
                    code=f"{p.role[0].upper()}{position:02d}-{uuid.uuid4().hex[:4].upper()}",
                    role=p.role,
                    sex=p.sex,
                    age=p.age,
                    age_group_id=(
                        term_id(V.AGE_GROUP, p.age_group)
                        if p.age_group
                        else (age_group(p.age) if p.age is not None else None)
                    ),
                    disability=p.disability,
                    displacement_status_id=term_id(V.DISPLACEMENT, p.displacement_status),
                    full_name=p.full_name or None,
                    father_name=p.father_name or None,
                    mother_name=p.mother_name or None,
                    phone=p.phone or None,
                    address=p.address or None,
                    full_name_index=crypto.blind_index(p.full_name, "person.name"),
                    phone_index=crypto.blind_index(
                        "".join(c for c in p.phone if c.isdigit()), "person.phone"
                    ),
                )
                objects[Person].append(person)
                person_ids.append(person.id)
                for scope, given in p.consents.items():
                    objects[Consent].append(
                        Consent(
                            id=next_id(Consent),
                            public_id=uuid.uuid4(),
                            person_id=person.id,
                            scope=scope,
                            given=given,
                            given_at=now,
                            recorded_by_id=actor.pk,
                        )
                    )
                for service_type in p.needs:
                    objects[Need].append(
                        Need(
                            id=next_id(Need),
                            public_id=uuid.uuid4(),
                            incident_id=incident.id,
                            person_id=person.id,
                            service_type=service_type,
                            identified_on=v.get("reported_on") or v["occurred_on"],
                            recorded_by_id=actor.pk,
                        )
                    )
            objects[ImportedSubmission].append(
                ImportedSubmission(
                    id=next_id(ImportedSubmission),
                    organisation_id=organisation.pk,
                    key=row.key,
                    incident_id=incident.id,
                    version=row.version,
                    digest=hashlib.sha256(row.key.encode()).hexdigest(),
                    persons=person_ids,
                )
            )
        keys = audit.load_keys()
        seq, prev = after_seq, after_hash
        for action, object_type, object_id, level, detail in events:
            seq += 1
            event = AuditEvent(
                id=next_id(AuditEvent),
                seq=seq,
                at=now,
                actor_id=actor.pk,
                actor_label=actor.get_username(),
                organisation_id=organisation.pk,
                action=action,
                object_type=object_type,
                object_id=object_id,
                level=level,
                detail=detail,
                prev_hash=prev,
            )
            event.hash = prev = audit.compute_hash(event, keys)
            objects[AuditEvent].append(event)

        # Every value as the database receives it (what Django's INSERT compiler does), with
        # the connection itself rather than its thread-local proxy (a lookup per value).
        connection = connections[DEFAULT_DB_ALIAS]
        self.statements = []  # executemany: (sql, rows)
        self.unnest = []  # PostgreSQL: (sql, [arrays per batch])
        for model, instances in objects.items():
            fields = model._meta.local_concrete_fields
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
            params = [
                tuple(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
                for obj in instances
            ]
            self.statements.append((sql, params))
            if connection.vendor == "postgresql":
                self.unnest.append(self._unnest(model, fields, params, connection))
        self.rows = {model._meta.db_table: len(instances) for model, instances in objects.items()}

    @staticmethod
    def _unnest(model, fields, params, connection):
        """PostgreSQL's other plain-SQL bulk form: per batch, one INSERT ... SELECT FROM
        unnest(one array per column), the arrays built beforehand (JSON as text, cast back)."""
        import json

        quote = connection.ops.quote_name
        casts, selects = [], []
        for index, field in enumerate(fields):
            if field.get_internal_type() == "JSONField":
                casts.append("%s::text[]")
                selects.append(f"c{index}::jsonb")
            else:
                casts.append(f"%s::{field.db_type(connection)}[]")
                selects.append(f"c{index}")
        names = ", ".join(f"c{index}" for index in range(len(fields)))
        sql = "INSERT INTO {} ({}) SELECT {} FROM unnest({}) AS u({})".format(  # noqa: S608
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(selects),
            ", ".join(casts),
            names,
        )

        def plain(value):
            obj = getattr(value, "obj", None)  # psycopg's Jsonb wrapper
            return json.dumps(obj) if obj is not None else value

        batches = []
        for start in range(0, len(params), BATCH):
            columns = [list(column) for column in zip(*params[start : start + BATCH], strict=True)]
            batches.append([[plain(v) for v in column] for column in columns])
        return sql, batches

    def insert(self) -> None:
        """executemany of each table's rows, by batches."""
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cur:
            for sql, params in self.statements:
                for start in range(0, len(params), BATCH):
                    cur.executemany(sql, params[start : start + BATCH])

    def insert_unnest(self) -> None:
        """PostgreSQL: the same rows by INSERT ... SELECT FROM unnest(arrays), by batches."""
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cur:
            for sql, batches in self.unnest:
                for arrays in batches:
                    cur.execute(sql, arrays)


# --------------------------------------------------------------------------- the measurement


ROW = "{:>8} {:>7} {:>9} {:>9} {:>9} {:>11} {:>11} {:>6}"


def setup():
    """Mali's areas, the monitoring organisation and its monitor (who imports)."""
    from passerelle.accounts.models import Membership, Organisation, User
    from passerelle.geography.loader import load_mali

    load_mali()
    organisation = Organisation.objects.create(
        acronym="PMN", name="Protection Monitoring Network", type="nngo"
    )
    monitor = User.objects.create_user("bench.monitor")
    Membership.objects.create(user=monitor, organisation=organisation, role="monitor")
    return organisation, monitor


def head() -> tuple[int, str]:
    from passerelle.core import audit
    from passerelle.core.models import AuditEvent

    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    return (last.seq, last.hash) if last else (0, audit.GENESIS)


def import_once(rows, organisation, monitor, profile: str = ""):
    """prepare + apply, timed each; with `profile`, under cProfile (stats written there)."""
    from passerelle.imports import pipeline

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    cpu = time.process_time()
    started = time.perf_counter()
    plan = pipeline.prepare(
        monitor, organisation=organisation, rows=rows, source="xlsform", source_key="pm_v3"
    )
    t_prepare = time.perf_counter() - started
    if plan.errors:
        first = plan.errors[0]
        raise SystemExit(
            f"{len(plan.errors)} rows refused, first: row {first.row} "
            f"{first.column}: {first.message}"
        )
    started = time.perf_counter()
    result = pipeline.apply(monitor, plan)
    t_apply = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    return t_prepare, t_apply, cpu, result


def measure(t_migrate: float) -> None:
    from django.db import connection

    from passerelle.core import audit
    from passerelle.core.models import AuditEvent

    started = time.perf_counter()
    organisation, monitor = setup()
    print(
        f"--- bench_imports on {connection.vendor}: database migrated in {t_migrate:.1f} s, "
        f"areas and users in {time.perf_counter() - started:.1f} s ---"
    )
    print(
        ROW.format(
            "rows", "persons", "prepare", "apply", "ours", "ours rows/s", "raw rows/s", "ratio"
        )
    )
    largest = max(SIZES)
    for size in SIZES:
        started = time.perf_counter()
        rows = submissions(size)
        t_generate = time.perf_counter() - started
        persons = sum(len(r.persons) for r in rows)

        # (ours) through the pipeline, on empty tables
        seq_before, _ = head()
        t_prepare, t_apply, cpu_ours, result = import_once(
            rows, organisation, monitor, PROFILE if size == largest else ""
        )
        t_ours = t_prepare + t_apply
        written = counts(seq_before)
        started = time.perf_counter()
        problems = audit.verify()
        t_verify = time.perf_counter() - started
        assert not problems, problems[:3]
        events = list(
            AuditEvent.objects.filter(seq__gt=seq_before)
            .order_by("seq")
            .values_list("action", "object_type", "object_id", "level", "detail")
        )
        empty()

        # (raw) the same rows, by hand, on the emptied tables
        seq_after, hash_after = head()
        started = time.perf_counter()
        raw = RawInsert(
            rows,
            organisation=organisation,
            actor=monitor,
            events=events,
            after_seq=seq_after,
            after_hash=hash_after,
        )
        t_build = time.perf_counter() - started
        cpu_raw = time.process_time()
        started = time.perf_counter()
        raw.insert()
        t_raw = time.perf_counter() - started
        cpu_raw = time.process_time() - cpu_raw
        inserted = counts(seq_after)
        empty(since_seq=seq_after)
        if inserted != written:
            raise SystemExit(f"not the same rows: pipeline {written}, raw {inserted}")
        t_executemany, t_unnest = t_raw, None
        if raw.unnest:  # PostgreSQL: the array form too; the faster raw insert is the baseline
            started = time.perf_counter()
            raw.insert_unnest()
            t_unnest = time.perf_counter() - started
            inserted = counts(seq_after)
            empty(since_seq=seq_after)
            if inserted != written:
                raise SystemExit(f"not the same rows: pipeline {written}, unnest {inserted}")
            t_raw = min(t_raw, t_unnest)

        print(
            ROW.format(
                f"{size:,}",
                f"{persons:,}",
                f"{t_prepare:.1f} s",
                f"{t_apply:.1f} s",
                f"{t_ours:.1f} s",
                f"{size / t_ours:,.0f}",
                f"{size / t_raw:,.0f}",
                f"{t_raw / t_ours:.2f}",
            )
        )
        print(
            f"{'':>8} rows written each way: "
            + ", ".join(f"{table} {n:,}" for table, n in written.items())
            + f"; pipeline result {result}"
        )
        print(
            f"{'':>8} (submissions drawn in {t_generate:.1f} s; raw rows precomputed in "
            f"{t_build:.1f} s, inserted in {t_raw:.1f} s; audit chain verified in "
            f"{t_verify:.1f} s)"
        )
        if connection.vendor == "sqlite":  # the database works inside this process
            print(
                f"{'':>8} CPU time of this process (SQLite included): ours {cpu_ours:.1f} s "
                f"({size / cpu_ours:,.0f} rows/s), raw {cpu_raw:.1f} s "
                f"({size / cpu_raw:,.0f} rows/s), ratio {cpu_raw / cpu_ours:.2f}; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
        else:
            print(
                f"{'':>8} raw by executemany {t_executemany:.1f} s "
                f"({size / t_executemany:,.0f} rows/s), by unnest arrays {t_unnest:.1f} s "
                f"({size / t_unnest:,.0f} rows/s): the faster is the baseline; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
    print(
        "ours: pipeline.prepare + pipeline.apply; raw: the same rows by executemany (or "
        "unnest arrays, PostgreSQL), values precomputed;\nratio: raw time / our time, wall "
        "clock (goal >= 0.3); on a busy machine the CPU ratio (SQLite) is the steadier figure"
    )
    if PROFILE:
        print(f"profile of the {largest:,}-row import written to {PROFILE}")


if __name__ == "__main__":
    if os.environ.get(CHILD):
        run()
    else:
        sys.exit(orchestrate())
