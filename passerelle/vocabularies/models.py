"""Controlled vocabularies (codes with French and English labels), extendable by administrators."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TermQuerySet(models.QuerySet):
    def of(self, vocabulary: str):
        return self.filter(vocabulary=vocabulary, active=True)

    def categories(self):
        """Incident categories proper (children of a framework root)."""
        return self.of(Term.Vocabulary.CATEGORY).filter(
            parent__isnull=False, parent__parent__isnull=True
        )

    def subtypes(self):
        return self.of(Term.Vocabulary.CATEGORY).filter(parent__parent__isnull=False)


class Term(models.Model):
    class Vocabulary(models.TextChoices):
        CATEGORY = "category", _("Incident category")
        PERPETRATOR = "perpetrator", _("Perpetrator category")
        AGE_GROUP = "age_group", _("Age group")
        SOURCE_TYPE = "source_type", _("Source type")
        RELIABILITY = "reliability", _("Source reliability")
        DISPLACEMENT = "displacement", _("Displacement status")

    vocabulary = models.CharField(_("vocabulary"), max_length=20, choices=Vocabulary.choices)
    code = models.CharField(_("code"), max_length=80)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    label_en = models.CharField(_("label (English)"), max_length=200)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    standard = models.CharField(
        _("standard"),
        max_length=80,
        blank=True,
        help_text=_("Where the code comes from, e.g. MRM, GBVIMS, HURIDOCS MT 4."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["vocabulary", "sort_order", "code"]
        verbose_name = _("vocabulary term")
        verbose_name_plural = _("vocabulary terms")
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="unique_term_code")
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return self.label_en if (get_language() or "fr").startswith("en") else self.label_fr

    @property
    def root(self):
        term = self
        while term.parent_id is not None:
            term = term.parent
        return term
