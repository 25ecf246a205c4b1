"""`{% idle_timeout %}`: the idle timeout in seconds, for the warning of static/js/idle.js."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def idle_timeout() -> int:
    return int(settings.SESSION_IDLE_TIMEOUT)
