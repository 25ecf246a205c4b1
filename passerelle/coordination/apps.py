from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "passerelle.coordination"
    verbose_name = _("Coordination")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from passerelle.core import notify

        from . import policy_rules, services  # noqa: F401  (policy_rules registers families)

        notify.MESSAGES.update(services.MESSAGES)
