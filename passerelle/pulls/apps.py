from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PullsConfig(AppConfig):
    name = "passerelle.pulls"
    label = "pulls"
    verbose_name = _("Pulls from KoboToolbox and ODK Central")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import policy_rules  # noqa: F401  (registers the connections' family)
