"""Every write on coordination bodies, memberships, meetings, action points and engagement
risk analyses: actor first, keyword-only, atomic, audited. Who reads what is decided by
`passerelle.policy.coordination`, never here.

The rule from the protection mission: a humanitarian organisation (UN agency, INGO, NNGO)
sits in a body of the mission, as member or observer, only guided by an engagement risk
analysis of its own that is not closed (risks to neutrality, impartiality and operational
independence, or to perceptions of them).
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle import policy
from passerelle.accounts.models import Membership
from passerelle.core import audit
from passerelle.core.errors import DomainError
from passerelle.core.models import Notification
from passerelle.core.notify import notify
from passerelle.policy import coordination as rules

from .models import (
    ActionPoint,
    Attendance,
    Body,
    BodyMembership,
    Decision,
    EngagementRisk,
    Meeting,
    Principle,
    RiskReview,
)

MESSAGES = {
    "coordination.action_assigned": _(
        "%(body)s: an action point was assigned to %(owner)s, due on %(due)s."
    ),
    "coordination.action_overdue": _(
        "%(body)s: an action point of %(owner)s was due on %(due)s and is still open."
    ),
    "coordination.risk_review_due": _(
        "An engagement risk analysis of %(org)s is due for review (since %(due)s)."
    ),
}

PLANNING_MARGIN = dt.timedelta(days=1)  # a meeting "today" in another time zone is not future


def _not_permitted(actor, action: str, message) -> DomainError:
    policy.audit_refusal(actor, action)
    return DomainError(message, code="not_permitted")


def _holders(organisation_id: int, action: str) -> list:
    """Active users holding `action` in the organisation."""
    return policy.holders(organisation_id, action)


def _belongs_to(user, organisation) -> bool:
    return Membership.objects.filter(
        user=user, organisation=organisation, active=True, user__is_active=True
    ).exists()


# --------------------------------------------------------------------------- bodies

BODY_FIELDS = ("name", "kind", "place", "chair", "co_chair", "parent", "thematic_area")
BODY_TEXT = ("terms", "frequency")


@audit.service
def save_body(
    actor,
    body: Body | None,
    *,
    name: str,
    acronym: str,
    kind: str,
    name_en: str = "",
    place,
    chair,
    co_chair=None,
    parent=None,
    thematic_area=None,
    terms: str = "",
    frequency: str = "",
    active: bool = True,
) -> Body:
    """Create or update a coordination body. A new body is chaired by an organisation where
    the actor holds `coordination.manage` (any organisation for `directory.manage` holders)."""
    allowed = rules.chairs_for(actor)
    allowed_ids = None if allowed is None else {o.pk for o in allowed}
    if body is None:
        if allowed_ids is not None and chair.pk not in allowed_ids:
            raise _not_permitted(
                actor,
                "coordination.manage",
                _("You may only create bodies chaired by your organisation."),
            )
    else:
        if not rules.may_manage_body(actor, body):
            raise _not_permitted(
                actor, "coordination.manage", _("You may not change %(body)s.") % {"body": body}
            )
        handed_over = chair.pk not in (body.chair_id, body.co_chair_id)
        if handed_over and allowed_ids is not None and chair.pk not in allowed_ids:
            raise DomainError(
                _("The chair can pass to the co-chair or to your own organisation only."),
                field="chair",
            )
    acronym = (acronym or "").strip()
    if not acronym or not (name or "").strip():
        raise DomainError(_("Give the body a name and a short name."), field="acronym")
    if kind not in Body.Kind.values:
        raise DomainError(_("Choose the kind of body."), field="kind")
    same = Body.objects.filter(acronym__iexact=acronym)
    if body is not None:
        same = same.exclude(pk=body.pk)
    if same.exists():
        raise DomainError(
            _("Another body is already called %(acronym)s.") % {"acronym": acronym},
            field="acronym",
        )
    if co_chair is not None and co_chair.pk == chair.pk:
        raise DomainError(_("The co-chair must be another organisation."), field="co_chair")
    if parent is not None and body is not None:
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk == body.pk:
                raise DomainError(_("A body cannot be part of itself."), field="parent")
            ancestor = ancestor.parent
    created = body is None
    if created:
        body = Body()
    body.name = name.strip()
    body.name_en = (name_en or "").strip()
    body.acronym = acronym
    body.kind = kind
    body.place = place
    body.chair = chair
    body.co_chair = co_chair
    body.parent = parent
    body.thematic_area = thematic_area
    body.terms = terms or ""
    body.frequency = frequency or ""
    body.active = active
    body.save()
    audit.record(
        actor,
        "coordination.body.create" if created else "coordination.body.update",
        body,
        organisation=chair,
        detail={"acronym": body.acronym, "kind": body.kind, "active": body.active},
    )
    return body


# --------------------------------------------------------------------------- memberships


def risk_required(body: Body, organisation) -> bool:
    """Must this organisation's participation in the body be guided by a risk analysis?"""
    return body.is_mission_body() and organisation.type in rules.HUMANITARIAN_TYPES


def analysis_for(body: Body, organisation):
    """The organisation's most recent analysis of its engagement in the body, not closed."""
    return (
        EngagementRisk.objects.filter(organisation=organisation, body=body)
        .exclude(status=EngagementRisk.Status.CLOSED)
        .order_by("-created_at", "-pk")
        .first()
    )


@audit.service
def set_membership(
    actor,
    body: Body,
    organisation,
    *,
    status: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    risk: EngagementRisk | None = None,
    note: str = "",
) -> BodyMembership:
    """Add an organisation to a body (member or observer) or change its membership.

    In a body of the mission, a humanitarian organisation needs a linked analysis of its own
    that is not closed. Without `risk`, the organisation's open analysis of its engagement in
    this body is linked (the chair need not read it: it is on record).
    """
    if not rules.may_manage_body(actor, body):
        raise _not_permitted(
            actor,
            "coordination.manage",
            _("You may not change the memberships of %(body)s.") % {"body": body},
        )
    if status not in BodyMembership.Status.values:
        raise DomainError(_("Choose member or observer."), field="status")
    if organisation.pk in (body.chair_id, body.co_chair_id):
        raise DomainError(
            _("%(org)s chairs %(body)s already.") % {"org": organisation, "body": body},
            field="organisation",
        )
    since = since or timezone.localdate()
    if until is not None and until < since:
        raise DomainError(_("A membership cannot end before it starts."), field="until")
    if risk is not None and (
        risk.organisation_id != organisation.pk or not rules.may_read_risk(actor, risk)
    ):
        raise DomainError(
            _("Link an engagement risk analysis of %(org)s itself.") % {"org": organisation},
            field="risk",
        )
    if risk_required(body, organisation):
        if risk is None:
            risk = analysis_for(body, organisation)
        if risk is None or risk.status == EngagementRisk.Status.CLOSED:
            raise DomainError(
                _(
                    "The participation of %(org)s in %(body)s must be guided by an engagement "
                    "risk analysis: %(org)s records its analysis of the risks to its neutrality, "
                    "impartiality and operational independence (or to perceptions of them) for "
                    "this body, and it must not be closed."
                )
                % {"org": organisation, "body": body},
                field="risk",
            )
    membership, created = BodyMembership.objects.update_or_create(
        body=body,
        organisation=organisation,
        defaults={
            "status": status,
            "since": since,
            "until": until,
            "risk": risk,
            "note": note or "",
        },
    )
    audit.record(
        actor,
        "coordination.membership.set",
        body,
        organisation=organisation,
        detail={
            "organisation": organisation.acronym,
            "status": status,
            "created": created,
            "risk_linked": risk is not None,
        },
    )
    return membership


@audit.service
def end_membership(actor, membership: BodyMembership, *, until: dt.date | None = None):
    """End a membership: by the body's managers, or by the organisation itself (withdrawing)."""
    body = membership.body
    if not policy.can(actor, "membership.end", membership):  # coordination/policy_rules.py
        raise _not_permitted(
            actor,
            "coordination.manage",
            _("You may not change the memberships of %(body)s.") % {"body": body},
        )
    until = until or timezone.localdate()
    if until < membership.since:
        raise DomainError(_("A membership cannot end before it starts."), field="until")
    membership.until = until
    membership.save(update_fields=["until"])
    audit.record(
        actor,
        "coordination.membership.end",
        body,
        organisation=membership.organisation,
        detail={"organisation": membership.organisation.acronym, "until": until},
    )
    return membership


# --------------------------------------------------------------------------- meetings


def _require_minutes(actor, body: Body) -> None:
    if not rules.may_keep_minutes(actor, body):
        raise _not_permitted(
            actor,
            "coordination.manage",
            _("You may not record the meetings of %(body)s.") % {"body": body},
        )


def _check_action_point(text, owner, due_on, owner_user, meeting=None) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Say what is to be done."), field="action_points")
    if owner is None:
        raise DomainError(_("Name the organisation responsible."), field="action_points")
    if due_on is None:
        raise DomainError(_("Give the action point a due date."), field="action_points")
    if meeting is not None and due_on < meeting.held_on:
        raise DomainError(
            _("An action point cannot be due before the meeting that agreed it."),
            field="action_points",
        )
    if owner_user is not None and not _belongs_to(owner_user, owner):
        raise DomainError(
            _("%(user)s does not work for %(org)s.")
            % {"user": owner_user.display_name, "org": owner},
            field="action_points",
        )
    return text


def _url_of_action_point(action_point: ActionPoint) -> str:
    if action_point.meeting_id:
        return reverse("coordination:meeting_detail", args=[action_point.meeting.public_id])
    return reverse("coordination:body_detail", args=[action_point.body.public_id])


def _action_point_recipients(action_point: ActionPoint) -> list:
    if action_point.owner_user_id and action_point.owner_user.is_active:
        return [action_point.owner_user]
    return _holders(action_point.owner_id, "coordination.manage")


def _action_point_params(action_point: ActionPoint) -> dict:
    return {
        "body": action_point.body.acronym,
        "owner": action_point.owner.acronym,
        "due": action_point.due_on.isoformat(),
    }


def _create_action_point(actor, body, *, text, owner, due_on, owner_user, meeting):
    text = _check_action_point(text, owner, due_on, owner_user, meeting)
    action_point = ActionPoint.objects.create(
        body=body,
        meeting=meeting,
        text=text,
        owner=owner,
        owner_user=owner_user,
        due_on=due_on,
    )
    notify(
        _action_point_recipients(action_point),
        "coordination.action_assigned",
        _action_point_params(action_point),
        url=_url_of_action_point(action_point),
    )
    audit.record(
        actor,
        "coordination.action.create",
        action_point,
        organisation=owner,
        detail={"body": body.acronym, "owner": owner.acronym, "due_on": due_on},
    )
    return action_point


@audit.service
def record_meeting(
    actor,
    body: Body,
    *,
    held_on: dt.date,
    place=None,
    title: str = "",
    summary: str = "",
    attendance=(),
    decisions=(),
    action_points=(),
) -> Meeting:
    """Record a meeting with its attendance, decisions and action points.

    `attendance` lists (organisation, status, people); `decisions` lists texts;
    `action_points` lists dicts (text, owner, due_on, owner_user). A meeting more than a day
    ahead is a planned one: it has no attendance, decisions or action points yet.
    """
    _require_minutes(actor, body)
    if held_on is None:
        raise DomainError(_("Give the date of the meeting."), field="held_on")
    attendance = list(attendance)
    decisions = [d.strip() for d in decisions if d and d.strip()]
    action_points = list(action_points)
    planned = held_on > timezone.localdate() + PLANNING_MARGIN
    if planned and (attendance or decisions or action_points):
        raise DomainError(
            _(
                "A meeting that has not taken place yet cannot have attendance, decisions or "
                "action points: record them after the meeting."
            ),
            field="held_on",
        )
    seen = set()
    for organisation, status, people in attendance:
        if organisation.pk in seen:
            raise DomainError(
                _("%(org)s is listed twice in the attendance.") % {"org": organisation},
                field="attendance",
            )
        seen.add(organisation.pk)
        if status not in Attendance.Status.values:
            raise DomainError(_("Choose present, apologies or absent."), field="attendance")
        if status == Attendance.Status.PRESENT and not people:
            raise DomainError(
                _("Say how many people of %(org)s were present.") % {"org": organisation},
                field="attendance",
            )
    meeting = Meeting.objects.create(
        body=body,
        held_on=held_on,
        place=place or body.place,
        title=title or "",
        summary=summary or "",
        recorded_by=actor,
    )
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            organisation=organisation,
            status=status,
            people=people if status == Attendance.Status.PRESENT else 0,
        )
        for organisation, status, people in attendance
    )
    Decision.objects.bulk_create(
        Decision(meeting=meeting, text=text, order=position)
        for position, text in enumerate(decisions, start=1)
    )
    for item in action_points:
        _create_action_point(
            actor,
            body,
            text=item.get("text"),
            owner=item.get("owner"),
            due_on=item.get("due_on"),
            owner_user=item.get("owner_user"),
            meeting=meeting,
        )
    audit.record(
        actor,
        "coordination.meeting.record",
        meeting,
        organisation=body.chair,
        detail={
            "body": body.acronym,
            "held_on": held_on,
            "attendance": len(attendance),
            "decisions": len(decisions),
            "action_points": len(action_points),
        },
    )
    return meeting


@audit.service
def add_action_point(
    actor,
    body: Body,
    *,
    text: str,
    owner,
    due_on: dt.date,
    owner_user=None,
    meeting: Meeting | None = None,
) -> ActionPoint:
    _require_minutes(actor, body)
    if meeting is not None and meeting.body_id != body.pk:
        raise DomainError(_("That meeting is not one of %(body)s.") % {"body": body})
    return _create_action_point(
        actor, body, text=text, owner=owner, due_on=due_on, owner_user=owner_user, meeting=meeting
    )


@audit.service
def update_action_point(
    actor,
    action_point: ActionPoint,
    *,
    status: str,
    note: str | None = None,
    done_on: dt.date | None = None,
) -> ActionPoint:
    """Follow an action point up: its owner organisation or the body's minute keepers."""
    if not rules.may_update_action_point(actor, action_point):
        raise _not_permitted(
            actor, "coordination.manage", _("You may not follow this action point up.")
        )
    if status not in ActionPoint.Status.values:
        raise DomainError(_("Choose a status."), field="status")
    today = timezone.localdate()
    if status == ActionPoint.Status.DONE:
        done_on = done_on or today
        if done_on > today:
            raise DomainError(_("An action cannot be done in the future."), field="done_on")
    else:
        done_on = None
    previous = action_point.status
    action_point.status = status
    action_point.done_on = done_on
    if note is not None:
        action_point.note = note
    action_point.save(update_fields=["status", "done_on", "note", "updated_at"])
    audit.record(
        actor,
        "coordination.action.update",
        action_point,
        organisation=action_point.owner,
        detail={"from": previous, "to": status, "done_on": done_on},
    )
    return action_point


def remind_overdue_action_points(today: dt.date | None = None) -> int:
    """Remind the owners of overdue action points, at most once a day per action point."""
    today = today or timezone.localdate()
    late = list(
        ActionPoint.objects.overdue(today)
        .exclude(reminded_on=today)
        .select_related("body", "owner", "owner_user", "meeting")
    )
    for action_point in late:
        notify(
            _action_point_recipients(action_point),
            "coordination.action_overdue",
            _action_point_params(action_point),
            url=_url_of_action_point(action_point),
        )
        ActionPoint.objects.filter(pk=action_point.pk).update(reminded_on=today)
    return len(late)


# --------------------------------------------------------------------------- risks


def _require_risk_manager(actor, organisation) -> None:
    if organisation.pk not in {o.pk for o in policy.organisations(actor, "risk.manage")}:
        raise _not_permitted(
            actor,
            "risk.manage",
            _("You may not keep the risk register of %(org)s.") % {"org": organisation},
        )


def _check_scale(likelihood, impact) -> None:
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if value is None or not 1 <= int(value) <= 5:
            raise DomainError(_("Rate likelihood and impact from 1 to 5."), field=name)


@audit.service
def save_risk(
    actor,
    risk: EngagementRisk | None,
    *,
    organisation,
    title: str,
    principle: str,
    likelihood: int,
    impact: int,
    description: str = "",
    body: Body | None = None,
    mitigation: str = "",
    owner_user=None,
    review_every_days: int = 90,
    next_review: dt.date | None = None,
    status: str = EngagementRisk.Status.OPEN,
    shared_with=(),
) -> EngagementRisk:
    """Record or revise an engagement risk analysis of one's organisation. The first review
    falls `review_every_days` after today unless a date is given."""
    _require_risk_manager(actor, organisation)
    if risk is not None and risk.organisation_id != organisation.pk:
        _require_risk_manager(actor, risk.organisation)
        raise DomainError(
            _("An analysis stays with the organisation that made it."), field="organisation"
        )
    if not (title or "").strip():
        raise DomainError(_("Name the risk."), field="title")
    if principle not in Principle.values:
        raise DomainError(_("Choose the principle at stake."), field="principle")
    _check_scale(likelihood, impact)
    if review_every_days is None or review_every_days < 7:
        raise DomainError(_("Review an analysis at least a week apart."), field="review_every_days")
    if status not in (EngagementRisk.Status.OPEN, EngagementRisk.Status.ACCEPTED):
        raise DomainError(_("Choose open or accepted with mitigation."), field="status")
    if owner_user is not None and not _belongs_to(owner_user, organisation):
        raise DomainError(
            _("%(user)s does not work for %(org)s.")
            % {"user": owner_user.display_name, "org": organisation},
            field="owner_user",
        )
    created = risk is None
    if created:
        risk = EngagementRisk(organisation=organisation)
        next_review = next_review or timezone.localdate() + dt.timedelta(days=review_every_days)
    risk.title = title.strip()
    risk.description = description or ""
    risk.principle = principle
    risk.body = body
    risk.likelihood = int(likelihood)
    risk.impact = int(impact)
    risk.mitigation = mitigation or ""
    risk.owner_user = owner_user
    risk.review_every_days = review_every_days
    if next_review is not None:
        risk.next_review = next_review
    risk.status = status
    risk.save()
    shared = [o for o in shared_with if o.pk != organisation.pk]
    risk.shared_with.set(shared)
    audit.record(
        actor,
        "risk.create" if created else "risk.update",
        risk,
        organisation=organisation,
        detail={
            "principle": principle,
            "score": risk.score,
            "status": status,
            "shared_with": sorted(o.acronym for o in shared),
        },
    )
    return risk


@audit.service
def review_risk(
    actor,
    risk: EngagementRisk,
    *,
    likelihood: int,
    impact: int,
    note: str = "",
    reviewed_on: dt.date | None = None,
) -> RiskReview:
    """Record a review: new likelihood and impact, next review `review_every_days` later."""
    _require_risk_manager(actor, risk.organisation)
    if risk.status == EngagementRisk.Status.CLOSED:
        raise DomainError(_("This analysis is closed."))
    _check_scale(likelihood, impact)
    today = timezone.localdate()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        raise DomainError(_("A review cannot be dated in the future."), field="reviewed_on")
    review = RiskReview.objects.create(
        risk=risk,
        reviewed_on=reviewed_on,
        reviewed_by=actor,
        likelihood=int(likelihood),
        impact=int(impact),
        note=note or "",
    )
    before = risk.score
    risk.likelihood = int(likelihood)
    risk.impact = int(impact)
    risk.next_review = reviewed_on + dt.timedelta(days=risk.review_every_days)
    risk.save(update_fields=["likelihood", "impact", "next_review", "updated_at"])
    audit.record(
        actor,
        "risk.review",
        risk,
        organisation=risk.organisation,
        detail={"before": before, "after": risk.score, "next_review": risk.next_review},
    )
    return review


def guided_memberships(risk: EngagementRisk):
    """Memberships in mission bodies that rely on this analysis: current or to come, and not
    ending today."""
    today = timezone.localdate()
    return [
        m
        for m in risk.memberships.select_related("body__chair", "organisation")
        if (m.until is None or m.until > today) and risk_required(m.body, m.organisation)
    ]


@audit.service
def close_risk(actor, risk: EngagementRisk, *, note: str = "") -> EngagementRisk:
    """Close an analysis (the last review records why). An analysis still guiding a current
    participation in a mission body cannot be closed: a newer one must be linked first, or
    the participation ended."""
    _require_risk_manager(actor, risk.organisation)
    if risk.status == EngagementRisk.Status.CLOSED:
        raise DomainError(_("This analysis is closed already."))
    guided = guided_memberships(risk)
    if guided:
        raise DomainError(
            _(
                "This analysis guides the participation of %(org)s in %(bodies)s: link a newer "
                "analysis to that membership, or end the participation, before closing it."
            )
            % {"org": risk.organisation, "bodies": ", ".join(m.body.acronym for m in guided)}
        )
    today = timezone.localdate()
    RiskReview.objects.create(
        risk=risk,
        reviewed_on=today,
        reviewed_by=actor,
        likelihood=risk.likelihood,
        impact=risk.impact,
        note=note or "",
    )
    risk.status = EngagementRisk.Status.CLOSED
    risk.save(update_fields=["status", "updated_at"])
    audit.record(actor, "risk.close", risk, organisation=risk.organisation, detail={})
    return risk


def remind_risk_reviews(today: dt.date | None = None) -> int:
    """Tell each due analysis's owner (or its organisation's `risk.manage` holders) that a
    review is due, at most once a day per analysis (the day is kept in the notification)."""
    today = today or timezone.localdate()
    day = today.isoformat()
    reminded = 0
    due = EngagementRisk.objects.review_due(today).select_related("organisation", "owner_user")
    for risk in due:
        url = reverse("coordination:risk_detail", args=[risk.public_id])
        if Notification.objects.filter(
            kind="coordination.risk_review_due", url=url, params__on=day
        ).exists():
            continue
        users = (
            [risk.owner_user]
            if risk.owner_user_id and risk.owner_user.is_active
            else _holders(risk.organisation_id, "risk.manage")
        )
        if not users:
            continue
        notify(
            users,
            "coordination.risk_review_due",
            {"org": risk.organisation.acronym, "due": risk.next_review.isoformat(), "on": day},
            url=url,
        )
        reminded += 1
    return reminded


def remind_action_points(today: dt.date | None = None) -> dict:
    """The daily coordination reminders (job and command `remind_action_points`): overdue
    action points and risk analyses due for review, each at most once a day."""
    return {
        "action_points": remind_overdue_action_points(today),
        "risk_reviews": remind_risk_reviews(today),
    }
