from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "passerelle.sharing"
    verbose_name = _("Information sharing")
    default_auto_field = "django.db.models.BigAutoField"
