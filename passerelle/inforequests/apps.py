from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InforequestsConfig(AppConfig):
    name = "passerelle.inforequests"
    verbose_name = _("Requests for information or action")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from passerelle.core import notify

        from . import policy_rules, services  # noqa: F401  (policy_rules registers families)
        from .models import DeclineReason, Request

        notify.MESSAGES.update(services.MESSAGES)
        notify.LABELS.update(
            {"request_status": Request.Status, "request.decline_reason": DeclineReason}
        )
