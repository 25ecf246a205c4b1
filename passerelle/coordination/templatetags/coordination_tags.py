"""The action points the user's organisations owe, on the home dashboard
(`{% action_point_cards %}`): read through the policy (`scope_action_points`)."""

import datetime as dt

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from passerelle import policy
from passerelle.coordination.models import ActionPoint
from passerelle.policy import coordination as rules

register = template.Library()

SOON = dt.timedelta(days=7)


@register.inclusion_tag("coordination/_home_cards.html", takes_context=True)
def action_point_cards(context):
    """Open action points owned by the user's organisations: overdue, due within a week (one
    query), and the next few. Nothing when they owe none."""
    user = context["request"].user
    if not policy.can(user, "coordination.view"):
        return {"cards": None}
    today = timezone.localdate()
    mine = [o.pk for o in policy.organisations(user, "coordination.view")]
    owed = rules.scope_action_points(user, ActionPoint.objects.all()).pending()
    owed = owed.filter(owner_id__in=mine)
    cards = owed.order_by().aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=today + SOON)),
    )
    if not cards["open"]:
        return {"cards": None}
    cards["next"] = list(owed.select_related("body").order_by("due_on", "pk")[:5])
    return {"cards": cards, "today": today}
