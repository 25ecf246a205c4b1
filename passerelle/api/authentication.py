"""Who an API request acts as: a personal token (`Authorization: Bearer pas_…`), or the
browser's session (the docs page). Either way the user then meets the policy as the pages'
user does, two-factor verification included (docs/api.md "Two-factor authentication")."""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.middleware import is_verified
from rest_framework import authentication, exceptions

from passerelle.accounts import twofactor

from .models import ApiToken, digest

KEYWORDS = ("bearer", "token")
LAST_USED_EVERY = dt.timedelta(minutes=1)  # last_used_at written at most once a minute


def verify_as_token(user, token: ApiToken) -> None:
    """Give the token's user the two-factor state django-otp gives a session's user
    (`otp_device`, `is_verified()`), which the policy reads (`policy.gate.ceiling`): verified
    only when the token was created verified and the user still has a confirmed device."""
    device = twofactor.totp_device(user) if token.two_factor_verified else None
    user.otp_device = device
    user.is_verified = functools.partial(is_verified, user)


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give one token after the keyword."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from exc
        token = (
            ApiToken.objects.usable().select_related("user").filter(key_hash=digest(key)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        verify_as_token(user, token)
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser (django-otp's middleware has set its two-factor state)."""
