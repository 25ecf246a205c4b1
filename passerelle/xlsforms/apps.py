from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XlsformsConfig(AppConfig):
    name = "passerelle.xlsforms"
    label = "xlsforms"
    verbose_name = _("XLSForms")
    default_auto_field = "django.db.models.BigAutoField"
