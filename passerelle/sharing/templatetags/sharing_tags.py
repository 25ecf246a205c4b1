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


@register.inclusion_tag("sharing/_home_governance.html", takes_context=True)
def governance_cards(context):
    """An organisation administrator's sharing work (one query each): draft protocols awaiting
    the signature of one of their organisations, break-glass accesses awaiting review."""
    from passerelle.sharing.models import BreakGlass, Protocol

    user = context["request"].user
    cards = {}
    signing = [o.pk for o in policy.organisations(user, "protocol.approve")]
    if signing:
        drafts = policy.scope(user, Protocol.objects.all(), "protocol.view").filter(
            status=Protocol.Status.DRAFT, parties__organisation_id__in=signing
        )
        cards["to_sign"] = drafts.exclude(approvals__organisation_id__in=signing).distinct().count()
    if policy.can(user, "breakglass.review"):
        cards["to_review"] = (
            policy.scope(user, BreakGlass.objects.all(), "breakglass.review")
            .filter(reviewed_at__isnull=True)
            .count()
        )
    return {"cards": cards if any(cards.values()) else None}
