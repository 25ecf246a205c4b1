"""The requests register on other pages: the home dashboard's cards (`{% request_cards %}`)
and the colour of a request's status."""

from __future__ import annotations

import datetime as dt

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from passerelle import policy
from passerelle.inforequests.models import Request, RequestQuerySet
from passerelle.policy.inforequests import scope_requests

register = template.Library()

# The status badges share the referrals' colours (static/css/passerelle.css).
STATUS_CLASSES = {
    Request.Status.OPEN: "referral-sent",
    Request.Status.ACKNOWLEDGED: "referral-acknowledged",
    Request.Status.ANSWERED: "referral-provided",
    Request.Status.DECLINED: "referral-declined",
    Request.Status.CLOSED: "referral-closed",
}


@register.filter
def request_status_class(status: str) -> str:
    return f"request-{status} {STATUS_CLASSES.get(status, '')}".strip()


@register.inclusion_tag("inforequests/_home_cards.html", takes_context=True)
def request_cards(context):
    """The home dashboard's request figures (one query): requests waiting for an answer (to
    the user's organisation if they answer requests, else from it), overdue ones on either
    side, answers given or received in the last seven days, what arrived since the user's
    previous login (requests to answer, or answers to their requests), and the next few
    requests to answer by due date. Nothing when every figure is zero."""
    user = context["request"].user
    may_answer = policy.can(user, "request.answer")
    may_ask = policy.can(user, "request.create")
    if not (may_answer or may_ask):
        return {"cards": {}}
    received = scope_requests(user, box="received")
    made = scope_requests(user, box="made")
    waiting_box = received if may_answer else made
    pending = Q(status__in=RequestQuerySet.OPEN)
    figures = {
        "waiting": Count("pk", filter=pending & Q(pk__in=waiting_box.values("pk"))),
        "overdue": Count("pk", filter=pending & Q(due_on__lt=timezone.localdate())),
        "answered": Count("pk", filter=Q(answered_at__gte=timezone.now() - dt.timedelta(days=7))),
    }
    since = getattr(user, "previous_login", None)
    if since is not None:
        new = Q(created_at__gt=since) if may_answer else Q(answered_at__gt=since)
        figures["new"] = Count("pk", filter=new & Q(pk__in=waiting_box.values("pk")))
    cards = (made | received).aggregate(**figures)
    if not any(cards.values()):
        return {"cards": {}}  # nothing waits, nothing moved: no cards at zero
    if may_answer and cards["waiting"]:
        cards["next"] = list(
            waiting_box.filter(pending).select_related("asker").order_by("due_on", "pk")[:5]
        )
    # the template asks `{% can "request.answer" %}` itself, for the request's user
    return {"cards": cards, "request": context["request"], "today": timezone.localdate()}
