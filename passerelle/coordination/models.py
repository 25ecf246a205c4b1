"""Coordination: bodies and who sits in them (member or observer), meetings with attendance,
decisions and action points; the engagement risk register (humanitarian principles); and the
mapping of trainings given by many actors, to avoid duplication.

None of this is case data. Bodies and trainings are directory data; meetings and action points
are read by the organisations sitting in the body; an engagement risk analysis by its owner and
those it is shared with (`passerelle.policy.coordination`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from passerelle.core.models import BaseModel
from passerelle.core.names import in_reader_language
from passerelle.core.periods import PeriodMixin, PeriodQuerySet


class Body(BaseModel):
    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Protection Cluster")
        AOR = "aor", _("Area of responsibility")
        WORKING_GROUP = "working_group", _("Working group")
        MISSION_COORDINATION = "mission_coordination", _("Mission protection coordination body")
        HCT = "hct", _("Humanitarian country team")
        OTHER = "other", _("Other")

    name = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(
        _("name (English)"),
        max_length=200,
        blank=True,
        help_text=_("Shown to English readers; the French name is shown when this is empty."),
    )
    acronym = models.CharField(_("short name"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    thematic_area = models.ForeignKey(
        "directory.ThematicArea",
        verbose_name=_("thematic area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        "geography.Area",
        verbose_name=_("where it meets"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The capital or a field hub (Mopti, Gao, Tombouctou...)."),
    )
    chair = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_chair = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("co-chair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    terms = models.TextField(_("terms of reference"), blank=True)
    frequency = models.CharField(_("meets"), max_length=80, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "acronym"]
        verbose_name = _("coordination body")
        verbose_name_plural = _("coordination bodies")

    def __str__(self):
        return self.acronym

    @property
    def display_name(self) -> str:
        """The name in the reader's language."""
        return in_reader_language(self.name, self.name_en)

    def is_mission_body(self) -> bool:
        """Chaired by the mission (or one of its components): humanitarians weigh the risks to
        their neutrality, impartiality and independence before sitting in it."""
        return self.kind == self.Kind.MISSION_COORDINATION or self.chair.type in (
            "mission",
            "mission_component",
        )


class BodyMembership(PeriodMixin, models.Model):
    class Status(models.TextChoices):
        MEMBER = "member", _("Member")
        OBSERVER = "observer", _("Observer")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="body_memberships",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    since = models.DateField(_("since"), default=dt.date.today)
    until = models.DateField(_("until"), null=True, blank=True)
    risk = models.ForeignKey(
        "EngagementRisk",
        verbose_name=_("engagement risk analysis"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    note = models.CharField(_("what the status means here"), max_length=300, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["status", "organisation__acronym"]
        constraints = [
            models.UniqueConstraint(fields=["body", "organisation"], name="one_membership_per_body")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.organisation.acronym} in {self.body.acronym} ({self.status})"


class Meeting(BaseModel):
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))
    place = models.ForeignKey(
        "geography.Area",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self):
        return f"{self.body.acronym} {self.held_on:%Y-%m-%d}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        APOLOGIES = "apologies", _("Apologies")
        ABSENT = "absent", _("Absent")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    people = models.PositiveSmallIntegerField(_("people"), default=1)

    class Meta:
        ordering = ["organisation__acronym"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"], name="attendance_once")
        ]

    def __str__(self):
        return f"{self.organisation.acronym}: {self.status}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text[:60]


class ActionPointQuerySet(models.QuerySet):
    OPEN = ("open", "in_progress")

    def pending(self):
        return self.filter(status__in=self.OPEN)

    def overdue(self, on: dt.date | None = None):
        return self.pending().filter(due_on__lt=on or timezone.localdate())


class ActionPoint(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("action point status", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="action_points")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_points"
    )
    text = models.TextField(_("action"))
    owner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_points",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_points",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("follow-up note"), max_length=500, blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    objects = ActionPointQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action point")
        verbose_name_plural = _("action points")

    def __str__(self):
        return self.text[:60]

    def is_overdue(self, on: dt.date | None = None) -> bool:
        return self.status in ActionPointQuerySet.OPEN and self.due_on < (
            on or timezone.localdate()
        )


class Principle(models.TextChoices):
    NEUTRALITY = "neutrality", _("Neutrality")
    IMPARTIALITY = "impartiality", _("Impartiality")
    INDEPENDENCE = "independence", _("Operational independence")
    HUMANITY = "humanity", _("Humanity (access, safety of people and staff)")


class EngagementRiskQuerySet(models.QuerySet):
    def review_due(self, on: dt.date | None = None):
        """Open risks whose review date has come."""
        return self.exclude(status="closed").filter(next_review__lte=on or timezone.localdate())


class EngagementRisk(BaseModel):
    """A risk to the humanitarian principles (or perceptions of them) from engaging with the
    mission, analysed before and during the engagement."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("risk status", "Open")
        ACCEPTED = "accepted", _("Accepted with mitigation")
        CLOSED = "closed", pgettext_lazy("risk status", "Closed")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="engagement_risks",
    )
    title = models.CharField(_("risk"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    principle = models.CharField(_("principle at stake"), max_length=14, choices=Principle.choices)
    body = models.ForeignKey(
        Body,
        verbose_name=_("engagement concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risks",
    )
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    mitigation = models.TextField(_("mitigation"), blank=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("risk owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_every_days = models.PositiveSmallIntegerField(
        _("review every (days)"), default=90, validators=[MinValueValidator(7)]
    )
    next_review = models.DateField(_("next review"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    shared_with = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("shared with"),
        blank=True,
        related_name="+",
        help_text=_("Other organisations that may read this analysis (e.g. the cluster lead)."),
    )

    objects = EngagementRiskQuerySet.as_manager()

    class Meta:
        ordering = ["next_review", "pk"]
        verbose_name = _("engagement risk")
        verbose_name_plural = _("engagement risks")

    def __str__(self):
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    def review_due(self, on: dt.date | None = None) -> bool:
        return self.status != self.Status.CLOSED and self.next_review <= (
            on or timezone.localdate()
        )


class RiskReview(models.Model):
    risk = models.ForeignKey(EngagementRisk, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.TextField(_("what changed"), blank=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self):
        return f"{self.risk_id} {self.reviewed_on}"


class TrainingTopic(models.TextChoices):
    IHL = "ihl", _("International humanitarian law")
    IHRL = "ihrl", _("Human rights law")
    REFUGEE_LAW = "refugee_law", _("Refugee law and returns")
    POC = "poc", _("Protection of civilians")
    CHILD_PROTECTION = "child_protection", _("Child protection and the MRM")
    CRSV = "crsv", _("Conflict-related sexual violence")
    GBV = "gbv", _("GBV: principles and referral")
    PRINCIPLES = "principles", _("Humanitarian principles and civil-military coordination")
    MINE_RISK = "mine_risk", _("Mine-risk education")
    PROTECTION_MONITORING = "protection_monitoring", _("Protection monitoring")
    SCENARIOS = "scenarios", _("Scenario-based exercise")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    MISSION_MILITARY = "mission_military", _("Mission military")
    MISSION_POLICE = "mission_police", _("Mission police")
    MISSION_CIVILIAN = "mission_civilian", _("Mission civilian staff")
    NATIONAL_FORCES = "national_forces", _("National defence and security forces")
    NGOS = "ngos", _("NGOs")
    GOVERNMENT = "government", _("Government officials")
    COMMUNITY = "community", _("Community members")


class Training(BaseModel):
    provider = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("given by"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=24, choices=TrainingTopic.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    area = models.ForeignKey(
        "geography.Area", verbose_name=_("where"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    participants = models.PositiveIntegerField(_("participants"), default=0)
    women = models.PositiveIntegerField(_("of whom women"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The training cannot end before it starts.")
        if self.women is not None and self.women > (self.participants or 0):
            errors["women"] = _("There cannot be more women than participants.")
        if errors:
            raise ValidationError(errors)
