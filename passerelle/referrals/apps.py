from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "passerelle.referrals"
    verbose_name = _("Referrals and services")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from passerelle.core import notify
        from passerelle.incidents.signals import consent_changed

        from . import policy_rules, services  # noqa: F401  (policy_rules registers families)
        from .models import DeclineReason, NeedKind, Referral, ServiceType

        notify.MESSAGES.update(services.MESSAGES)
        notify.LABELS.update(
            {
                "service_type": ServiceType,
                "need": NeedKind,
                "referral.decline_reason": DeclineReason,
                "referral_status": Referral.Status,
                "urgency": Referral.Urgency,
            }
        )
        consent_changed.connect(services.on_consent_changed, dispatch_uid="referrals.consent")
