from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "passerelle.sharing"
    verbose_name = _("Information sharing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from passerelle.core import notify
        from passerelle.incidents.models import Level
        from passerelle.incidents.signals import consent_changed
        from passerelle.policy.purposes import Purpose

        from . import policy_rules, services  # noqa: F401  (policy_rules registers families)
        from .models import Disclosure

        notify.LABELS.update({"purpose": Purpose, "reason": Disclosure.Revocation, "level": Level})
        consent_changed.connect(services.on_consent_changed, dispatch_uid="sharing.consent")
