from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "passerelle.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks, crypto  # noqa: F401  (registers system checks)

        crypto.load_keys()  # a malformed key stops start-up here, with a clear message
        from . import jobs, notify, policy_rules  # noqa: F401  (policy_rules: jobs.run)

        notify.LABELS["job"] = jobs.JobLabel  # job names shown by their label
        post_migrate.connect(_write_key_canary, sender=self)


def _write_key_canary(sender, using="default", **kwargs):
    """After migrating, record which key this database is encrypted with."""
    from .crypto import ensure_canary

    ensure_canary()
