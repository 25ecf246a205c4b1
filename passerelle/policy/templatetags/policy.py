"""`{% can "incident.edit" incident as allowed %}` — templates ask the policy, never decide.

The object may be a record of any registered family (an incident, a referral, a request, a
body, a risk, a training...), an organisation (organisation-scoped actions), or nothing."""

from django import template

from passerelle.policy import gate

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action, obj=None):
    # An inclusion tag's template has a fresh context: its RequestContext still knows the request.
    request = context.get("request") or getattr(context, "request", None)
    user = getattr(request, "user", None) or context.get("user")
    return gate.can(user, action, obj)
