from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XlsformsConfig(AppConfig):
    name = "passerelle.xlsforms"
    label = "xlsforms"
    verbose_name = _("XLSForms")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import policy_rules  # noqa: F401  (registers the form versions' family)
        from .submissions.batch import register

        register()  # the pipeline's reader for source "xlsform" (submission exports)
