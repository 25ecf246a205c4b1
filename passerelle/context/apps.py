from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContextConfig(AppConfig):
    name = "passerelle.context"
    label = "context"
    verbose_name = _("Security context (ACLED)")
    default_auto_field = "django.db.models.BigAutoField"
