"""Two-factor authentication (TOTP, django-otp): who needs it, devices, QR codes, audit."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlsplit

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passerelle.core import audit
from passerelle.core.params import local_path
from passerelle.policy.roles import ROLES

from .models import Membership, User

# Roles that must use two-factor authentication besides every role of level 3 or 4:
# system administrators control users, memberships and therefore everything.
ALSO_REQUIRED = frozenset({"system_admin"})
REQUIRED_LEVEL = 3
FAILURES_KEY = "passerelle_otp_failures"


def roles_needing_two_factor() -> frozenset[str]:
    return (
        frozenset(name for name, role in ROLES.items() if role.level >= REQUIRED_LEVEL)
        | ALSO_REQUIRED
    )


def needs_two_factor(user) -> bool:
    """True when one of the user's active memberships has a role that requires 2FA."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.memberships.filter(
        active=True, organisation__active=True, role__in=roles_needing_two_factor()
    ).exists()


def status(user) -> tuple[bool, bool]:
    """(needs two factors, has a confirmed TOTP device), in one query."""
    needs = Membership.objects.filter(
        user=OuterRef("pk"),
        active=True,
        organisation__active=True,
        role__in=roles_needing_two_factor(),
    )
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    row = (
        User.objects.filter(pk=user.pk, is_active=True)
        .values_list(Exists(needs), Exists(devices))
        .first()
    )
    return (bool(row[0]), bool(row[1])) if row else (False, False)


def totp_device(user, confirmed: bool | None = True) -> TOTPDevice | None:
    qs = TOTPDevice.objects.devices_for_user(user, confirmed=confirmed)
    return qs.order_by("-pk").first()


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed device (created once, so reloading keeps the same secret)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps expect it for manual entry (groups of four)."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(text: str) -> str:
    """An inline SVG QR code of `text` (no image library, no style attribute)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(border=4, error_correction=ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="qr" role="img" '
        'aria-label="{}" shape-rendering="crispEdges"><rect width="100%" height="100%" '
        'fill="#fff"/><path fill="#000" d="{}"/></svg>',
        size,
        size,
        "QR code",
        "".join(parts),
    )


@transaction.atomic
def new_backup_codes(user, count: int | None = None) -> list[str]:
    """Replace the user's backup codes by `count` new single-use ones; returns them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(count or settings.OTP_STATIC_TOKENS)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_throttled(device) -> bool:
    """django-otp's back-off after failures (1, 2, 4... seconds) is still running."""
    return device is not None and not device.verify_is_allowed()[0]


def check_code(user, code: str):
    """(device, throttled): the device that accepts `code` — the TOTP device for six
    digits, the backup codes otherwise — or None; throttled when the back-off refused."""
    code = "".join(code.split()).lower()
    if not code:
        return None, False
    if code.isdigit() and len(code) == 6:
        devices = [totp_device(user)]
    else:
        devices = list(StaticDevice.objects.devices_for_user(user, confirmed=True))
    throttled = False
    for device in devices:
        if device is None:
            continue
        throttled = throttled or is_throttled(device)
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified, False
    return None, throttled


def confirm(request, device: TOTPDevice, code: str) -> bool:
    """Confirm a pending device with its first code; log the session in with it."""
    code = "".join(code.split())
    if not (code.isdigit() and device.verify_token(code)):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    django_otp.login(request, device)
    request.session.pop(FAILURES_KEY, None)
    record(request.user, "auth.2fa_setup")
    return True


def reset(request) -> None:
    """Remove every device of the user and forget the session's verification."""
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    user.otp_device = None
    record(user, "auth.2fa_reset")


def count_failure(request, step: str) -> int:
    """Count and audit one wrong code in this session; returns the number so far."""
    failures = request.session.get(FAILURES_KEY, 0) + 1
    request.session[FAILURES_KEY] = failures
    record(request.user, "auth.2fa_failed", outcome="refused", step=step, failures=failures)
    return failures


def record(user, action: str, outcome: str = "ok", **detail) -> None:
    """Audit a 2FA event under the user's first organisation (never a code or a secret)."""
    membership = user.memberships.filter(active=True).order_by("pk").first()
    audit.record(
        user,
        action,
        organisation=membership.organisation if membership else None,
        outcome=outcome,
        detail=detail,
    )


def safe_next(request, url: str | None, default: str) -> str:
    """`url` when it is a path on this site, else `default` (core.params.local_path: not
    another site, not a bare word `redirect` would take for a view name)."""
    url = local_path(url, "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
