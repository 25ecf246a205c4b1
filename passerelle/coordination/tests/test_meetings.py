"""Meetings with attendance, decisions and action points; the follow-up of action points,
overdue ones and the daily reminders; the meeting pages."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from passerelle.coordination import services
from passerelle.coordination.models import ActionPoint, Attendance, Meeting
from passerelle.core.errors import DomainError
from passerelle.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def cluster(make_body, un_agency, org, other_org, make_membership, hubs):
    """The Mopti cluster: UNHCR chairs, DRC is a member, AMSS observes."""
    body = make_body("PC-MOPTI", un_agency, place=hubs["mopti"])
    make_membership(body, org, status="member")
    make_membership(body, other_org, status="observer")
    return body


@pytest.fixture
def chair(un_agency, user_with_role):
    return user_with_role("focal_point", un_agency, username="unhcr.mopti")


@pytest.fixture
def drc_fp(org, user_with_role):
    return user_with_role("focal_point", org, username="drc.fp")


def record(chair, cluster, **changes):
    values = {
        "held_on": today() - DAY,
        "title": "Réunion mensuelle",
        "summary": "Retours à Konna; accès humanitaire.",
        "attendance": [],
        "decisions": [],
        "action_points": [],
    }
    values.update(changes)
    return services.record_meeting(chair, cluster, **values)


def test_a_meeting_is_recorded_with_attendance_decisions_and_action_points(
    chair, cluster, org, other_org, un_agency, drc_fp
):
    meeting = record(
        chair,
        cluster,
        attendance=[(un_agency, "present", 2), (org, "present", 1), (other_org, "apologies", 3)],
        decisions=["Adopt the referral pathway for Mopti", "  ", "Ask OCHA for access data"],
        action_points=[
            {"text": "Share the pathway", "owner": org, "owner_user": drc_fp, "due_on": today()},
            {"text": "Map the services", "owner": other_org, "due_on": today() + 7 * DAY},
        ],
    )
    assert meeting.place == cluster.place and meeting.recorded_by == chair
    assert {(a.organisation.acronym, a.status, a.people) for a in meeting.attendance.all()} == {
        ("UNHCR", "present", 2),
        ("DRC", "present", 1),
        ("AMSS", "apologies", 0),
    }
    assert [d.text for d in meeting.decisions.all()] == [
        "Adopt the referral pathway for Mopti",
        "Ask OCHA for access data",
    ]
    assert meeting.action_points.count() == 2
    event = AuditEvent.objects.get(action="coordination.meeting.record")
    assert event.detail["decisions"] == 2 and event.detail["action_points"] == 2


def test_an_action_point_is_notified_to_the_person_named_or_to_the_organisations_managers(
    chair, cluster, org, other_org, drc_fp, user_with_role
):
    amss_admin = user_with_role("org_admin", other_org)
    user_with_role("viewer", other_org)  # reads, does not manage: not told
    record(
        chair,
        cluster,
        action_points=[
            {"text": "A", "owner": org, "owner_user": drc_fp, "due_on": today()},
            {"text": "B", "owner": other_org, "due_on": today()},
        ],
    )
    assigned = Notification.objects.filter(kind="coordination.action_assigned")
    assert {n.recipient for n in assigned} == {drc_fp, amss_admin}
    assert assigned.get(recipient=amss_admin).params == {
        "body": "PC-MOPTI",
        "owner": "AMSS",
        "due": today().isoformat(),
    }


def test_a_planned_meeting_has_no_attendance_yet(chair, cluster, org):
    planned = record(chair, cluster, held_on=today() + 10 * DAY)
    assert planned.attendance.count() == 0
    with pytest.raises(DomainError) as refused:
        record(chair, cluster, held_on=today() + 10 * DAY, attendance=[(org, "present", 1)])
    assert refused.value.field == "held_on"
    tomorrow = record(chair, cluster, held_on=today() + DAY, attendance=[(org, "present", 1)])
    assert tomorrow.attendance.count() == 1  # another time zone's today


def test_attendance_lists_an_organisation_once(chair, cluster, org):
    with pytest.raises(DomainError):
        record(chair, cluster, attendance=[(org, "present", 1), (org, "absent", 0)])
    assert not Meeting.objects.exists()


def test_an_action_point_is_due_after_the_meeting_and_owned_by_someone_of_the_organisation(
    chair, cluster, org, other_org, drc_fp
):
    with pytest.raises(DomainError):
        record(
            chair,
            cluster,
            action_points=[{"text": "Late", "owner": org, "due_on": today() - 5 * DAY}],
        )
    with pytest.raises(DomainError):
        record(
            chair,
            cluster,
            action_points=[
                {"text": "X", "owner": other_org, "owner_user": drc_fp, "due_on": today()}
            ],
        )
    assert not ActionPoint.objects.exists() and not Meeting.objects.exists()


def test_a_member_does_not_keep_the_minutes(cluster, drc_fp):
    with pytest.raises(DomainError):
        record(drc_fp, cluster)
    assert AuditEvent.objects.filter(action="access.refused", actor=drc_fp).exists()


# --------------------------------------------------------------------------- follow-up


@pytest.fixture
def action_point(chair, cluster, org):
    meeting = record(
        chair,
        cluster,
        action_points=[{"text": "Share the pathway", "owner": org, "due_on": today()}],
    )
    return meeting.action_points.get()


def test_the_owner_marks_an_action_point_done_today_by_default(action_point, drc_fp):
    services.update_action_point(drc_fp, action_point, status="done", note="Sent to all members")
    action_point.refresh_from_db()
    assert action_point.status == "done" and action_point.done_on == today()
    assert action_point.note == "Sent to all members"


def test_an_action_cannot_be_done_in_the_future_and_reopening_clears_the_date(action_point, drc_fp):
    with pytest.raises(DomainError) as refused:
        services.update_action_point(drc_fp, action_point, status="done", done_on=today() + DAY)
    assert refused.value.field == "done_on"
    services.update_action_point(drc_fp, action_point, status="done", done_on=today() - DAY)
    services.update_action_point(drc_fp, action_point, status="in_progress")
    action_point.refresh_from_db()
    assert action_point.done_on is None and action_point.status == "in_progress"


def test_another_member_may_not_update_someone_elses_action_point(
    action_point, other_org, user_with_role
):
    amss = user_with_role("org_admin", other_org)
    with pytest.raises(DomainError):
        services.update_action_point(amss, action_point, status="dropped")
    action_point.refresh_from_db()
    assert action_point.status == "open"


def test_overdue_means_still_open_after_the_due_date(action_point, drc_fp):
    tomorrow = today() + DAY
    assert not action_point.is_overdue() and action_point.is_overdue(tomorrow)
    assert list(ActionPoint.objects.overdue(tomorrow)) == [action_point]
    services.update_action_point(drc_fp, action_point, status="done")
    assert not ActionPoint.objects.overdue(tomorrow).exists()


def test_reminders_go_once_a_day_per_overdue_action_point(action_point, drc_fp, chair, cluster):
    services.add_action_point(
        chair, cluster, text="Not late", owner=action_point.owner, due_on=today() + 9 * DAY
    )
    later = today() + 2 * DAY
    assert services.remind_overdue_action_points(later) == 1
    assert services.remind_overdue_action_points(later) == 0
    assert services.remind_overdue_action_points(later + DAY) == 1
    reminders = Notification.objects.filter(kind="coordination.action_overdue")
    assert {n.recipient for n in reminders} == {drc_fp}
    assert reminders.count() == 2


def test_the_daily_command_prints_its_counts(action_point, org, drc_fp, make_risk):
    ActionPoint.objects.filter(pk=action_point.pk).update(due_on=today() - 3 * DAY)
    make_risk(org, next_review=today())
    out = StringIO()
    call_command("remind_action_points", stdout=out)
    assert "1 overdue action point(s) reminded." in out.getvalue()
    assert "1 risk review(s) due reminded." in out.getvalue()
    out = StringIO()
    call_command("remind_action_points", stdout=out)
    assert "0 overdue action point(s)" in out.getvalue()
    assert "0 risk review(s)" in out.getvalue()


# --------------------------------------------------------------------------- pages


def rows_of(response):
    return [row["ap"] for row in response.context["rows"]]


def test_the_follow_up_list_filters_and_sorts_by_due_date(
    chair, cluster, org, other_org, un_agency, make_body, drc_fp, client_for
):
    late = services.add_action_point(chair, cluster, text="Late", owner=org, due_on=today() + DAY)
    ActionPoint.objects.filter(pk=late.pk).update(due_on=today() - 4 * DAY)
    soon = services.add_action_point(chair, cluster, text="Soon", owner=other_org, due_on=today())
    done = services.add_action_point(chair, cluster, text="Done", owner=org, due_on=today())
    services.update_action_point(chair, done, status="done")
    elsewhere = make_body("PC-GAO", un_agency)
    hidden = services.add_action_point(
        chair, elsewhere, text="Elsewhere", owner=un_agency, due_on=today()
    )
    client = client_for(drc_fp)
    url = reverse("coordination:action_points")
    pending = rows_of(client.get(url))
    assert [ap.text for ap in pending] == ["Late", "Soon"]  # open, by due date
    assert hidden not in pending  # DRC does not sit in PC-GAO
    assert rows_of(client.get(url, {"overdue": "on"})) == [ActionPoint.objects.get(pk=late.pk)]
    assert rows_of(client.get(url, {"owner": other_org.pk})) == [soon]
    assert rows_of(client.get(url, {"status": "done"})) == [done]
    assert len(rows_of(client.get(url, {"status": "all", "body": cluster.pk}))) == 3
    page = client.get(url).content.decode()
    assert 'class="late"' in page


def test_meeting_form_is_prefilled_with_the_members_and_records_the_meeting(
    chair, cluster, org, other_org, client_for
):
    client = client_for(chair)
    url = reverse("coordination:meeting_create", args=[cluster.public_id])
    page = client.get(url)
    assert page.status_code == 200
    prefilled = [f.initial.get("organisation") for f in page.context["attendance"].forms]
    assert prefilled == [cluster.chair_id, other_org.pk, org.pk, None, None]  # + 2 guests
    data = {
        "held_on": today().isoformat(),
        "title": "Réunion",
        "summary": "",
        "attendance-TOTAL_FORMS": "3",
        "attendance-INITIAL_FORMS": "3",
        "attendance-0-organisation": cluster.chair_id,
        "attendance-0-status": "present",
        "attendance-0-people": "2",
        "attendance-1-organisation": org.pk,
        "attendance-1-status": "absent",
        "attendance-2-organisation": other_org.pk,  # no status: not recorded
        "decisions-TOTAL_FORMS": "2",
        "decisions-INITIAL_FORMS": "0",
        "decisions-0-text": "Adopt the pathway",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-text": "Circulate the minutes",
        "actions-0-owner": cluster.chair_id,
        "actions-0-due_on": (today() + 3 * DAY).isoformat(),
    }
    response = client.post(url, data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert set(meeting.attendance.values_list("organisation_id", "status")) == {
        (cluster.chair_id, Attendance.Status.PRESENT),
        (org.pk, Attendance.Status.ABSENT),
    }
    assert meeting.decisions.get().text == "Adopt the pathway"
    assert meeting.action_points.get().owner_id == cluster.chair_id


def test_a_refused_meeting_says_why_on_the_form(chair, cluster, org, client_for):
    response = client_for(chair).post(
        reverse("coordination:meeting_create", args=[cluster.public_id]),
        {
            "held_on": (today() + 30 * DAY).isoformat(),
            "attendance-TOTAL_FORMS": "1",
            "attendance-INITIAL_FORMS": "1",
            "attendance-0-organisation": org.pk,
            "attendance-0-status": "present",
            "decisions-TOTAL_FORMS": "0",
            "decisions-INITIAL_FORMS": "0",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "has not taken place yet" in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_meeting_page_is_read_by_members_and_hidden_from_outsiders(
    action_point, drc_fp, mission, user_with_role, client_for
):
    url = reverse("coordination:meeting_detail", args=[action_point.meeting.public_id])
    page = client_for(drc_fp).get(url)
    assert page.status_code == 200 and "Share the pathway" in page.content.decode()
    outsider = user_with_role("org_admin", mission)
    assert client_for(outsider).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="access.refused", actor=outsider).exists()


def test_the_owner_follows_an_action_point_up_from_the_page(action_point, drc_fp, client_for):
    prefix = f"ap{action_point.pk}"
    response = client_for(drc_fp).post(
        reverse("coordination:action_point_update", args=[action_point.public_id]),
        {f"{prefix}-status": "done", f"{prefix}-note": "Circulated"},
    )
    assert response.status_code == 302
    action_point.refresh_from_db()
    assert action_point.status == "done" and action_point.note == "Circulated"


def test_the_overview_counts_my_open_and_overdue_action_points_and_reviews_due(
    action_point, drc_fp, org, make_risk, client_for
):
    ActionPoint.objects.filter(pk=action_point.pk).update(due_on=today() - DAY)
    make_risk(org, title="Due now", next_review=today())
    response = client_for(drc_fp).get(reverse("coordination:index"))
    assert response.status_code == 200
    assert response.context["open_mine_count"] == 1
    assert response.context["overdue_mine"] == 1
    assert [r.title for r in response.context["risks_due"]] == ["Due now"]
    places = {
        place.name: [b.acronym for b in bodies] for place, bodies in response.context["by_place"]
    }
    assert places == {"Mopti": ["PC-MOPTI"]}
    page = response.content.decode()
    assert "Share the pathway" in page and "Due now" in page
