"""Security context: ACLED events (public data), stored apart from protection records.

ACLED events are never incidents: nothing here is counted in protection figures (aggregates,
response gaps, dashboards read `incidents` only), nothing is encrypted (ACLED publishes it),
and no policy family guards them: whoever may browse areas or incidents may read them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AcledEventQuerySet(models.QuerySet):
    def within(self, area):
        """Events placed in `area` or any area under it."""
        return self.filter(area__pcode__startswith=area.pcode)


class AcledEvent(models.Model):
    event_id_cnty = models.CharField(_("ACLED event id"), max_length=40, unique=True)
    event_date = models.DateField(_("date"), db_index=True)
    # ACLED's own last-modified time (Unix seconds): a newer one updates a known event.
    timestamp = models.BigIntegerField(_("ACLED timestamp"), null=True, blank=True)
    time_precision = models.PositiveSmallIntegerField(_("date precision"), null=True, blank=True)
    disorder_type = models.CharField(_("disorder type"), max_length=80, blank=True)
    event_type = models.CharField(_("event type"), max_length=60)
    sub_event_type = models.CharField(_("sub-event type"), max_length=80, blank=True)
    actor1 = models.CharField(_("actor 1"), max_length=250, blank=True)
    actor2 = models.CharField(_("actor 2"), max_length=250, blank=True)
    inter1 = models.CharField(_("actor 1 type"), max_length=40, blank=True)
    inter2 = models.CharField(_("actor 2 type"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=80, blank=True)
    admin1 = models.CharField(_("admin 1 (as ACLED names it)"), max_length=120, blank=True)
    admin2 = models.CharField(_("admin 2 (as ACLED names it)"), max_length=120, blank=True)
    admin3 = models.CharField(_("admin 3 (as ACLED names it)"), max_length=120, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=5)
    geo_precision = models.PositiveSmallIntegerField(_("place precision"), null=True, blank=True)
    # The finest area matched: admin names (or P-codes) first, else the point's polygon.
    area = models.ForeignKey(
        "geography.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="acled_events",
    )
    fatalities = models.PositiveIntegerField(_("reported fatalities"), default=0)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now=True)

    objects = AcledEventQuerySet.as_manager()

    class Meta:
        ordering = ["-event_date", "event_id_cnty"]
        verbose_name = _("ACLED event")
        verbose_name_plural = _("ACLED events")
        indexes = [models.Index(fields=["area", "event_date"], name="acled_area_date")]

    def __str__(self):
        return self.event_id_cnty
