"""Who to go to for what: thematic areas, focal points, the cluster's strategy objectives and
what each actor does. Directory data (work contacts, not case data): anyone logged in may read
it; the "points d'entrée" document is generated from it (`entry_points.py`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from passerelle.core.models import BaseModel
from passerelle.core.periods import PeriodMixin, PeriodQuerySet


def _in_language(obj, field: str) -> str:
    """The French or English text of a bilingual field, falling back on the other language."""
    lang = (translation.get_language() or "fr")[:2]
    first, second = (
        (f"{field}_fr", f"{field}_en") if lang == "fr" else (f"{field}_en", f"{field}_fr")
    )
    return getattr(obj, first) or getattr(obj, second)


class ThematicArea(models.Model):
    """A line along which focal points emerge (child protection, GBV, human rights...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("thematic area")
        verbose_name_plural = _("thematic areas")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self, "name")

    @property
    def description(self) -> str:
        return _in_language(self, "description")


class FocalPointQuerySet(PeriodQuerySet):
    def covering(self, area):
        """Focal points whose areas contain the area (a P-code prefix of the area's), or who
        cover the whole country (no areas listed)."""
        if area is None:
            return self.filter(areas__isnull=True)
        prefixes = [area.pcode[:i] for i in range(2, len(area.pcode) + 1)]
        return self.filter(
            models.Q(areas__pcode__in=prefixes) | models.Q(areas__isnull=True)
        ).distinct()


class FocalPoint(PeriodMixin, BaseModel):
    """A person an organisation designates for a thematic area, in some areas, for a period."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="focal_points",
    )
    thematic_area = models.ForeignKey(
        ThematicArea,
        verbose_name=_("thematic area"),
        on_delete=models.PROTECT,
        related_name="focal_points",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="focal_points",
        help_text=_("Requests are routed to this account. Leave empty if the person has none."),
    )
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(_("function"), max_length=160, blank=True)
    email = models.EmailField(_("work e-mail"), blank=True)
    phone = models.CharField(_("work phone"), max_length=40, blank=True)
    place = models.ForeignKey(
        "geography.Area",
        verbose_name=_("duty station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    areas = models.ManyToManyField(
        "geography.Area",
        verbose_name=_("areas covered"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for the whole country."),
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputising",
    )
    deputy_name = models.CharField(_("deputy"), max_length=120, blank=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = FocalPointQuerySet.as_manager()

    class Meta:
        ordering = ["thematic_area__order", "organisation__acronym", "name"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")

    def __str__(self):
        return f"{self.name} ({self.organisation.acronym}, {self.thematic_area})"

    def clean(self):
        if self.until and self.since and self.until < self.since:
            raise ValidationError({"until": _("The end date cannot be before the start date.")})
        if self.deputy_id and self.deputy_id == self.user_id:
            raise ValidationError({"deputy": _("The deputy must be someone else.")})

    def covers(self, area) -> bool:
        areas = list(self.areas.all())
        if not areas:
            return True
        return area is not None and any(area.pcode.startswith(a.pcode) for a in areas)

    def specificity(self) -> int:
        """How narrow the coverage is: the deepest area level listed (-1: the whole country)."""
        return max((a.level for a in self.areas.all()), default=-1)


class Objective(BaseModel):
    """An objective of the Protection Cluster's strategy, the basis of engagement with the
    mission: which parts of the mission are relevant to it, open questions, concerns."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_fr = models.CharField(_("title (French)"), max_length=250)
    title_en = models.CharField(_("title (English)"), max_length=250)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    thematic_areas = models.ManyToManyField(
        ThematicArea, verbose_name=_("thematic areas"), blank=True, related_name="objectives"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("strategy objective")
        verbose_name_plural = _("strategy objectives")

    def __str__(self):
        return f"{self.code} – {self.title}"

    @property
    def title(self) -> str:
        return _in_language(self, "title")

    @property
    def description(self) -> str:
        return _in_language(self, "description")


class ObjectiveComponent(models.Model):
    """A mission component (or other actor) relevant to an objective, and what it does for it."""

    class Relevance(models.TextChoices):
        DIRECT = "direct", _("Directly")
        INDIRECT = "indirect", _("Indirectly")

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="components")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("component or organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    relevance = models.CharField(
        _("relevance"), max_length=10, choices=Relevance.choices, default=Relevance.DIRECT
    )
    activities = models.TextField(_("activities relevant to the objective"), blank=True)

    class Meta:
        ordering = ["relevance", "organisation__acronym"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "organisation"], name="objective_component_once"
            )
        ]
        verbose_name = _("relevant component")
        verbose_name_plural = _("relevant components")

    def __str__(self):
        return f"{self.objective.code}: {self.organisation.acronym}"


class ObjectiveNote(models.Model):
    """An open question for the mission, or a concern already foreseen, under an objective."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Open question")
        CONCERN = "concern", _("Concern")

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"))
    resolved = models.BooleanField(_("resolved"), default=False)
    added_on = models.DateField(_("added on"), default=dt.date.today)

    class Meta:
        ordering = ["kind", "resolved", "added_on", "pk"]
        verbose_name = _("question or concern")
        verbose_name_plural = _("questions and concerns")

    def __str__(self):
        return self.text[:60]


class ActorProfile(BaseModel):
    """What an organisation does in protection, for the points d'entrée: its role, the nature
    and extent of its activities, in both languages."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    role_fr = models.TextField(_("role and activities (French)"), blank=True)
    role_en = models.TextField(_("role and activities (English)"), blank=True)
    thematic_areas = models.ManyToManyField(
        ThematicArea, verbose_name=_("thematic areas"), blank=True, related_name="actors"
    )
    areas = models.ManyToManyField(
        "geography.Area", verbose_name=_("where it works"), blank=True, related_name="+"
    )
    contact = models.CharField(_("general contact"), max_length=200, blank=True)

    class Meta:
        ordering = ["organisation__acronym"]
        verbose_name = _("actor profile")
        verbose_name_plural = _("actor profiles")

    def __str__(self):
        return self.organisation.acronym

    @property
    def role(self) -> str:
        return _in_language(self, "role")
