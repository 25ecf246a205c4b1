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
        "may_refer": policy.can(user, "referral.create", person.incident),
    }
