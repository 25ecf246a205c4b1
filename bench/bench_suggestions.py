"""Benchmark: the duplicate-request suggestion shown while a request is written
(`inforequests.services.suggestions`) against the SQL that fetches its candidates, in one run.

One child process per database, each with its own throwaway database, grown in steps to the
register sizes of BENCH_SUGG_SIZES (2,000, 20,000 and 100,000 requests):
  * SQLite, a temporary file, migrated;
  * PostgreSQL (BENCH_SUGG_PG=1): on DATABASE_URL's server when it names a PostgreSQL one,
    otherwise on a throwaway cluster started with scripts/pg.sh (own data directory and port,
    stopped at the end); skipped when PostgreSQL is not installed.
The requests go from the mission's components (HRD, CPA, WPA) to UNHCR, UNICEF, UNFPA and
DRC, 15% of them between the agencies themselves (out of the mission's sight); over the
regions of Mali (more in the north), 55% at a cercle, 40% at a region, 5% for the whole
country; their periods start over three years (mid-2013 to mid-2016), 7% have none; every
status, 2% declined as duplicates. Subjects and bodies recombine the texts of the evaluation
pairs (evaluation/request_pairs.json): a subject and the body of another request of the same
theme and language, the place and month words swapped to the request's region and period;
`terms` come from similarity.request_terms, computed once per distinct text.

For a draft by the mission's Human Rights Division (the text of an evaluation request) on a
cercle (Gao), its region and the whole country, over three months, times
  (a) services.suggestions(user, draft): the policy scope, the SQL prefilter on the area and
      the period, the rows' ranking fields ranked by TF-IDF in Python, the shown requests
      loaded whole, against
  (b) the fields ranking needs, for the same candidate rows, fetched by hand-written SQL
      through a cursor (the request joined to its area, the place, period and status
      conditions, the organisations of the scope given as constants): the database alone;
after checking that (a) ranks exactly the rows (b) fetches (same ids), that every one of them
is a request the user may read (asked by the mission or addressed to HRD), and that the
policy lets the user read every suggestion. Medians of BENCH_SUGG_REPEAT (5) interleaved runs;
prints the candidates (and those of the place and period the scope leaves out), both times and
their ratio. Takes about two minutes on 2 busy cores with
SQLite alone (40 s of it making the 100,000 requests, most of the rest ranking the country's
18,000 candidates); PostgreSQL adds about as much again, hence off by default.

    make bench
    BENCH_SUGG_PG=1 .venv/bin/python bench/bench_suggestions.py
    BENCH_SUGG_SIZES=20000,300000 .venv/bin/python bench/bench_suggestions.py
"""

import datetime as dt
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchkit  # noqa: E402 — bench/benchkit, next to this script

SIZES = [int(s) for s in os.environ.get("BENCH_SUGG_SIZES", "2000,20000,100000").split(",") if s]
REPEAT = int(os.environ.get("BENCH_SUGG_REPEAT", "5"))
WITH_PG = os.environ.get("BENCH_SUGG_PG", "0") == "1"
CHILD = "BENCH_SUGG_CHILD"
PG_ENV = benchkit.pg_env("sugg", 54373)
PAIRS = ROOT / "passerelle" / "inforequests" / "evaluation" / "request_pairs.json"


# --------------------------------------------------------------------------- orchestration


def orchestrate() -> int:
    started = time.perf_counter()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        failures += benchkit.child(__file__, CHILD, "1", f"sqlite:///{tmp}/bench.sqlite3") != 0
    if WITH_PG:
        with benchkit.postgres(PG_ENV) as url:
            if url:
                failures += benchkit.child(__file__, CHILD, "1", url) != 0
    print(f"bench_suggestions: {time.perf_counter() - started:.0f} s in all")
    return 1 if failures else 0


# --------------------------------------------------------------------------- one run


def timed(*functions, repeat=REPEAT):
    return benchkit.timed(*functions, repeat=repeat)


def run() -> None:
    benchkit.in_fresh_database("bench_sugg", measure)


# --------------------------------------------------------------------------- the register

# Who asks whom, by thematic area: the mission component that asks, the agency that answers.
ASKER = {"child_protection": "CPA", "gbv": "WPA"}  # HRD for every other theme
ADDRESSEE = {
    "child_protection": "UNICEF",
    "gbv": "UNFPA",
    "durable_solutions": "UNHCR",
    "human_rights": "UNHCR",
}  # DRC for every other theme (protection monitoring, HLP, justice, mine action)
AGENCIES = ["UNHCR", "UNICEF", "UNFPA", "DRC"]
COMPONENTS = ["HRD", "CPA", "WPA"]
# More requests about the north and the centre, where the mission is.
REGION_WEIGHTS = {"ML05": 5, "ML06": 5, "ML07": 6, "ML08": 3, "ML10": 2, "ML04": 2}
FIRST_MONTH = 2013 * 12 + 6  # July 2013 (months counted from year 0, January = 0)
MONTHS_SPAN = 36
STATUSES = ["open"] * 15 + ["acknowledged"] * 10 + ["answered"] * 55 + ["closed"] * 10
DECLINED = ["not_held", "not_mandate", "capacity", "protocol", "other"]


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


MONTH_WORDS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
    "décembre".split(),
    "en": "January February March April May June July August September October November "
    "December".split(),
    "en_short": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
}
# Each spelling of a month (French also capitalised and without accents; English only
# capitalised, "may" being a verb) → the list it belongs to and its index there.
SPELLED = {}
for _words in MONTH_WORDS.values():
    for _i, _word in enumerate(_words):
        for _form in {_word, _word.capitalize()} if _word.islower() else {_word}:
            SPELLED[_form] = SPELLED[_plain(_form)] = (_words, _i)
SPELLED["Sept"] = (MONTH_WORDS["en_short"], 8)
MONTHS = re.compile(r"\b(" + "|".join(sorted(SPELLED, key=len, reverse=True)) + r")\b")


def _moved(word: str, months: int) -> str:
    words, index = SPELLED[word]
    moved = words[(index + months) % 12]
    return moved.capitalize() if word[0].isupper() else moved


# The draft being written: HRD asks UNICEF for the verified grave violations in Gao.
DRAFT_PAIR = "p001"
DRAFT_MONTH = 2014 * 12 + 6  # July–September 2014, in the middle of the three years
DRAFT_AREAS = [("cercle", "ML0703"), ("region", "ML07"), ("country", "ML")]


def _month(index: int, last: bool = False):
    import calendar

    year, month = divmod(index, 12)
    day = calendar.monthrange(year, month + 1)[1] if last else 1
    return dt.date(year, month + 1, day)


class Texts:
    """Subjects and bodies recombined from the evaluation pairs, with their terms and period:
    `draw(rng, place)` gives one for a request about `place` (a region's or the country's
    P-code), from a pool of `per_place` texts per place (so that terms are computed once per
    distinct text)."""

    def __init__(self, areas: dict, *, per_place: int = 300, seed: int = 2013):
        import json
        import random
        from collections import defaultdict

        records = []
        for pair in json.loads(PAIRS.read_text(encoding="utf-8"))["pairs"]:
            records += [pair["earlier"], {**pair["new"], "id": pair["id"]}]
        self.records = records
        self.areas = areas
        self.rng = random.Random(seed)
        self.per_place = per_place
        self.by_theme = defaultdict(list)
        for record in records:
            self.by_theme[(record["thematic_area"], record["lang"])].append(record)
        self.pools = {}
        self.terms = {}
        self.seconds = 0.0  # spent computing terms

    def _names(self, pcode: str) -> list[str]:
        """The place words a text about `pcode` may use: its names and its region's, with and
        without accents, longest first."""
        names = set()
        for code in {pcode, pcode[:4]}:
            area = self.areas[code]
            for name in (area.name_fr, area.name_en):
                names |= {name, _plain(name)}
        return sorted(names, key=len, reverse=True)

    def rewrite(self, record: dict, field: str, place: str, begins: int | None) -> str:
        """The record's subject or body about `place` instead of its own area, its months and
        years moved so that its period starts in month `begins` (None: left as they are)."""
        text, lang = record[field], record["lang"]
        target = self.areas[place]
        name = target.name_fr if lang == "fr" else target.name_en
        for old in self._names(record["area"]):
            old = re.escape(old)
            if place == "ML":  # "dans la région de Gao" → "au Mali", "Gao region" → "Mali"
                text = re.sub(
                    rf"\b(?:(?:dans )?(?:la |le )?(?:région|region|cercle) de|à|a) {old}\b",
                    "au Mali",
                    text,
                )
                text = re.sub(rf"\b(?:the )?{old} (?:region|cercle)\b", "Mali", text)
            text = re.sub(rf"\b{old}\b", name, text)
        if begins is not None and record["period_start"]:
            start = dt.date.fromisoformat(record["period_start"])
            months = begins - (start.year * 12 + start.month - 1)
            years = begins // 12 - start.year
            if months % 12:
                text = MONTHS.sub(lambda m: _moved(m.group(1), months), text)
                if lang == "fr":  # "d'avril" → "de juin"
                    text = re.sub(r"\b([dD])'(?=[^aeiouhéAEIOUÉ\W])", r"\1e ", text)
            if years:
                text = re.sub(r"\b(20\d\d)\b", lambda m: str(int(m.group(1)) + years), text)
        return text

    def _make(self, place: str):
        """A subject and the body of another request of the same theme and language (or its
        own), about `place`, over a period starting in a random month of the three years."""
        from passerelle.inforequests import similarity

        rng = self.rng
        first = rng.choice(self.records)
        second = rng.choice(self.by_theme[(first["thematic_area"], first["lang"])])
        begins, period = None, (None, None)
        if first["period_start"] and rng.random() < 0.93:
            start = dt.date.fromisoformat(first["period_start"])
            end = dt.date.fromisoformat(first["period_end"])
            length = (end.year - start.year) * 12 + end.month - start.month
            begins = FIRST_MONTH + rng.randrange(MONTHS_SPAN)
            period = (_month(begins), _month(begins + length, last=True))
        subject = self.rewrite(first, "subject", place, begins)[:200]
        body = self.rewrite(second, "body", place, begins)
        key = (subject, body)
        if key not in self.terms:
            started = time.perf_counter()
            self.terms[key] = similarity.request_terms(subject, body)
            self.seconds += time.perf_counter() - started
        return first, subject, body, self.terms[key], period

    def draw(self, rng, place: str):
        pool = self.pools.get(place)
        if pool is None:
            pool = self.pools[place] = [self._make(place) for _ in range(self.per_place)]
        return rng.choice(pool)


class Register:
    """The organisations, the user and the requests, grown in steps by `grow(n)`."""

    def __init__(self):
        import random
        import uuid

        from passerelle.accounts.models import Membership, Organisation, User
        from passerelle.directory.models import ThematicArea
        from passerelle.geography.loader import load_mali
        from passerelle.geography.models import Area

        load_mali()
        self.rng = random.Random(1325)
        mission = Organisation.objects.create(acronym="MINUSMA", name="MINUSMA", type="mission")
        self.orgs = {"MINUSMA": mission}
        for acronym in COMPONENTS:
            self.orgs[acronym] = Organisation.objects.create(
                acronym=acronym,
                name=f"MINUSMA – {acronym}",
                type="mission_component",
                parent=mission,
            )
        for acronym in AGENCIES:
            kind = "ingo" if acronym == "DRC" else "un_agency"
            self.orgs[acronym] = Organisation.objects.create(
                acronym=acronym, name=acronym, type=kind
            )
        self.user = User.objects.create_user(f"bench-hrd-{uuid.uuid4().hex[:6]}")
        Membership.objects.create(user=self.user, organisation=self.orgs["HRD"], role="monitor")
        self.themes = {t.code: t for t in ThematicArea.objects.all()}
        areas = Area.objects.filter(level__lte=2).defer("geometry")
        self.areas = {a.pcode: a for a in areas}
        self.regions = sorted(p for p, a in self.areas.items() if a.level == 1)
        self.weights = [REGION_WEIGHTS.get(p, 1) for p in self.regions]
        self.cercles = {
            r: sorted(p for p in self.areas if len(p) == 6 and p[:4] == r) for r in self.regions
        }
        self.texts = Texts(self.areas)
        self.numbers = {}  # year → last reference number
        self.size = 0

    def _reference(self, year: int) -> str:
        number = self.numbers[year] = self.numbers.get(year, 0) + 1
        return f"RQ-{year}-{number:04d}"  # as services._next_reference

    def _request(self):
        from passerelle.inforequests.models import Request

        rng = self.rng
        if rng.random() < 0.05:
            place = area = "ML"
        else:
            place = rng.choices(self.regions, self.weights)[0]
            cercles = self.cercles[place]
            area = rng.choice(cercles) if cercles and rng.random() < 0.58 else place
        record, subject, body, terms, (start, end) = self.texts.draw(rng, place)
        theme = record["thematic_area"]
        if rng.random() < 0.15:  # between the agencies, out of the mission's sight
            asker, addressee = rng.sample(AGENCIES, 2)
        else:
            asker = ASKER.get(theme, "HRD") if rng.random() < 0.8 else rng.choice(COMPONENTS)
            addressee = ADDRESSEE.get(theme, "DRC")
        status, reason = rng.choice(STATUSES), ""
        if rng.random() < 0.08:
            status, reason = "declined", rng.choice(DECLINED)
        elif rng.random() < 0.02:
            status, reason = "declined", "duplicate"
        filed = end or _month(FIRST_MONTH + rng.randrange(MONTHS_SPAN), last=True)
        return Request(
            reference=self._reference(filed.year),
            kind=record["kind"],
            asker=self.orgs[asker],
            addressee=self.orgs[addressee],
            thematic_area=self.themes[theme],
            data_category=record["data_category"],
            level=record["level"],
            purpose=record["purpose"],
            area=self.areas[area],
            period_start=start,
            period_end=end,
            subject=subject,
            body=body,
            due_on=filed + dt.timedelta(days=10),
            status=status,
            decline_reason=reason,
            terms=terms,
        )

    def grow(self, n: int) -> float:
        """Add requests up to n; returns the seconds spent computing terms."""
        from django.db import connection

        from passerelle.core.guard import unscoped
        from passerelle.inforequests.models import Request

        before = self.texts.seconds
        rows = [self._request() for _ in range(n - self.size)]
        with unscoped():
            Request.objects.bulk_create(rows, batch_size=2000)
        self.size = n
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        return self.texts.seconds - before


# --------------------------------------------------------------------------- the two sides

# The rows services.suggestions fetches, by hand: the same joins, WHERE and ORDER BY.
CANDIDATES_SQL = """
SELECT r.id, r.terms, r.thematic_area_id, r.data_category, a.pcode, r.period_start,
  r.period_end
FROM inforequests_request r
  JOIN geography_area a ON a.id = r.area_id
WHERE {scope}
  AND (a.pcode IN ({prefixes}) OR a.pcode LIKE %s)
  AND NOT (r.status = 'declined' AND r.decline_reason = 'duplicate')
  AND (r.period_start IS NULL OR r.period_start <= %s)
  AND (r.period_end IS NULL OR r.period_end >= %s)
"""


def candidates_sql(register, draft, *, scoped: bool = True):
    """The hand-written query and its parameters, the scope's organisations as constants
    (without the scope: the requests of the place and period the user may not read too)."""

    own = [register.orgs["HRD"].pk]
    family = [register.orgs[a].pk for a in ("MINUSMA", *COMPONENTS)]
    pcode = draft.area_pcode
    prefixes = [pcode[:i] for i in range(2, len(pcode) + 1)]
    scope = "(r.asker_id IN ({own}) OR r.addressee_id IN ({own}) OR r.asker_id IN ({family}))"
    sql = CANDIDATES_SQL.format(
        scope=scope.format(own=", ".join(map(str, own)), family=", ".join(map(str, family)))
        if scoped
        else "1 = 1",
        prefixes=", ".join(["%s"] * len(prefixes)),
    )
    return sql, [*prefixes, f"{pcode}%", draft.period_end, draft.period_start]


def make_draft(register, pcode: str):
    """The evaluation request DRAFT_PAIR, about `pcode`, for the three months from
    DRAFT_MONTH."""
    from passerelle.inforequests import similarity

    record = next(r for r in register.texts.records if r.get("id") == DRAFT_PAIR)
    place = pcode[:4]
    subject = register.texts.rewrite(record, "subject", place, DRAFT_MONTH)
    body = register.texts.rewrite(record, "body", place, DRAFT_MONTH)
    return similarity.Draft(
        terms=similarity.request_terms(subject, body),
        thematic_area=register.themes[record["thematic_area"]].pk,
        data_category=record["data_category"],
        area_pcode=pcode,
        period_start=_month(DRAFT_MONTH),
        period_end=_month(DRAFT_MONTH + 2, last=True),
    )


def check(register, draft, sql, params):
    """(a) ranks exactly the rows (b) fetches, all readable by the user; the policy lets the
    user read every suggestion. Returns the candidates, the suggestions and how many requests
    of the place and period the scope left out."""
    from django.db import connection

    from passerelle.core.guard import unscoped
    from passerelle.inforequests import services, similarity
    from passerelle.inforequests.models import Request
    from passerelle.policy import inforequests as rules

    ranked = []
    rank = similarity.rank

    def recording(draft, pool, **kwargs):
        ranked.extend(pool)
        return rank(draft, pool, **kwargs)

    similarity.rank = recording
    try:
        found = services.suggestions(register.user, draft)
    finally:
        similarity.rank = rank
    with connection.cursor() as cur:
        cur.execute(sql, params)
        assert cur.description[0][0] == "id", "the first column is not the id"
        fetched = [row[0] for row in cur.fetchall()]
        cur.execute(*candidates_sql(register, draft, scoped=False))
        unseen = len(cur.fetchall()) - len(fetched)
    ids = [c.key for c in ranked]  # the pool carries primary keys, not model objects
    assert len(ids) == len(set(ids)), "a candidate ranked twice"
    assert len(fetched) == len(set(fetched)), "a row fetched twice"
    assert set(ids) == set(fetched), "suggestions and the SQL disagree on the candidates"
    family = {register.orgs[a].pk for a in ("MINUSMA", *COMPONENTS)}
    hrd = register.orgs["HRD"].pk
    with unscoped():
        sides = Request.objects.filter(pk__in=ids).values_list(
            "reference", "asker_id", "addressee_id"
        )
        for reference, asker_id, addressee_id in sides:
            assert asker_id in family or addressee_id == hrd, reference
    for suggestion in found:
        assert rules.relation(register.user, suggestion.candidate) is not None
    return len(ids), found, unseen


ROW = "{:>9}  {:<15} {:>10} {:>6} {:>5} {:>10} {:>9} {:>5}"


def measure(t_migrate: float) -> None:
    from django.db import connection

    from passerelle.inforequests import services

    started = time.perf_counter()
    register = Register()
    print(
        f"--- bench_suggestions on {connection.vendor}: database migrated in {t_migrate:.1f} s, "
        f"areas and organisations in {time.perf_counter() - started:.1f} s ---"
    )
    print(
        ROW.format("register", "draft area", "candidates", "unseen", "shown", "(a)", "(b)", "a/b")
    )
    for size in SIZES:
        started = time.perf_counter()
        t_terms = register.grow(size)
        t_grow = time.perf_counter() - started
        for granularity, pcode in DRAFT_AREAS:
            draft = make_draft(register, pcode)
            sql, params = candidates_sql(register, draft)
            n_candidates, found, unseen = check(register, draft, sql, params)

            def ours(draft=draft):
                return services.suggestions(register.user, draft)

            def raw(sql=sql, params=params):
                with connection.cursor() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall()

            t_ours, t_raw = timed(ours, raw)
            print(
                ROW.format(
                    f"{size:,}",
                    f"{granularity} {pcode}",
                    f"{n_candidates:,}",
                    f"{unseen:,}",
                    len(found),
                    f"{t_ours * 1000:.1f} ms",
                    f"{t_raw * 1000:.1f} ms",
                    f"{t_ours / t_raw:.1f}",
                )
            )
        print(
            f"{'':>9}  (grown to {size:,} requests in {t_grow:.1f} s, of which terms "
            f"{t_terms:.1f} s for {len(register.texts.terms):,} distinct texts so far)"
        )
    print(
        f"(a) services.suggestions, (b) the SQL of its candidates (medians of {REPEAT} "
        "interleaved runs);\ncandidates: ranked by (a), fetched by (b); unseen: same place and "
        "period, out of the user's scope;\nshown: suggestions returned"
    )


if __name__ == "__main__":
    if os.environ.get(CHILD):
        run()
    else:
        sys.exit(orchestrate())
