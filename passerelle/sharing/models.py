"""Information-sharing protocols, the disclosures made under them, and break-glass access.

A protocol names its parties (organisations with a role inside the protocol), and for each
party role and data category the highest classification level and the purposes allowed.
It covers listed areas, for a period, and is in force only once a signatory of every party
organisation has approved it. The policy gate (`passerelle.policy`) reads these models;
nothing else decides what a partner sees.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passerelle.core.fields import EncryptedTextField
from passerelle.core.guard import GuardedManager
from passerelle.core.models import BaseModel
from passerelle.core.names import in_reader_language
from passerelle.incidents.models import DataCategory
from passerelle.policy.gate import in_force_filter, within
from passerelle.policy.purposes import Purpose


class PartyRole(models.TextChoices):
    CLUSTER_MEMBER = "cluster_member", _("Protection Cluster member")
    CLUSTER_COORDINATION = "cluster_coordination", _("Cluster coordination")
    GBV_PROVIDER = "gbv_provider", _("GBV service provider")
    CHILD_PROTECTION = "child_protection", _("Child-protection actor")
    MISSION_HUMAN_RIGHTS = "mission_human_rights", _("Mission human-rights component")
    MISSION_COMPONENT = "mission_component", _("Other mission component")
    GOVERNMENT = "government", _("Government authority")


SHAREABLE_LEVELS = [(1, _("1 – aggregate")), (2, _("2 – restricted")), (3, _("3 – confidential"))]
SHAREABLE_LEVELS.append((4, _("4 – strictly confidential")))


class ProtocolQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None):
        """Active protocols whose validity covers the day (today by default)."""
        return self.filter(**in_force_filter(on))  # the policy's one SQL definition

    def with_terms(self):
        """Prefetch what the gate reads: parties, rules, and the areas' P-codes (without the
        boundaries, which weigh hundreds of kilobytes)."""
        from passerelle.geography.models import Area

        return self.prefetch_related(
            "parties__organisation",
            "rules",
            models.Prefetch("areas", queryset=Area.objects.only("pk", "pcode", "level")),
        )


class Protocol(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(
        _("title (English)"),
        max_length=200,
        blank=True,
        help_text=_("Shown to English readers; the French title is shown when this is empty."),
    )
    description = models.TextField(
        _("purpose and safeguards"),
        blank=True,
        help_text=_("In plain words: why the parties share, and how they protect what they share."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        _("retention of shared copies (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("A shared record disappears from the recipient's view after this period."),
    )
    k_threshold = models.PositiveSmallIntegerField(
        _("small-cell threshold (k)"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text=_("Aggregate cells below this count are suppressed."),
    )
    finest_area_level = models.PositiveSmallIntegerField(
        _("finest area in statistics"),
        choices=[
            (0, _("Country (admin 0)")),
            (1, _("Region (admin 1)")),
            (2, _("Cercle (admin 2)")),
        ],
        default=2,
        help_text=_(
            "Statistics that count the partners' records are grouped and filtered by areas no "
            "finer than this level."
        ),
    )
    areas = models.ManyToManyField(
        "geography.Area",
        verbose_name=_("geographic scope"),
        blank=True,
        related_name="+",
        help_text=_("Records in these areas (and the areas within them) may be shared."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    status_note = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ProtocolQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "reference"]
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")

    def __str__(self):
        return f"{self.reference} – {self.display_title}"

    @property
    def display_title(self) -> str:
        """The title in the reader's language."""
        return in_reader_language(self.title, self.title_en)

    def in_force(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.status == self.Status.ACTIVE
            and self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from <= on <= self.valid_until
        )

    def covers(self, area) -> bool:
        return within(area, self.areas.all())  # the policy's one definition of coverage

    def party_roles(self, organisation) -> set[str]:
        return {p.role for p in self.parties.all() if p.organisation_id == organisation.pk}

    def party_organisations(self) -> list:
        seen = {}
        for party in self.parties.select_related("organisation"):
            seen.setdefault(party.organisation_id, party.organisation)
        return list(seen.values())

    def rule(self, party_roles, data_category: str):
        """The most generous rule for any of these party roles and this data category."""
        rules = [
            r
            for r in self.rules.all()
            if r.party_role in party_roles and r.data_category == data_category
        ]
        return max(rules, key=lambda r: r.max_level, default=None)


class ProtocolParty(models.Model):
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="protocol_parties",
    )
    role = models.CharField(_("role in the protocol"), max_length=24, choices=PartyRole.choices)

    class Meta:
        ordering = ["organisation__acronym", "role"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "organisation", "role"], name="unique_protocol_party"
            )
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"


class ProtocolRule(models.Model):
    """Up to which level a party role may receive a data category, and for which purposes."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="rules")
    party_role = models.CharField(_("party role"), max_length=24, choices=PartyRole.choices)
    data_category = models.CharField(_("data category"), max_length=8, choices=DataCategory.choices)
    max_level = models.PositiveSmallIntegerField(_("highest level"), choices=SHAREABLE_LEVELS)
    purposes = models.JSONField(_("purposes allowed"), default=list)

    class Meta:
        ordering = ["party_role", "data_category"]
        verbose_name = _("sharing rule")
        verbose_name_plural = _("sharing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "party_role", "data_category"], name="unique_protocol_rule"
            )
        ]

    def __str__(self):
        return f"{self.party_role}/{self.data_category} ≤ {self.max_level}"

    def purpose_labels(self) -> list[str]:
        labels = dict(Purpose.choices)
        return [str(labels.get(p, p)) for p in self.purposes]


class ProtocolApproval(models.Model):
    """A signatory of one party organisation approved the protocol as it stands."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="approvals")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["approved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "organisation"], name="unique_protocol_approval"
            )
        ]

    def __str__(self):
        return f"{self.organisation} approved {self.protocol_id}"


class Disclosure(BaseModel):
    """One incident shared with one partner organisation, under a protocol, for a purpose."""

    class Revocation(models.TextChoices):
        OWNER = "owner", _("Withdrawn by the owning organisation")
        CONSENT = "consent", _("Consent withdrawn")
        PROTOCOL = "protocol", _("Protocol suspended or expired")

    protocol = models.ForeignKey(
        Protocol, verbose_name=_("protocol"), on_delete=models.PROTECT, related_name="disclosures"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="disclosures"
    )
    owner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="disclosures_made"
    )
    recipient = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="disclosures_received",
    )
    recipient_role = models.CharField(
        _("recipient's role in the protocol"), max_length=24, choices=PartyRole.choices
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Identities (level 4) are shown to a named recipient only."),
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=SHAREABLE_LEVELS)
    consent_basis = models.JSONField(_("consent relied on"), default=list, blank=True)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("hidden after"))
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("why withdrawn"), max_length=12, choices=Revocation.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = GuardedManager()  # read through policy.scope / get_or_404, services unscoped()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        indexes = [
            models.Index(fields=["recipient", "revoked_at"]),
            # the gate's per-record check: this incident, to this organisation, not withdrawn
            models.Index(fields=["incident", "recipient", "revoked_at"]),
        ]

    def __str__(self):
        return f"{self.incident_id} → {self.recipient_id} (level {self.level})"

    @property
    def is_live(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.protocol.in_force()
        )


class BreakGlass(BaseModel):
    """Emergency access to one record beyond the user's need-to-know, with a written reason,
    for a limited time, reviewed afterwards by the organisation's administrator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="break_glass"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField(_("reason"))  # level 3: why identities were opened
    expires_at = models.DateTimeField(_("ends at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    objects = GuardedManager()  # read through policy.scope / get_or_404 only

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")

    def __str__(self):
        return f"{self.user_id} on {self.incident_id}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
