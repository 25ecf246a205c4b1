"""Creating and revoking API tokens: actor first, atomic, audited."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle.core import audit
from passerelle.core.errors import DomainError

from .models import PREFIX_LENGTH, ApiToken, digest

KEY_START = "pas_"


def new_key() -> str:
    """`pas_` and 43 URL-safe characters (256 random bits); its first characters after
    `pas_` are the prefix shown in lists."""
    return KEY_START + secrets.token_urlsafe(32)


@audit.service
def create_token(
    actor, *, name: str, days: int | None = None, two_factor_verified: bool = False
) -> tuple[ApiToken, str]:
    """Create a token for the actor; returns it and its key, which is never stored nor shown
    again (only its hash is kept)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise DomainError(
            _("A token lasts from 1 to %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS},
            field="days",
        )
    key = new_key()
    token = ApiToken.objects.create(
        user=actor,
        name=name[:80],
        prefix=key[len(KEY_START) :][:PREFIX_LENGTH],
        key_hash=digest(key),
        two_factor_verified=two_factor_verified,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit.record(
        actor,
        "api.token_create",
        token,
        organisation=audit.home_organisation(actor),
        detail={
            "prefix": token.prefix,
            "days": days,
            "two_factor_verified": two_factor_verified,
        },
    )
    return token, key


@audit.service
def revoke_token(actor, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens (at once: the next request with it is refused)."""
    if token.user_id != actor.pk:
        raise DomainError(_("This token is not yours."), code="forbidden")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor,
            "api.token_revoke",
            token,
            organisation=audit.home_organisation(actor),
            detail={"prefix": token.prefix},
        )
    return token
