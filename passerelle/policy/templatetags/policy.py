"""`{% can "incident.edit" incident as allowed %}` — templates ask the policy, never decide."""

from django import template

from passerelle.policy import gate

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action, obj=None):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return gate.can(user, action, obj)
