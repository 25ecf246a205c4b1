"""Idle timeout (settings.SESSION_IDLE_TIMEOUT) and the two-factor requirement."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from passerelle.core import held

KEY = "passerelle_last_seen"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class IdleTimeoutMiddleware:
    """End a session idle for SESSION_IDLE_TIMEOUT seconds. A form sent at that moment is not
    lost: it is kept encrypted for the same user (core/held.py) and offered again after the
    login. The pages warn before the timeout (static/js/idle.js, accounts:keep_alive)."""

    # Not forms of typed work: signing out, the keep-alive, the language, a kept form's own
    # page, and the two-factor pages (a one-time code is worth nothing later).
    NOT_HELD = frozenset(
        {
            "accounts:logout",
            "accounts:keep_alive",
            "accounts:held",
            "accounts:otp_manage",
            "accounts:otp_setup",
            "accounts:otp_verify",
            "api_tokens:list",  # its form holds a two-factor code: never kept
            "set_language",
            "core:set_language",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(KEY, now)
            if now - last > settings.SESSION_IDLE_TIMEOUT:
                return self._end(request)
            request.session[KEY] = now
            if request.method == "POST" and request.content_type in (URLENCODED, MULTIPART):
                if public_id := request.POST.get(held.MARK):
                    held.resent(request.user, public_id)
        return self.get_response(request)

    def _end(self, request):
        kept = self._hold(request)
        logout(request)
        messages.info(request, _("Your session ended after a period of inactivity."))
        if kept is None:
            return redirect(settings.LOGIN_URL)
        messages.warning(
            request,
            _(
                "What you were sending was kept, encrypted, for two hours: sign in again to "
                "send it or to discard it."
            ),
        )
        here = reverse("accounts:held", kwargs={"public_id": kept.public_id})
        url = f"{reverse(settings.LOGIN_URL)}?{urlencode({REDIRECT_FIELD_NAME: here})}"
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)

    def _hold(self, request):
        """Keep a form sent with a valid CSRF token (never a cross-site one) to a page."""
        if request.method != "POST" or request.content_type not in (URLENCODED, MULTIPART):
            return None
        if request.headers.get("HX-Request") == "true":  # a partial, not a page's form
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name in self.NOT_HELD:
            return None
        if CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None:
            return None
        fields = [(k, v) for k in request.POST for v in request.POST.getlist(k)]
        files = sum(len(request.FILES.getlist(k)) for k in request.FILES)
        return held.hold_submission(
            request.user, path=request.get_full_path(), fields=fields, files_dropped=files
        )


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
