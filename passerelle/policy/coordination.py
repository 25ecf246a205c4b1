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

Outsiders get the same 404 as for a missing record, and the refusal is audited.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import Http404

from passerelle.core import audit
from passerelle.core.periods import current_q

from .gate import can, organisations

HUMANITARIAN_TYPES = ("un_agency", "ingo", "nngo")
MISSION_TYPES = ("mission", "mission_component")


def _ids(user, action: str) -> set[int]:
    return {o.pk for o in organisations(user, action)}


def refuse_404(user, obj, action: str, organisation) -> None:
    """Audit the refusal and answer as for a missing record."""
    audit.record_refusal(
        user if getattr(user, "is_authenticated", False) else None,
        "access.refused",
        obj,
        organisation=organisation,
        outcome="refused",
        detail={"action": action, "reason": "not permitted"},
    )
    raise Http404


# --------------------------------------------------------------------------- bodies


def may_view(user) -> bool:
    return can(user, "coordination.view")


def scope_bodies(user, queryset):
    """Bodies (and their memberships) are read by every holder of `coordination.view`."""
    return queryset if may_view(user) else queryset.none()


def get_body_or_404(user, public_id):
    from passerelle.coordination.models import Body

    body = Body.objects.select_related("chair", "co_chair", "place", "parent").filter(
        public_id=public_id
    )
    body = scope_bodies(user, body).first()
    if body is None:
        raise Http404
    return body


def sitting_condition(org_ids, on: dt.date | None = None, prefix: str = "") -> Q:
    """Bodies (at `prefix`) in which one of these organisations sits on `on`: a current member
    or observer, the chair or the co-chair."""
    from passerelle.coordination.models import BodyMembership

    current = BodyMembership.objects.filter(organisation_id__in=org_ids).filter(current_q(on))
    return (
        Q(**{f"{prefix}chair_id__in": org_ids})
        | Q(**{f"{prefix}co_chair_id__in": org_ids})
        | Q(**{f"{prefix}pk__in": current.values("body_id")})
    )


def sits_in(user, body, on: dt.date | None = None) -> bool:
    """Does one of the user's organisations (with `coordination.view`) sit in the body?"""
    ids = _ids(user, "coordination.view")
    if not ids:
        return False
    if body.chair_id in ids or body.co_chair_id in ids:
        return True
    return any(m.organisation_id in ids and m.is_current(on) for m in body.memberships.all())


def may_read_meetings(user, body) -> bool:
    return sits_in(user, body)


def readable_bodies(user, queryset=None):
    """Bodies whose meetings and action points the user reads."""
    from passerelle.coordination.models import Body

    queryset = Body.objects.all() if queryset is None else queryset
    ids = _ids(user, "coordination.view")
    if not ids:
        return queryset.none()
    return queryset.filter(sitting_condition(ids))


def may_manage_body(user, body) -> bool:
    """Edit the body and its memberships: the chair's or co-chair's `coordination.manage`
    holders, or a `directory.manage` holder."""
    if can(user, "directory.manage"):
        return True
    ids = _ids(user, "coordination.manage")
    return body.chair_id in ids or (body.co_chair_id is not None and body.co_chair_id in ids)


def may_keep_minutes(user, body) -> bool:
    """Record meetings and action points: a manager of the body who reads its meetings."""
    return may_manage_body(user, body) and may_read_meetings(user, body)


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
    ids = _ids(user, "coordination.view")
    if not ids:
        return queryset.none()
    return queryset.filter(sitting_condition(ids, prefix="body__"))


def get_meeting_or_404(user, public_id):
    from passerelle.coordination.models import Meeting

    meeting = (
        Meeting.objects.select_related("body__chair", "body__co_chair", "place", "recorded_by")
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
    ids = _ids(user, "coordination.view")
    if not ids:
        return queryset.none()
    return queryset.filter(sitting_condition(ids, prefix="body__") | Q(owner_id__in=ids))


def may_read_action_point(user, action_point) -> bool:
    ids = _ids(user, "coordination.view")
    return action_point.owner_id in ids or may_read_meetings(user, action_point.body)


def may_update_action_point(user, action_point) -> bool:
    """The owner organisation's `coordination.manage` holders, or the body's minute keepers."""
    if action_point.owner_id in _ids(user, "coordination.manage"):
        return True
    return may_keep_minutes(user, action_point.body)


def get_action_point_or_404(user, public_id):
    from passerelle.coordination.models import ActionPoint

    action_point = (
        ActionPoint.objects.select_related("body__chair", "body__co_chair", "owner", "meeting")
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
    ids = _ids(user, "risk.manage")
    if not ids:
        return queryset.none()
    from passerelle.coordination.models import EngagementRisk

    shared = EngagementRisk.shared_with.through.objects.filter(organisation_id__in=ids)
    return queryset.filter(
        Q(organisation_id__in=ids) | Q(pk__in=shared.values("engagementrisk_id"))
    )


def may_read_risk(user, risk) -> bool:
    ids = _ids(user, "risk.manage")
    if not ids:
        return False
    if risk.organisation_id in ids:
        return True
    return any(o.pk in ids for o in risk.shared_with.all())


def may_manage_risk(user, risk) -> bool:
    return risk.organisation_id in _ids(user, "risk.manage")


def get_risk_or_404(user, public_id):
    from passerelle.coordination.models import EngagementRisk

    risk = (
        EngagementRisk.objects.select_related("organisation", "body", "owner_user")
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
    from passerelle.coordination.models import EngagementRisk

    ids = [pk for pk in risk_ids if pk is not None]
    if not ids:
        return set()
    return set(
        scope_risks(user, EngagementRisk.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
