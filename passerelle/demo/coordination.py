"""The demo coordination: the Protection Cluster, its field mechanisms and areas of
responsibility, the human rights working group, the mission's protection coordination cell and
a mission-chaired forum in Gao, the Humanitarian Country Team; who sits in each; the engagement
risk register; meetings from the story's July 2013 to March 2014, dated in the present
(clock.py: about seventeen to nine months ago), and one recent meeting, so that the
follow-up list shows action points due soon as well as overdue ones; the mapping of trainings,
with a few likely duplicates.

Rows are written with the models directly (coordination data, no case data): each is matched
on its natural key (a body by its short name, a meeting by body and title, an action point by
body and text, a training by provider, title and place, a risk review by risk and note; never
by a date, since the dates move with the day the demo is loaded) and created only when
missing, so loading twice creates nothing and never overwrites what a demo user changed in between.
Existing rows are read in one query per model and new ones inserted in bulk, so that a load
takes well under two seconds. Attendance is drawn from a seeded generator, the same on every
database. Texts are in `coordination_data`.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import transaction
from django.utils import timezone

from passerelle.coordination.models import (
    ActionPoint,
    Attendance,
    Body,
    BodyMembership,
    Decision,
    EngagementRisk,
    Meeting,
    RiskReview,
    Training,
)
from passerelle.directory.models import ThematicArea
from passerelle.geography.models import Area

from . import clock
from .coordination_data import (
    BODIES,
    BODY_NAMES_EN,
    MEETINGS,
    MEMBERSHIPS,
    REVIEWS,
    RISKS,
    TRAININGS,
)

SEED = 2013 + 9
TRAINING_RECORDER = "unhcr.im_officer"  # the cluster's IM officer keeps the mapping


def _day(value, today: dt.date) -> dt.date:
    """A written-out date of the story, in the present (clock.py), or a number of days from
    today."""
    return clock.shift(value) if isinstance(value, dt.date) else today + dt.timedelta(days=value)


def _user(users, username):
    return users[username] if username else None


def load_bodies(orgs, areas) -> tuple[dict, int]:
    themes = {t.code: t for t in ThematicArea.objects.all()}
    bodies = {b.acronym: b for b in Body.objects.filter(acronym__in=[r["acronym"] for r in BODIES])}
    created = 0
    for row in BODIES:
        if row["acronym"] in bodies:
            continue
        bodies[row["acronym"]] = Body.objects.create(
            acronym=row["acronym"],
            name=row["name"],
            name_en=BODY_NAMES_EN.get(row["acronym"], ""),
            kind=row["kind"],
            parent=bodies[row["parent"]] if row.get("parent") else None,
            thematic_area=themes[row["theme"]] if row.get("theme") else None,
            place=areas[row["place"]],
            chair=orgs[row["chair"]],
            co_chair=orgs[row["co_chair"]] if row.get("co_chair") else None,
            terms=row.get("terms", ""),
            frequency=row.get("frequency", ""),
        )
        created += 1
    return bodies, created


def load_risks(orgs, users, bodies, today) -> tuple[dict, dict]:
    owners = [orgs[row["org"]] for row in RISKS]
    existing = {
        (r.organisation_id, r.title): r
        for r in EngagementRisk.objects.filter(organisation__in=owners)
    }
    risks, done = {}, {"risks": 0, "reviews": 0}
    for row in RISKS:
        risk = existing.get((orgs[row["org"]].pk, row["title"]))
        if risk is None:
            risk = EngagementRisk.objects.create(
                organisation=orgs[row["org"]],
                title=row["title"],
                description=row["description"],
                principle=row["principle"],
                body=bodies[row["body"]] if row["body"] else None,
                likelihood=row["likelihood"],
                impact=row["impact"],
                mitigation=row["mitigation"],
                owner_user=_user(users, row["owner"]),
                review_every_days=row["every"],
                next_review=_day(row["next_review"], today),
                status=row["status"],
            )
            risk.shared_with.set([orgs[a] for a in row["shared_with"]])
            done["risks"] += 1
        risks[row["key"]] = risk
    # Matched on the note, not the date: the dates move with the day the demo is loaded.
    reviewed = set(
        RiskReview.objects.filter(risk__in=list(risks.values())).values_list("risk_id", "note")
    )
    new = [
        RiskReview(
            risk=risks[key],
            reviewed_on=clock.shift(reviewed_on),
            reviewed_by=_user(users, reviewer),
            likelihood=likelihood,
            impact=impact,
            note=note,
        )
        for key, reviewed_on, reviewer, likelihood, impact, note in REVIEWS
        if (risks[key].pk, note) not in reviewed
    ]
    RiskReview.objects.bulk_create(new)
    done["reviews"] = len(new)
    return risks, done


def load_memberships(orgs, bodies, risks) -> int:
    existing = set(
        BodyMembership.objects.filter(body__in=list(bodies.values())).values_list(
            "body_id", "organisation_id"
        )
    )
    new = [
        BodyMembership(
            body=bodies[acronym],
            organisation=orgs[org],
            status=status,
            since=clock.shift(since),
            risk=risks[risk_key] if risk_key else None,
            note=note,
        )
        for acronym, rows in MEMBERSHIPS.items()
        for org, status, since, risk_key, note in rows
        if (bodies[acronym].pk, orgs[org].pk) not in existing
    ]
    BodyMembership.objects.bulk_create(new)
    return len(new)


def _attendance_draw(rng, body, members, held_on) -> list[tuple]:
    """(organisation, status, people) for the chairs and the members of the day: drawn for
    every meeting, whether or not it exists yet, so the draws never shift."""
    chairs = [o for o in (body.chair, body.co_chair) if o is not None]
    rows = [(org, "present", rng.randint(1, 3)) for org in chairs]
    for membership in members:
        if not membership.is_current(held_on):
            continue
        roll = rng.random()
        status = "present" if roll < 0.78 else "apologies" if roll < 0.92 else "absent"
        rows.append((membership.organisation, status, rng.randint(1, 2)))
    return rows


def load_meetings(orgs, users, bodies, today, rng) -> dict:
    done = {"meetings": 0, "attendance": 0, "decisions": 0, "action_points": 0}
    body_list = list(bodies.values())
    members: dict[int, list] = {}
    memberships = BodyMembership.objects.filter(body__in=body_list).select_related("organisation")
    for m in sorted(memberships, key=lambda m: m.organisation.acronym):
        members.setdefault(m.body_id, []).append(m)
    meetings = {(m.body_id, m.title): m for m in Meeting.objects.filter(body__in=body_list)}
    ids = [m.pk for m in meetings.values()]
    attended = set(
        Attendance.objects.filter(meeting_id__in=ids).values_list("meeting_id", "organisation_id")
    )
    decided = set(Decision.objects.filter(meeting_id__in=ids).values_list("meeting_id", "order"))
    actions = set(ActionPoint.objects.filter(body__in=body_list).values_list("body_id", "text"))
    new_attendance, new_decisions, new_actions = [], [], []
    for row in MEETINGS:
        body = bodies[row["body"]]
        meeting = meetings.get((body.pk, row["title"]))
        if meeting is None:
            meeting = Meeting.objects.create(
                body=body,
                title=row["title"],
                held_on=_day(row["held_on"], today),
                place=body.place,
                summary=row["summary"],
                recorded_by=_user(users, row["recorded_by"]),
            )
            done["meetings"] += 1
        held_on = meeting.held_on  # a recent meeting loaded earlier keeps its day
        for org, status, people in _attendance_draw(rng, body, members.get(body.pk, []), held_on):
            if (meeting.pk, org.pk) not in attended:
                new_attendance.append(
                    Attendance(meeting=meeting, organisation=org, status=status, people=people)
                )
        for order, text in enumerate(row["decisions"]):
            if (meeting.pk, order) not in decided:
                new_decisions.append(Decision(meeting=meeting, order=order, text=text))
        for text, owner, owner_user, due, status, done_after in row["actions"]:
            if (body.pk, text) in actions:
                continue
            new_actions.append(
                ActionPoint(
                    body=body,
                    meeting=meeting,
                    text=text,
                    owner=orgs[owner],
                    owner_user=_user(users, owner_user),
                    due_on=held_on + dt.timedelta(days=due),
                    status=status,
                    done_on=(
                        held_on + dt.timedelta(days=done_after) if done_after is not None else None
                    ),
                )
            )
    Attendance.objects.bulk_create(new_attendance)
    Decision.objects.bulk_create(new_decisions)
    ActionPoint.objects.bulk_create(new_actions)
    done["attendance"] = len(new_attendance)
    done["decisions"] = len(new_decisions)
    done["action_points"] = len(new_actions)
    return done


def load_trainings(orgs, users, areas) -> int:
    recorder = users.get(TRAINING_RECORDER)
    providers = {orgs[row[0]] for row in TRAININGS}
    # Matched on provider, title and place, not the dates (they move with the day of loading).
    existing = set(
        Training.objects.filter(provider__in=providers).values_list(
            "provider_id", "title", "area_id"
        )
    )
    new = []
    for row in TRAININGS:
        provider, title, topic, audience, pcode, starts_on, ends_on = row[:7]
        participants, women, language, note = row[7:]
        if (orgs[provider].pk, title, areas[pcode].pk) in existing:
            continue
        new.append(
            Training(
                provider=orgs[provider],
                title=title,
                starts_on=clock.shift(starts_on),
                topic=topic,
                audience=audience,
                area=areas[pcode],
                ends_on=clock.shift(ends_on),
                participants=participants,
                women=women,
                language=language,
                note=note,
                recorded_by=recorder,
            )
        )
    Training.objects.bulk_create(new)
    return len(new)


def load_coordination(orgs, users, seed: int = SEED) -> dict:
    """Bodies, memberships, engagement risks, meetings and trainings of the demo (idempotent);
    returns the counts of rows created and the time taken."""
    start = time.perf_counter()
    rng = random.Random(seed)
    today = timezone.localdate()
    areas = {a.pcode: a for a in Area.objects.filter(pcode__startswith="ML").only("id", "pcode")}
    with transaction.atomic():
        bodies, created = load_bodies(orgs, areas)
        result = {"bodies": created}
        risks, done = load_risks(orgs, users, bodies, today)
        result.update(done)
        result["memberships"] = load_memberships(orgs, bodies, risks)
        result.update(load_meetings(orgs, users, bodies, today, rng))
        result["trainings"] = load_trainings(orgs, users, areas)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result
