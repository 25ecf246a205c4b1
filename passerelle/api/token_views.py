"""The user's own API tokens: list, create (the key shown once), revoke. Every member may
keep tokens; a token acts as its user, through the policy (docs/api.md)."""

from __future__ import annotations

import datetime as dt

import django_otp
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from passerelle import policy
from passerelle.accounts import twofactor
from passerelle.core import audit
from passerelle.core.errors import DomainError, add_to_form

from . import services
from .forms import TokenForm
from .models import ApiToken

TWO_FACTOR_MINUTES = 10
# The session key under which a new token's key waits for its one display (server-side
# session: the key is never in a URL or a cookie); popped by the list page that shows it.
SHOWN_ONCE = "api_token_created"


def recently_verified(request) -> bool:
    """Was this session verified with two factors in the last `TWO_FACTOR_MINUTES`
    (`API_TOKEN_TWO_FACTOR_MINUTES`)? The device's last use is the moment of its last
    verification."""
    user = request.user
    if not user.is_verified():
        return False
    used = getattr(user.otp_device, "last_used_at", None)
    minutes = getattr(settings, "API_TOKEN_TWO_FACTOR_MINUTES", TWO_FACTOR_MINUTES)
    return used is not None and timezone.now() - used <= dt.timedelta(minutes=minutes)


@never_cache
@policy.permission("dashboard.view")
def tokens(request):
    """POST-redirect-GET: a created token's key is kept in the server-side session for one
    display and the browser is redirected to the list, so a reload re-sends nothing."""
    user = request.user
    form = TokenForm(request.POST or None)
    created = key = None
    has_device = twofactor.totp_device(user) is not None
    if request.method == "POST" and form.is_valid():
        verified = False
        code = form.cleaned_data["code"].strip()
        if code and has_device:
            device, throttled = twofactor.check_code(user, code)
            if device is not None:
                django_otp.login(request, device)
                verified = True
            else:
                form.add_error("code", _("This code is not right."))
                twofactor.count_failure(request, "api_token")
        elif code:
            form.add_error("code", _("Set up two-factor authentication first."))
        else:
            verified = has_device and recently_verified(request)
        if not form.errors:
            try:
                created, key = services.create_token(
                    user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    two_factor_verified=verified,
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                request.session[SHOWN_ONCE] = {"public_id": str(created.public_id), "key": key}
                return redirect("api_tokens:list")
    if request.method == "GET":
        waiting = request.session.pop(SHOWN_ONCE, None)
        if waiting:
            created = ApiToken.objects.filter(user=user, public_id=waiting["public_id"]).first()
            key = waiting["key"] if created is not None else None
    listed = ApiToken.objects.filter(user=user)
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": listed,
            "created": created,
            "key": key,
            "has_device": has_device,
            "now": timezone.now(),
        },
    )


@require_POST
@policy.permission("dashboard.view")
def token_revoke(request, public_id):
    """Revoke one of one's own tokens; another user's is answered as a missing one (404),
    the refusal audited."""
    token = ApiToken.objects.filter(public_id=public_id, user=request.user).first()
    if token is None:
        policy.refuse_404(
            request.user,
            "api.token_revoke",
            organisation=audit.home_organisation(request.user),
            reason="not the user's token",
        )
    services.revoke_token(request.user, token)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("api_tokens:list")
