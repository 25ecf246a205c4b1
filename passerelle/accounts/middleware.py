"""Idle timeout (settings.SESSION_IDLE_TIMEOUT) and the two-factor requirement."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

KEY = "passerelle_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(KEY, now)
            if now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("Your session ended after a period of inactivity."))
                return redirect(settings.LOGIN_URL)
            request.session[KEY] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Send a user whose roles need 2FA to set it up or enter a code before anything else."""

    EXEMPT = frozenset(
        {
            "accounts:otp_setup",
            "accounts:otp_verify",
            "accounts:login",
            "accounts:logout",
            "set_language",
            "core:set_language",
            "core:health",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from . import twofactor

        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.EXEMPT:
            return None
        prefixes = tuple(p for p in (settings.STATIC_URL, settings.MEDIA_URL) if p and p != "/")
        if prefixes and request.path.startswith(prefixes):
            return None
        # Required of the roles that need it, and of anyone who has set it up anyway.
        needs, has_device = twofactor.status(user)
        if not (needs or has_device):
            return None
        name = "accounts:otp_verify" if has_device else "accounts:otp_setup"
        if request.headers.get("HX-Request") == "true":
            current = request.headers.get("HX-Current-URL", "")
            here = twofactor.path_of(current) if current else ""
            here = twofactor.safe_next(request, here, reverse("core:home"))
        else:
            here = request.get_full_path()
        url = f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: here})}"
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
