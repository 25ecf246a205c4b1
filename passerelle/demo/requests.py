"""The demo's requests register: a year of requests from the mission's components to the
cluster (and a few the other way), through the register's services so that routing, refusals,
suggestions, reuse and audit are real; then the dates are set back to the story's August 2013 –
June 2014, told in the present (clock.py: about sixteen to six months ago).

Each month the same needs are asked again by several components, worded differently. Before
filing, the asker sees earlier requests (`services.suggestions`): more and more often they take
the earlier one instead (a duplicate avoided). When a duplicate is filed anyway, the focal
point answers it with the earlier answer (a duplicate caught). A few requests are refused by
the policy (no protocol, identities, a purpose or wording that reads as intelligence). The
last weeks hold open requests, some overdue, relative to today.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import transaction
from django.utils import timezone

from passerelle.core import sequences
from passerelle.core.guard import unscoped
from passerelle.core.notify import mail_muted
from passerelle.directory.models import ThematicArea
from passerelle.geography.models import Area
from passerelle.inforequests import services, similarity
from passerelle.inforequests.models import DeclineReason, Request, RequestEvent, Reuse
from passerelle.sharing.models import Disclosure

from . import clock
from .request_data import NEEDS, REFUSED

SEED = 2013
FIRST_MONTH = clock.shift_month(dt.date(2013, 8, 1))  # the story's August 2013, today
MONTHS = 11  # August 2013 – June 2014 of the story
RECENT = 18  # open requests of the last weeks
ANSWERERS = {
    "UNFPA": "unfpa.focal_point",
    "UNICEF": "unicef.focal_point",
    "UNHCR": "unhcr.focal_point",
    "DRC": "drc.focal_point",
    "MINUSMA-CPA": "cpa.focal_point",
    "MINUSMA-HRD": "hrd.admin",
}


def _month(index: int) -> dt.date:
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    return dt.date(FIRST_MONTH.year + year, month + 1, 1)


def _previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    end = day.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _at(day: dt.date, rng) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment, dt.UTC)


def _statistics_link(need, start, end) -> str:
    if need["level"] != 1 or not need["category"]:
        return ""
    return (
        f"{services.statistics_path()}?purpose={need['purpose']}&rows=area&columns=period"
        f"&area_level=2&period=month&data_category={need['category']}"
        f"&date_from={start.isoformat()}&date_to={end.isoformat()}"
    )


class Register:
    def __init__(self, orgs, users, rng, *, months=MONTHS, recent=RECENT):
        self.orgs, self.users, self.rng = orgs, users, rng
        self.months, self.recent_count = months, recent
        self.themes = {t.code: t for t in ThematicArea.objects.all()}
        self.areas = {a.pcode: a for a in Area.objects.filter(level__lte=2).only("pk", "pcode")}
        self.names = {
            a.pcode: a.name_fr
            for a in Area.objects.filter(level__lte=1).only("pcode", "name_fr", "name_en")
        }
        self.done = {"requests": 0, "reused": 0, "duplicates_answered": 0, "refused": 0}
        self.counters: dict[int, int] = {}

    # ----------------------------------------------------------------- one request

    def _texts(self, need, pcode):
        lang, subject, body = self.rng.choice(need["wordings"])
        area = self.names.get(pcode, "Mali")
        return lang, subject.format(area=area), body.format(area=area)

    def _backdate(self, request, created, **fields):
        year = created.year
        self.counters[year] = self.counters.get(year, 0) + 1
        fields["reference"] = f"RQ-{year}-{self.counters[year]:04d}"
        with unscoped():
            Request.objects.filter(pk=request.pk).update(created_at=created, **fields)
        request.refresh_from_db()

    def _events_at(self, request, moments: dict):
        for kind, moment in moments.items():
            RequestEvent.objects.filter(request=request, kind=kind).update(at=moment)

    def ask(self, need, asker_name, day, period, *, settle=True):
        rng = self.rng
        pcode = rng.choice(need["areas"])
        lang, subject, body = self._texts(need, pcode)
        user = self.users[asker_name]
        asker = next(m.organisation for m in user.memberships.all())
        addressee = self.orgs[need["addressee"]]
        draft = similarity.Draft(
            terms=similarity.request_terms(subject, body),
            thematic_area=self.themes[need["theme"]].pk,
            data_category=need["category"],
            area_pcode=pcode,
            period_start=period[0],
            period_end=period[1],
        )
        found = services.suggestions(user, draft, limit=1)
        learning = min(0.7, 0.15 + 0.06 * (day.year * 12 + day.month - 2013 * 12 - 8))
        if settle and found and rng.random() < learning:
            reuse = services.reuse_request(
                user, found[0].candidate, organisation=asker, subject=subject
            )
            Reuse.objects.filter(pk=reuse.pk).update(at=_at(day, rng))
            self.done["reused"] += 1
            return None
        request = services.file_request(
            user,
            asker=asker,
            addressee=addressee,
            kind=need["kind"],
            thematic_area=self.themes[need["theme"]],
            data_category=need["category"],
            level=need["level"],
            purpose=need["purpose"],
            area=self.areas[pcode],
            period_start=period[0],
            period_end=period[1],
            subject=subject,
            body=body,
        )
        created = _at(day, rng)
        due = day + dt.timedelta(days=rng.choice([7, 10, 10, 14]))
        self._backdate(request, created, due_on=due)
        self._events_at(request, {"created": created, "routed": created})
        self.done["requests"] += 1
        if settle:
            self.settle(request, need, created, found)
        return request

    def settle(self, request, need, created, found):
        """What became of a request: acknowledged, answered (with the earlier answer when it
        repeats one), declined now and then; closed by the asker most of the time."""
        rng = self.rng
        answerer = self.users[ANSWERERS[need["addressee"]]]
        asker_user = request.asked_by
        acknowledged = created + dt.timedelta(hours=rng.randint(2, 30))
        services.acknowledge_request(answerer, request)
        moments = {"acknowledged": acknowledged}
        fields = {"acknowledged_at": acknowledged}
        earlier = found[0].candidate if found else None
        roll = rng.random()
        if roll < 0.08:
            reason = rng.choice([DeclineReason.NOT_HELD, DeclineReason.CAPACITY])
            services.decline_request(answerer, request, reason=reason)
            closed = acknowledged + dt.timedelta(days=rng.randint(1, 4))
            moments["declined"] = closed
            fields["closed_at"] = closed
        else:
            if (
                earlier is not None
                and earlier.status in ("answered", "closed")
                and (earlier.addressee_id == request.addressee_id)
            ):
                services.answer_with_earlier(answerer, request, earlier=earlier)
                answered = acknowledged + dt.timedelta(hours=rng.randint(1, 20))
                moments["duplicate"] = answered
                self.done["duplicates_answered"] += 1
            else:
                text = need["answer"][0 if answerer.language == "fr" else 1]
                shared = []
                if request.level >= 2:
                    with unscoped():  # the loader picks what was shared (disclosures are guarded)
                        shared = list(
                            Disclosure.objects.filter(
                                owner=request.addressee, recipient=request.asker
                            ).order_by("pk")[:3]
                        )
                services.answer_request(
                    answerer,
                    request,
                    answer=text,
                    answer_level=request.level,
                    answer_link=_statistics_link(need, request.period_start, request.period_end)
                    if request.period_start
                    else "",
                    disclosures=shared,
                )
                answered = acknowledged + dt.timedelta(
                    days=rng.choice([0, 1, 2, 3, 4, 6, 8, 11, 15]), hours=rng.randint(1, 8)
                )
                moments["answered"] = answered
            fields["answered_at"] = answered
            if rng.random() < 0.7:
                services.close_request(asker_user, request)
                closed = answered + dt.timedelta(days=rng.randint(1, 6))
                moments["closed"] = closed
                fields["closed_at"] = closed
        with unscoped():
            Request.objects.filter(pk=request.pk).update(**fields)
        self._events_at(request, moments)

    # ----------------------------------------------------------------- the year

    def history(self):
        rng = self.rng
        plans = []
        for index in range(self.months):
            month = _month(index)
            for need in NEEDS:
                times = rng.choices([0, 1, 2, 3], weights=[2, 4, 3, 1])[0]
                askers = rng.sample(need["askers"], min(times, len(need["askers"])))
                period = _previous_month(month)
                for asker in askers:
                    day = month + dt.timedelta(days=rng.randint(0, 26))
                    plans.append((day, need["key"], asker, need, period))
        plans.sort(key=lambda p: (p[0], p[1], p[2]))
        for day, _key, asker, need, period in plans:
            self.ask(need, asker, day, period)

    def recent(self):
        """Open requests of the last weeks: some due soon, some overdue."""
        rng = self.rng
        today = timezone.localdate()
        for n in range(self.recent_count):
            need = NEEDS[n % len(NEEDS)]
            asker = rng.choice(need["askers"])
            day = today - dt.timedelta(days=rng.randint(1, 24))
            request = self.ask(need, asker, day, _previous_month(day), settle=False)
            if request is None:
                continue
            if rng.random() < 0.5:
                answerer = self.users[ANSWERERS[need["addressee"]]]
                services.acknowledge_request(answerer, request)
                moment = _at(day, rng) + dt.timedelta(hours=rng.randint(2, 20))
                with unscoped():
                    Request.objects.filter(pk=request.pk).update(acknowledged_at=moment)
                self._events_at(request, {"acknowledged": moment})

    def refusals(self):
        for asker_name, addressee, theme, category, level, purpose, pcode, subject, body in REFUSED:
            user = self.users[asker_name]
            asker = next(m.organisation for m in user.memberships.all())
            try:
                services.file_request(
                    user,
                    asker=asker,
                    addressee=self.orgs[addressee],
                    kind="information",
                    thematic_area=self.themes[theme],
                    data_category=category,
                    level=level,
                    purpose=purpose,
                    area=self.areas[pcode],
                    period_start=None,
                    period_end=None,
                    subject=subject,
                    body=body,
                )
            except services.RequestRefused:
                self.done["refused"] += 1


def load_requests(orgs, users, seed: int = SEED, *, small: bool = False) -> dict:
    """Load the register once (idempotent: nothing happens when requests exist)."""
    with unscoped():
        if Request.objects.exists():
            return {}
    start = time.perf_counter()
    # The small demo (tests) keeps two months and a few open requests.
    sizes = {"months": 2, "recent": 4} if small else {}
    register = Register(orgs, users, random.Random(seed), **sizes)
    with mail_muted(), transaction.atomic():
        register.history()
        register.recent()
        # The register renumbered its requests by year: the next request filed follows them.
        sequences.restart(Request)
    with mail_muted():
        register.refusals()
    register.done["seconds"] = round(time.perf_counter() - start, 1)
    return register.done
