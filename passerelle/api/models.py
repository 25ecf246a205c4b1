"""Personal API tokens: one per client a user runs, kept hashed (docs/api.md)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle.core.models import BaseModel

PREFIX_LENGTH = 8


def digest(key: str) -> str:
    """The SHA-256 of a token's key: the only form the database keeps (a key is 256 random
    bits, so a plain hash cannot be reversed by guessing)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Not revoked, not expired, of an active user."""
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True
        )


class ApiToken(BaseModel):
    """A token acts as its user, through the policy, with the user's roles of the moment.

    `two_factor_verified`: created in a session verified with two factors within the last
    `API_TOKEN_TWO_FACTOR_MINUTES` (or with a code typed on the creation form); only such a
    token may read level 3-4 data, and only while the user keeps a confirmed device.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    two_factor_verified = models.BooleanField(_("verified with two factors"), default=False)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… {self.name}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
