"""Organisations, users and their memberships (one role per membership)."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from passerelle.core.models import BaseModel
from passerelle.core.names import in_reader_language


class Organisation(BaseModel):
    class Type(models.TextChoices):
        UN_AGENCY = "un_agency", _("UN agency")
        INGO = "ingo", _("International NGO")
        NNGO = "nngo", _("National NGO")
        GOVERNMENT = "government", _("Government")
        MISSION = "mission", _("Peace mission")
        MISSION_COMPONENT = "mission_component", _("Mission component")
        DONOR = "donor", _("Donor")

    name = models.CharField(_("name (French)"), max_length=200, unique=True)
    name_en = models.CharField(
        _("name (English)"),
        max_length=200,
        blank=True,
        help_text=_("Shown to English readers; the French name is shown when this is empty."),
    )
    acronym = models.CharField(_("acronym"), max_length=30, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.acronym

    @property
    def display_name(self) -> str:
        """The name in the reader's language."""
        return in_reader_language(self.name, self.name_en)


class User(AbstractUser):
    """A person who logs in. Rights come only from memberships (see policy.roles)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        blank=True,
        choices=[("fr", "Français"), ("en", "English")],
    )
    # the login before the current one: the home page shows what changed since then
    previous_login = models.DateTimeField(
        _("previous login"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self):
        return self.get_full_name() or self.username


class Membership(BaseModel):
    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer")
        MONITOR = "monitor", _("Protection monitor")
        CASE_WORKER = "case_worker", _("Case worker")
        VERIFIER = "verifier", _("Verifier")
        IM_OFFICER = "im_officer", _("Information-management officer")
        FOCAL_POINT = "focal_point", _("Focal point")
        ORG_ADMIN = "org_admin", _("Organisation administrator")
        SYSTEM_ADMIN = "system_admin", _("System administrator")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="unique_membership_role"
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"
