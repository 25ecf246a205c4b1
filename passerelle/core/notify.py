"""Notify users, in their own language, on the site and by e-mail.

Messages are stored as a kind and parameters, and rendered with the reader's language
when shown: no personal data in the parameters (references, acronyms, dates only).
"""

from __future__ import annotations

import contextlib
import contextvars

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Notification

# kind -> message (with %(name)s parameters)
MESSAGES = {
    "disclosure.received": _(
        "%(owner)s shared incident %(reference)s with your organisation at level %(level)s "
        "for %(purpose)s."
    ),
    "disclosure.revoked": _(
        "Incident %(reference)s shared by %(owner)s is no longer available to you: %(reason)s."
    ),
    "protocol.suspended": _(
        "Protocol %(protocol)s was suspended: records shared under it are no longer available."
    ),
    "protocol.expired": _(
        "Protocol %(protocol)s has expired: records shared under it are no longer available."
    ),
    "protocol.approval_needed": _("Protocol %(protocol)s awaits your organisation's approval."),
    "protocol.activated": _("Protocol %(protocol)s is now in force."),
    "breakglass.used": _(
        "%(user)s used break-glass access on incident %(reference)s; please review it."
    ),
}


# parameter name -> choices class whose label is shown (registered by the apps that own them)
LABELS: dict = {}


def render(kind: str, params: dict) -> str:
    template = MESSAGES.get(kind)
    if template is None:
        return kind
    shown = {}
    for key, value in params.items():
        choices = LABELS.get(key)
        try:
            shown[key] = str(choices(value).label) if choices else value
        except ValueError:
            shown[key] = value
    try:
        return str(template) % shown
    except (KeyError, TypeError, ValueError):
        return str(template)


_muted = contextvars.ContextVar("passerelle_mail_muted", default=False)


@contextlib.contextmanager
def mail_muted():
    """Store notifications but send no e-mail (loading demonstration data)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def notify(users, kind: str, params: dict | None = None, url: str = "") -> int:
    """Store a notification for each user and e-mail those with an address."""
    params = params or {}
    muted = _muted.get()
    sent = 0
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        Notification.objects.create(recipient=user, kind=kind, params=params, url=url)
        if user.email and not muted:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                text = render(kind, params)
                send_mail(
                    subject=f"[Passerelle] {text[:80]}",
                    message=text + ("\n\n" + url if url else ""),
                    from_email=None,
                    recipient_list=[user.email],
                    fail_silently=True,
                )
        sent += 1
    return sent


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
