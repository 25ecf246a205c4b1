"""The needs and referrals of a person, shown on the person's page (incidents knows nothing of
referrals; its template asks this tag)."""

from django import template

from passerelle import policy
from passerelle.referrals.forms import NeedForm
from passerelle.referrals.models import Need, Referral

register = template.Library()


@register.inclusion_tag("referrals/_person_referrals.html", takes_context=True)
def person_referrals(context, person):
    user = context["request"].user
    needs = policy.needs_scope(user, Need.objects.filter(person=person))
    referrals = policy.scope_referrals(user, Referral.objects.filter(person=person), "sent")
    return {
        "person": person,
        "needs": needs,
        "referrals": referrals.select_related("service", "provider"),
        "need_form": NeedForm() if policy.can(user, "person.edit", person) else None,
        "request": context["request"],  # the template asks `{% can "referral.create" %}`
    }


@register.inclusion_tag("referrals/_home_cards.html", takes_context=True)
def referral_cards(context):
    """The home dashboard's referral figures (one query): what awaits the user's answer (and
    how much of it arrived since their previous login), what they sent that is still open,
    and what is overdue on either side. Nothing when every figure is zero."""
    from django.db.models import Count, Q
    from django.utils import timezone

    user = context["request"].user
    boxes = {}
    if policy.can(user, "referral.respond"):
        boxes["received"] = policy.scope_referrals(user, Referral.objects.all(), "received")
    if policy.can(user, "referral.create"):
        boxes["sent"] = policy.scope_referrals(user, Referral.objects.all(), "sent")
    if not boxes:
        return {"cards": {}}
    mine = None
    for box in boxes.values():
        mine = box if mine is None else mine | box
    figures = {
        "overdue": Count(
            "pk",
            filter=Q(
                follow_up_due__lt=timezone.localdate(),
                status__in=(*Referral.OPEN, Referral.Status.PROVIDED),
            ),
        )
    }
    if "received" in boxes:
        awaiting = Q(status__in=("sent", "acknowledged"), pk__in=boxes["received"].values("pk"))
        figures["awaiting"] = Count("pk", filter=awaiting)
        since = getattr(user, "previous_login", None)
        if since is not None:
            figures["new"] = Count("pk", filter=awaiting & Q(created_at__gt=since))
    if "sent" in boxes:
        figures["open_sent"] = Count(
            "pk", filter=Q(status__in=Referral.OPEN, pk__in=boxes["sent"].values("pk"))
        )
    cards = mine.aggregate(**figures)
    return {"cards": cards if any(cards.values()) else {}}
