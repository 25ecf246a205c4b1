from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice

from passerelle import policy

from . import twofactor
from .forms import CodeForm, LoginForm
from .models import User


class LoginView(auth_views.LoginView):
    """Django's login, keeping the time of the login before this one: the home page shows
    what changed since the user's previous visit."""

    def form_valid(self, form):
        user = form.get_user()
        previous = user.last_login
        response = super().form_valid(form)
        if previous is not None:
            User.objects.filter(pk=user.pk).update(previous_login=previous)
            user.previous_login = previous
        return response


login = policy.public(
    LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )
)
logout = policy.public(auth_views.LogoutView.as_view())

# Two-factor pages: open to any member (every role holds dashboard.view).
MEMBER = "dashboard.view"


def _next(request) -> str:
    raw = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    return twofactor.safe_next(request, raw, reverse(settings.LOGIN_REDIRECT_URL))


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def _wrong_code(request, form, step: str):
    """Count a wrong code; past the limit, log out. Returns a response or None."""
    failures = twofactor.count_failure(request, step)
    left = settings.OTP_MAX_FAILURES - failures
    if left <= 0:
        twofactor.record(request.user, "auth.2fa_logout", outcome="refused", failures=failures)
        auth_logout(request)
        messages.error(request, _("Too many wrong codes: you have been logged out."))
        return redirect(settings.LOGIN_URL)
    form.add_error(
        "code",
        ngettext(
            "This code is not right (%(left)d attempt left before you are logged out).",
            "This code is not right (%(left)d attempts left before you are logged out).",
            left,
        )
        % {"left": left},
    )
    return None


THROTTLED = gettext_lazy("Too many wrong codes in a row: wait a few seconds, then try again.")


@policy.permission(MEMBER)
@never_cache
def otp_setup(request):
    """Add an authenticator app: QR code and secret, first code, then the backup codes."""
    user, next_url = request.user, _next(request)
    if twofactor.totp_device(user) is not None:
        if user.is_verified():
            return redirect("accounts:otp_manage")
        return redirect(_with_next("accounts:otp_verify", next_url))
    device = twofactor.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.is_throttled(device):
            form.add_error("code", THROTTLED)
        elif twofactor.confirm(request, device, form.cleaned_data["code"]):
            codes = twofactor.new_backup_codes(user)
            return render(
                request, "accounts/otp_backup_codes.html", {"codes": codes, "next": next_url}
            )
        else:
            form.add_error(
                "code",
                _(
                    "This code is not right. Check that your phone's clock is on time, then "
                    "enter the code shown now."
                ),
            )
    context = {
        "form": form,
        "next": next_url,
        "qr": twofactor.qr_svg(device.config_url),
        "secret": twofactor.base32_secret(device),
        "required": twofactor.needs_two_factor(user),
    }
    return render(request, "accounts/otp_setup.html", context)


@policy.permission(MEMBER)
@never_cache
def otp_verify(request):
    """Enter a code from the authenticator app (or a backup code) for this session."""
    user, next_url = request.user, _next(request)
    if user.is_verified():
        return redirect(next_url)
    if twofactor.totp_device(user) is None:
        return redirect(_with_next("accounts:otp_setup", next_url))
    form = CodeForm(request.POST or None, backup_allowed=True)
    if request.method == "POST" and form.is_valid():
        device, throttled = twofactor.check_code(user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            request.session.pop(twofactor.FAILURES_KEY, None)
            if isinstance(device, StaticDevice):
                left = twofactor.backup_codes_left(user)
                twofactor.record(user, "auth.2fa_backup_code_used", remaining=left)
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code; %(left)d code left. Each code works only once.",
                        "You used a backup code; %(left)d codes left. Each code works only once.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(next_url)
        if throttled:
            form.add_error("code", THROTTLED)
        else:
            response = _wrong_code(request, form, "verify")
            if response is not None:
                return response
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


@policy.permission(MEMBER)
@never_cache
def otp_manage(request):
    """The user's two-factor page: status, backup codes left, reset with a current code."""
    user = request.user
    device = twofactor.totp_device(user)
    form = CodeForm(request.POST or None, backup_allowed=True)
    form.fields["code"].widget.attrs.pop("autofocus", None)  # not the point of this page
    if request.method == "POST" and device is not None and form.is_valid():
        accepted, throttled = twofactor.check_code(user, form.cleaned_data["code"])
        if accepted is not None:
            twofactor.reset(request)
            messages.success(
                request,
                _("Two-factor authentication was reset: set up your authenticator app again."),
            )
            return redirect("accounts:otp_setup")
        if throttled:
            form.add_error("code", THROTTLED)
        else:
            response = _wrong_code(request, form, "reset")
            if response is not None:
                return response
    context = {
        "form": form,
        "device": device,
        "required": twofactor.needs_two_factor(user),
        "backup_left": twofactor.backup_codes_left(user) if device else 0,
    }
    return render(request, "accounts/otp_manage.html", context)
