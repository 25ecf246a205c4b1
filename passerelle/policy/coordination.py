"""The policy for coordination: who reads which body, meeting, action point and risk analysis.

- Bodies and their memberships are directory data: every holder of `coordination.view`.
- Meetings (attendance, decisions) and action points are read by the users (holding
  `coordination.view`) of the organisations that sit in the body today: a current member or
  observer, the chair or the co-chair. An action point is also read by its owner organisation.
- A body is managed (edited, memberships) by `coordination.manage` holders of its chair or
  co-chair, and by `directory.manage` holders (the cluster's IM officer). Minutes (meetings,
  action points) are kept by a manager who also reads the body's meetings.
- An engagement risk analysis is read by the `risk.manage` holders of its organisation and of
  the organisations it is explicitly shared with, and written by its organisation only. A
  mission never reads a humanitarian organisation's analysis unless it was shared with it.
- A training is recorded, changed or deleted by `coordination.manage` holders of its provider,
  and by `directory.manage` holders; every `coordination.view` holder reads it.

Each rule below is written once, as a `Rule` whose SQL condition and Python test sit side by
side; the coordination app registers the families (coordination/policy_rules.py), and the
functions here are the short names views and services use for them.

Outsiders get the same 404 as for a missing record, and the refusal is audited.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import Http404

from passerelle.core.periods import current_q

from .gate import _model, can, organisations
from .gate import refuse_404 as _refuse_404
from .registry import At, Holds, In, Match

HUMANITARIAN_TYPES = ("un_agency", "ingo", "nngo")
MISSION_TYPES = ("mission", "mission_component")


def _ids(user, action: str) -> set[int]:
    return {o.pk for o in organisations(user, action)}


def _orgs(action: str):
    return lambda user: _ids(user, action)


def refuse_404(user, obj, action: str, organisation) -> None:
    """Audit the refusal and answer as for a missing record."""
    _refuse_404(user, action, obj, organisation=organisation)


# --------------------------------------------------------------------------- the rules


def sitting_condition(org_ids, on: dt.date | None = None, prefix: str = "") -> Q:
    """Bodies (at `prefix`) in which one of these organisations sits on `on`: a current member
    or observer, the chair or the co-chair."""
    current = (
        _model("coordination.BodyMembership")
        .objects.filter(organisation_id__in=org_ids)
        .filter(current_q(on))
    )
    return (
        Q(**{f"{prefix}chair_id__in": org_ids})
        | Q(**{f"{prefix}co_chair_id__in": org_ids})
        | Q(**{f"{prefix}pk__in": current.values("body_id")})
    )


def _sits_q(user, prefix):
    ids = _ids(user, "coordination.view")
    return sitting_condition(ids, prefix=prefix) if ids else None


def _sits_test(user, body):
    ids = _ids(user, "coordination.view")
    if not ids:
        return False
    if body.chair_id in ids or body.co_chair_id in ids:
        return True
    return any(m.organisation_id in ids and m.is_current() for m in body.memberships.all())


# A body in which one of the user's organisations sits today (its meetings are theirs to read).
SITS = Match(_sits_q, _sits_test)
# Edit a body and its memberships.
MANAGES_BODY = (
    Holds("directory.manage")
    | In("chair_id", _orgs("coordination.manage"))
    | In("co_chair_id", _orgs("coordination.manage"))
)
KEEPS_MINUTES = MANAGES_BODY & SITS

BODY_RULES = {
    "coordination.view": Holds("coordination.view"),
    "coordination.manage": MANAGES_BODY,
    "coordination.read_meetings": SITS,
    "coordination.keep_minutes": KEEPS_MINUTES,
}
MEETING_RULES = {
    "coordination.view": At("body", SITS),
    "coordination.manage": At("body", KEEPS_MINUTES),
}
ACTION_POINT_RULES = {
    "coordination.view": In("owner_id", _orgs("coordination.view")) | At("body", SITS),
    "coordination.manage": In("owner_id", _orgs("coordination.manage")) | At("body", KEEPS_MINUTES),
}


def _shared_risk_q(user, prefix):
    ids = _ids(user, "risk.manage")
    if not ids:
        return None
    through = _model("coordination.EngagementRisk").shared_with.through
    shared = through.objects.filter(organisation_id__in=ids)
    return Q(**{f"{prefix}pk__in": shared.values("engagementrisk_id")})


def _shared_risk_test(user, risk):
    ids = _ids(user, "risk.manage")
    return any(o.pk in ids for o in risk.shared_with.all())


OWNS_RISK = In("organisation_id", _orgs("risk.manage"))
RISK_RULES = {
    "risk.view": OWNS_RISK | Match(_shared_risk_q, _shared_risk_test),
    "risk.manage": OWNS_RISK,
}
TRAINING_RULES = {
    "coordination.view": Holds("coordination.view"),
    "coordination.manage": Holds("directory.manage")
    | In("provider_id", _orgs("coordination.manage")),
}


# --------------------------------------------------------------------------- bodies


def may_view(user) -> bool:
    return can(user, "coordination.view")


def scope_bodies(user, queryset):
    """Bodies (and their memberships) are read by every holder of `coordination.view`."""
    return queryset if may_view(user) else queryset.none()


def get_body_or_404(user, public_id):
    body = (
        _model("coordination.Body")
        .objects.select_related("chair", "co_chair", "place", "parent")
        .filter(public_id=public_id)
    )
    body = scope_bodies(user, body).first()
    if body is None:
        raise Http404
    return body


def sits_in(user, body, on: dt.date | None = None) -> bool:
    """Does one of the user's organisations (with `coordination.view`) sit in the body?"""
    if on is None:
        return SITS.test(user, body)
    ids = _ids(user, "coordination.view")
    if not ids:
        return False
    if body.chair_id in ids or body.co_chair_id in ids:
        return True
    return any(m.organisation_id in ids and m.is_current(on) for m in body.memberships.all())


def may_read_meetings(user, body) -> bool:
    return SITS.test(user, body)


def readable_bodies(user, queryset=None):
    """Bodies whose meetings and action points the user reads."""
    queryset = _model("coordination.Body").objects.all() if queryset is None else queryset
    condition = SITS.q(user)
    return queryset.none() if condition is None else queryset.filter(condition)


def may_manage_body(user, body) -> bool:
    """Edit the body and its memberships: the chair's or co-chair's `coordination.manage`
    holders, or a `directory.manage` holder."""
    return MANAGES_BODY.test(user, body)


def may_keep_minutes(user, body) -> bool:
    """Record meetings and action points: a manager of the body who reads its meetings."""
    return KEEPS_MINUTES.test(user, body)


def may_create_body(user) -> bool:
    return can(user, "coordination.manage") or can(user, "directory.manage")


def chairs_for(user):
    """Organisations the user may name as chair of a new body (None: any organisation)."""
    if can(user, "directory.manage"):
        return None
    return organisations(user, "coordination.manage")


# --------------------------------------------------------------------------- meetings


def scope_meetings(user, queryset):
    """Meetings of the bodies the user's organisations sit in."""
    condition = MEETING_RULES["coordination.view"].q(user)
    return queryset.none() if condition is None else queryset.filter(condition)


def get_meeting_or_404(user, public_id):
    meeting = (
        _model("coordination.Meeting")
        .objects.select_related("body__chair", "body__co_chair", "place", "recorded_by")
        .filter(public_id=public_id)
        .first()
    )
    if meeting is None:
        raise Http404
    if not may_read_meetings(user, meeting.body):
        refuse_404(user, meeting, "coordination.view", meeting.body.chair)
    return meeting


# --------------------------------------------------------------------------- action points


def scope_action_points(user, queryset):
    """Action points of the bodies the user's organisations sit in, and those they own."""
    condition = ACTION_POINT_RULES["coordination.view"].q(user)
    return queryset.none() if condition is None else queryset.filter(condition)


def may_read_action_point(user, action_point) -> bool:
    return ACTION_POINT_RULES["coordination.view"].test(user, action_point)


def may_update_action_point(user, action_point) -> bool:
    """The owner organisation's `coordination.manage` holders, or the body's minute keepers."""
    return ACTION_POINT_RULES["coordination.manage"].test(user, action_point)


def get_action_point_or_404(user, public_id):
    action_point = (
        _model("coordination.ActionPoint")
        .objects.select_related("body__chair", "body__co_chair", "owner", "meeting")
        .filter(public_id=public_id)
        .first()
    )
    if action_point is None:
        raise Http404
    if not may_read_action_point(user, action_point):
        refuse_404(user, action_point, "coordination.view", action_point.body.chair)
    return action_point


# --------------------------------------------------------------------------- risks


def scope_risks(user, queryset):
    """Analyses of the user's organisations (`risk.manage`) and those shared with them."""
    condition = RISK_RULES["risk.view"].q(user)
    return queryset.none() if condition is None else queryset.filter(condition)


def may_read_risk(user, risk) -> bool:
    return RISK_RULES["risk.view"].test(user, risk)


def may_manage_risk(user, risk) -> bool:
    return RISK_RULES["risk.manage"].test(user, risk)


def get_risk_or_404(user, public_id):
    risk = (
        _model("coordination.EngagementRisk")
        .objects.select_related("organisation", "body", "owner_user")
        .filter(public_id=public_id)
        .first()
    )
    if risk is None:
        raise Http404
    if not may_read_risk(user, risk):
        refuse_404(user, risk, "risk.manage", risk.organisation)
    return risk


def readable_risk_ids(user, risk_ids) -> set[int]:
    """Which of these analyses the user may read (one query, for lists)."""
    ids = [pk for pk in risk_ids if pk is not None]
    if not ids:
        return set()
    risks = _model("coordination.EngagementRisk").objects.filter(pk__in=ids)
    return set(scope_risks(user, risks).values_list("pk", flat=True))
