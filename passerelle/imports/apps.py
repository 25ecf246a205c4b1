from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "passerelle.imports"
    label = "imports"
    verbose_name = _("Imports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import policy_rules  # noqa: F401  (registers the batches' family)
        from .spreadsheets import register

        register()  # the reader of source "spreadsheet"
