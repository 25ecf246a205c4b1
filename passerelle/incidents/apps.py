from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "passerelle.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from . import policy_rules  # noqa: F401  (registers the record families)
