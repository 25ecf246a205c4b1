from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "passerelle.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks, crypto  # noqa: F401  (registers system checks)

        crypto.load_keys()  # a malformed key stops start-up here, with a clear message
