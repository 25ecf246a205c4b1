"""What partners shared with the user's organisations, on the home dashboard
(`{% shares_received_card %}`): read through the policy (`received_disclosures`)."""

from django import template
from django.db.models import Count, Q

from passerelle import policy

register = template.Library()


@register.inclusion_tag("sharing/_home_card.html", takes_context=True)
def shares_received_card(context):
    """Records shared with the user's organisations and in effect now, and how many arrived
    since the user's previous login (one query). Nothing for a user who may open no incident
    or whose organisations received nothing."""
    user = context["request"].user
    if not policy.can(user, "incident.view"):
        return {"card": None}
    since = getattr(user, "previous_login", None)
    figures = {"live": Count("pk")}
    if since is not None:
        figures["new"] = Count("pk", filter=Q(created_at__gt=since))
    card = policy.received_disclosures(user).order_by().aggregate(**figures)
    return {"card": card if card["live"] else None}
