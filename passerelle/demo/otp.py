"""Two-factor authentication for the demo accounts: one published TOTP secret.

Every demo user whose role needs two-factor authentication gets a confirmed TOTP device
with the same secret, DEMO_TOTP_SECRET: add it to an authenticator app once, or run
`make demo-code` (`manage.py demo_code`) to print the current code. Demo data only:
refused when settings.PRODUCTION is true.
"""

from __future__ import annotations

import time
from base64 import b32decode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from passerelle.accounts.twofactor import needs_two_factor, roles_needing_two_factor

# Published with the demo password: anyone may log in to the demo. Never used in production.
DEMO_TOTP_SECRET = "PASSERELLEDEMOMALITWENTYTHIRTEEN"  # noqa: S105  (base32, 20 bytes)
DEVICE_NAME = "demo"


def refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "The demo two-factor secret is public: it is refused in production."
        )


def demo_key_hex() -> str:
    return b32decode(DEMO_TOTP_SECRET).hex()


def demo_code(at: float | None = None) -> str:
    """The demo secret's six-digit code now (or at the Unix time `at`)."""
    clock = TOTP(bytes.fromhex(demo_key_hex()))
    clock.time = time.time() if at is None else at
    return f"{clock.token():06d}"


def usernames_needing_code(users) -> set[str]:
    """Of (username, acronym, role) rows, the usernames whose role needs a code."""
    needing = roles_needing_two_factor()
    return {username for username, _acronym, role in users if role in needing}


@transaction.atomic
def ensure_demo_devices(users) -> int:
    """Give each demo user who needs two factors the demo device (idempotent).

    A user who has set up their own authenticator since is left alone. Returns the number
    of devices created."""
    refuse_in_production()
    key, created = demo_key_hex(), 0
    for user in users:
        if not needs_two_factor(user):
            continue
        mine = TOTPDevice.objects.filter(user=user, confirmed=True)
        demo = mine.filter(name=DEVICE_NAME).first()
        if demo is not None:
            if demo.key != key:
                demo.key = key
                demo.save(update_fields=["key"])
        elif not mine.exists():
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True)
            created += 1
    return created
