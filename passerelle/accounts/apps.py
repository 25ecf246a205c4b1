from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "passerelle.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import admin  # noqa: F401  (registers models on the restricted admin site)
