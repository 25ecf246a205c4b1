"""Administrative areas identified by P-code (COD-AB), in French and English."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class AreaQuerySet(models.QuerySet):
    def regions(self):
        return self.filter(level=1)

    def descendants_of(self, area):
        """The area itself and every area whose P-code starts with its P-code."""
        return self.filter(pcode__startswith=area.pcode, level__gte=area.level)


class Area(models.Model):
    class Level(models.IntegerChoices):
        COUNTRY = 0, _("Country (admin 0)")
        REGION = 1, _("Region (admin 1)")
        CERCLE = 2, _("Cercle (admin 2)")
        COMMUNE = 3, _("Commune (admin 3)")

    pcode = models.CharField(_("P-code"), max_length=20, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    pcode_version = models.CharField(_("P-code version"), max_length=40, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON)"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["pcode"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr

    def ancestor_at(self, level: int):
        """This area's ancestor at `level` (itself if it is at that level), or None."""
        area = self
        while area is not None and area.level > level:
            area = area.parent
        return area if area is not None and area.level == level else None
